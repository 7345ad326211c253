import { createApp } from '../../src/api/app';
import { DEFAULT_RATE_LIMITS } from '../../src/api/middleware/rate-limits';
import { openApiPath } from '../../src/api/openapi/route-doc';
import { PAGES } from '../../src/api/routes/pages';
import { contractViolation } from '../support/contract';
import { httpClient } from '../support/http';
import { enumerateRoutes } from '../support/routes';
import { startTestSystem, type TestSystem } from '../support/system';

/** Browser pages and the reference page are HTML for people, not API operations. */
// pages for people, and the mail clients' RFC 8058 unsubscribe endpoint (HTML unless asked for JSON), are not the JSON API
const NOT_OPERATIONS = new Set([
  ...Object.keys(PAGES).map((page) => `GET ${page}`),
  'GET /api/docs',
  'GET /api/docs/init.js',
  'GET /dev/mailbox',
  'GET /unsubscribe/:token',
  'POST /unsubscribe/:token',
  // the Prometheus exposition (text format) for scrapers
  'GET /metrics',
]);

describe('the OpenAPI document against the routes the API serves', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('documents every route the router serves, and serves every documented operation (method and path)', async () => {
    const app = createApp({ ...system, rateLimits: DEFAULT_RATE_LIMITS });
    const served = enumerateRoutes(app)
      .map((route) => `${route.method} ${route.path}`)
      .filter((route) => !NOT_OPERATIONS.has(route))
      .map((route) => {
        const [method, path] = route.split(' ');
        return `${method} ${openApiPath(path)}`;
      });
    const doc = (await httpClient(system.baseUrl).get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

    expect({ undocumented: served.filter((route) => !documented.includes(route)) }).toEqual({ undocumented: [] });
    expect({ notServed: documented.filter((route) => !served.includes(route)) }).toEqual({ notServed: [] });
    expect(new Set(served).size).toBe(documented.length);
  });

  it('serves the document as JSON without a token, uncached', async () => {
    const response = await httpClient(system.baseUrl).get('/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/api/reports', '/api/reports/{id}/download', '/health']));
  });

  it('serves the API reference page with its renderer from the own dependencies, under the CSP, without inline script', async () => {
    const client = httpClient(system.baseUrl);
    const page = await client.get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline\'; script');
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/api\/docs\//);
      expect(body.trim()).toBe('');
    }
    for (const asset of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      expect(asset).toMatch(/^\/api\/docs\//);
      const answer = await client.get(asset);
      expect({ asset, status: answer.status }).toEqual({ asset, status: 200 });
    }
    const init = await client.get('/api/docs/init.js');
    expect(init.text).toContain("'/api/openapi.json'");
  });

  it('refuses an answer that drifts from the document: an undocumented status, or a body its schema does not accept', () => {
    expect(contractViolation('GET', '/api/reports/12', 200, 'application/json', { id: 'twelve' })).toMatch(/schema refuses/);
    expect(contractViolation('GET', '/api/me', 418, 'application/json', {})).toMatch(/does not list/);
    expect(contractViolation('GET', '/api/me', 401, 'application/json', { error: { code: 'unauthorized', message: 'x' } })).toMatch(/details/);
    expect(contractViolation('GET', '/api/me', 401, 'application/json', { error: { code: 'unauthorized', message: 'x', details: null } })).toBeUndefined();
    expect(contractViolation('GET', '/no/such/route', 404, 'application/json', {})).toBeUndefined();
  });
});
