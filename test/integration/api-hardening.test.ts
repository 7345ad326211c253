import http from 'node:http';
import { createWorld, type World } from '../support/fixtures';
import { httpClient, type HttpResponse } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

/** The one error format, with field-level details when a field is to blame. */
function expectErrorFormat(response: HttpResponse, status: number, code?: string): void {
  expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status, type: expect.stringMatching(/application\/json/) });
  expect(response.body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String), details: response.body?.error?.details ?? null } });
  const details = response.body.error.details as unknown;
  if (details !== null) expect(details).toEqual(expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]));
}

function fieldsOf(response: HttpResponse): string[] {
  return (response.body.error.details as Array<{ field: string }>).map((d) => d.field);
}

/** A raw request, so the path and headers reach the server exactly as written (fetch would normalise them). */
function rawRequest(baseUrl: string, options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer }): Promise<HttpResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
        const json = (res.headers['content-type'] ?? '').includes('application/json') && text ? JSON.parse(text) : text;
        resolve({ status: res.statusCode ?? 0, headers, body: json, text });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the HTTP edge refuses malformed input with 4xx in the one error format', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const PARAMETERISED_ROUTES: Array<[method: string, template: string]> = [
    ['POST', '/api/tickets/{}/events'],
    ['GET', '/api/tickets/{}/events/evt-1'],
    ['GET', '/api/tickets/1/events/{}'],
    ['GET', '/api/reports/{}'],
    ['GET', '/api/reports/{}/download'],
    ['DELETE', '/api/reports/{}'],
    ['GET', '/api/admin/cleanup/runs/{}'],
    ['POST', '/api/admin/cleanup/schedule/{}'],
    ['GET', '/api/admin/jobs/{}'],
    ['GET', '/api/admin/failed-jobs/{}'],
    ['POST', '/api/admin/failed-jobs/{}/retry'],
    ['POST', '/api/admin/queues/{}/pause'],
    ['POST', '/api/admin/queues/{}/resume'],
    ['POST', '/api/admin/queues/{}/restart'],
  ];

  it.each(PARAMETERISED_ROUTES)('%s %s with a malformed percent-escape in the parameter answers 400, not 500', async (method, template) => {
    for (const garbage of ['%', '%E0%A4%A', '%zz', 'a%', '%C3%28', '%ED%A0%80']) {
      const response = await rawRequest(system.baseUrl, {
        method,
        path: template.replace('{}', garbage),
        headers: { authorization: `Bearer ${world.tokens.admin}`, 'content-type': 'application/json' },
        body: method === 'POST' ? Buffer.from('{}') : undefined,
      });
      expectErrorFormat(response, 400, 'bad_request');
      expect(fieldsOf(response)).toEqual(['path']);
    }
  });

  it('a body sent as Content-Encoding: gzip that is not gzip answers 400, not 500', async () => {
    for (const [encoding, body] of [
      ['gzip', Buffer.from('{"format":"csv"}')],
      ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02])],
      ['deflate', Buffer.from('not deflate at all')],
    ] as const) {
      const response = await rawRequest(system.baseUrl, {
        method: 'POST',
        path: '/api/reports',
        headers: { authorization: `Bearer ${world.tokens.admin}`, 'content-type': 'application/json', 'content-encoding': encoding },
        body,
      });
      expectErrorFormat(response, 400, 'bad_request');
    }
    expect(await system.db('reports').where({ user_id: world.admin.id }).count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it.each(['/api/admin/jobs?=null', '/api/admin/jobs?companyId=3&=x', '/api/admin/failed-jobs?=1', '/api/reports?all=1&=1'])(
    'a query parameter with no name (%s), which the query parser would drop unseen, answers 400 naming query',
    async (path) => {
      const response = await httpClient(system.baseUrl, world.tokens.admin).get(path);
      expectErrorFormat(response, 400, 'validation_failed');
      expect(fieldsOf(response)).toEqual(['query']);
    },
  );

  describe('ids are canonical decimal digits', () => {
    const HOSTILE_IDS = ['0x1', '1e0', '%201', '1%20', '+1', '01', '1.0', '0', '-1', '2147483648', '99999999999999999999', 'one'];

    it.each(HOSTILE_IDS)('the ticket id %s in the ticket event routes answers 400 naming params.ticketId', async (bad) => {
      const api = httpClient(system.baseUrl, world.tokens.admin);
      const post = await api.post(`/api/tickets/${bad}/events`, { type: 'updated', actorId: world.admin.id });
      expectErrorFormat(post, 400, 'validation_failed');
      expect(fieldsOf(post)).toEqual(['params.ticketId']);
      const get = await api.get(`/api/tickets/${bad}/events/evt-1`);
      expectErrorFormat(get, 400, 'validation_failed');
      expect(fieldsOf(get)).toEqual(['params.ticketId']);
    });

    it.each(HOSTILE_IDS)('the failed-job id %s answers 400 naming params.id', async (bad) => {
      const api = httpClient(system.baseUrl, world.tokens.admin);
      for (const response of [await api.get(`/api/admin/failed-jobs/${bad}`), await api.post(`/api/admin/failed-jobs/${bad}/retry`)]) {
        expectErrorFormat(response, 400, 'validation_failed');
        expect(fieldsOf(response)).toEqual(['params.id']);
      }
    });

    it('a report id that is not canonical is simply not a report (404), like another user\'s', async () => {
      const api = httpClient(system.baseUrl, world.tokens.admin);
      for (const bad of ['01', '0x1', '1e0', '+1']) expectErrorFormat(await api.get(`/api/reports/${bad}`), 404, 'not_found');
    });

    it.each([
      ['/api/admin/failed-jobs?ticketId[]=1', 'query.ticketId'],
      ['/api/admin/failed-jobs?ticketId=1&ticketId=2', 'query.ticketId'],
      ['/api/admin/failed-jobs?ticketId=0x1', 'query.ticketId'],
      ['/api/admin/failed-jobs?beforeId=1e0', 'query.beforeId'],
      ['/api/admin/failed-jobs?limit[]=5', 'query.limit'],
      ['/api/admin/failed-jobs/groups?ticketId[a]=1', 'query.ticketId'],
      ['/api/admin/jobs?ticketId[]=1', 'query.ticketId'],
      ['/api/admin/jobs?companyId=%2B1', 'query.companyId'],
      ['/api/admin/jobs?pageSize=1e1', 'query.pageSize'],
      ['/api/admin/audit?userId[]=1', 'query.userId'],
      ['/api/admin/audit?beforeId=01', 'query.beforeId'],
      ['/api/admin/cleanup/runs?limit=0x10', 'query.limit'],
    ])('GET %s answers 400 naming %s', async (path, field) => {
      const response = await httpClient(system.baseUrl, world.tokens.admin).get(path);
      expectErrorFormat(response, 400, 'validation_failed');
      expect(fieldsOf(response)).toEqual([field]);
    });

    it('bulk retry ids must be safe positive integers: 1e20 answers 400 naming ids.0 and starts nothing', async () => {
      const api = httpClient(system.baseUrl, world.tokens.admin);
      const before = await system.repos.activityLogs.list({ action: 'admin.failed_job_retried', limit: 100 });
      for (const [body, field] of [
        ['{"ids":[1e20]}', 'ids.0'],
        ['{"ids":[3, 9007199254740993]}', 'ids.1'],
        ['{"ids":[1.5]}', 'ids.0'],
        ['{"ids":["1"]}', 'ids.0'],
        ['{"ticketId":1e20}', 'ticketId'],
      ] as const) {
        const response = await api.post('/api/admin/failed-jobs/retry', body);
        expectErrorFormat(response, 400, 'validation_failed');
        expect(fieldsOf(response)).toEqual([field]);
      }
      expect(await system.repos.activityLogs.list({ action: 'admin.failed_job_retried', limit: 100 })).toHaveLength(before.length);
    });
  });

  describe('bodies and date-times', () => {
    it('an unknown key in a ticket event body answers 400 naming the key', async () => {
      const api = httpClient(system.baseUrl, world.tokens.admin);
      const response = await api.post('/api/tickets/1/events', { type: 'updated', actorId: world.admin.id, recipients: [world.clientB.id], extra: 1 });
      expectErrorFormat(response, 400, 'validation_failed');
      expect(response.body.error.details).toEqual([{ field: 'body', message: expect.stringMatching(/'recipients'.*'extra'|'extra'.*'recipients'/) }]);
      // as in report bodies, where an unknown key is named on the object holding it
      const nested = await api.post('/api/reports', { format: 'csv', filters: { companyId: 1 } });
      expectErrorFormat(nested, 400, 'validation_failed');
      expect(nested.body.error.details).toEqual([{ field: 'filters', message: expect.stringContaining("'companyId'") }]);
    });

    it.each(['2026-01-01T24:00:00Z', '2026-01-01T24:00Z', '2026-02-30T10:00:00Z', '2026-01-01T23:59:60Z', '2026-01-01T10:00:00', '2026-01-01'])(
      'the date-time %s is refused in occurredAt and in the admin job search',
      async (value) => {
        const api = httpClient(system.baseUrl, world.tokens.admin);
        const event = await api.post('/api/tickets/1/events', { type: 'updated', actorId: world.admin.id, occurredAt: value });
        expectErrorFormat(event, 400, 'validation_failed');
        expect(fieldsOf(event)).toEqual(['occurredAt']);
        for (const field of ['from', 'to']) {
          const search = await api.get(`/api/admin/jobs?${field}=${encodeURIComponent(value)}`);
          expectErrorFormat(search, 400, 'validation_failed');
          expect(fieldsOf(search)).toEqual([`query.${field}`]);
        }
      },
    );
  });

  describe('caching', () => {
    it('authenticated JSON answers and the login answer carry Cache-Control: no-store', async () => {
      const admin = httpClient(system.baseUrl, world.tokens.admin);
      const client = httpClient(system.baseUrl, world.tokens.clientA);
      const answers = [
        await admin.get('/api/me'),
        await admin.get('/api/admin/failed-jobs'),
        await admin.get('/api/admin/queues'),
        await admin.get('/api/admin/audit'),
        await client.get('/api/reports'),
        await client.get('/api/admin/overview'),
        await httpClient(system.baseUrl).get('/api/me'),
        await httpClient(system.baseUrl).post('/api/auth/login', { email: world.clientA.email, password: 'correct horse battery staple' }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 403, 401, 200]);
      for (const answer of answers) expect(answer.headers.get('cache-control')).toBe('no-store');
    });
  });
});
