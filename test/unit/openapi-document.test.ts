import { execFileSync } from 'node:child_process';
import { buildOpenApiDocument, allRouteDocs } from '../../src/api/openapi/document';
import { PERMISSIONS } from '../../src/auth/permissions';

type Operation = {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  'x-required-permission'?: string | string[] | null;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown }> }>;
};

const doc = buildOpenApiDocument() as unknown as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));

/** @seriousme/openapi-schema-validator is an ES module, which jest's CommonJS runtime cannot load: node runs it. */
function validateWithOfficialSchema(document: unknown): { valid: boolean; version: string; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(document), cwd: process.cwd(), encoding: 'utf8' });
  return JSON.parse(out);
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document by the official schema', () => {
    const result = validateWithOfficialSchema(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.version).toBe('3.1');
  });

  it('has one operation per documented route, each with a unique operation id and a summary', () => {
    expect(operations).toHaveLength(allRouteDocs().length);
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) expect(op.summary).toEqual(expect.any(String));
  });

  it('names the bearer scheme and, per operation, the permission it needs and the 401/403 it can answer', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    for (const { name, op } of operations) {
      const permission = op['x-required-permission'];
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (isPublic) {
        expect({ name, permission }).toEqual({ name, permission: null });
        continue;
      }
      expect({ name, security: op.security }).toEqual({ name, security: [{ bearerAuth: [] }] });
      expect({ name, has401: '401' in op.responses }).toEqual({ name, has401: true });
      for (const p of permission === null || permission === undefined ? [] : [permission].flat()) {
        expect(Object.keys(PERMISSIONS)).toContain(p);
        expect({ name, has403: '403' in op.responses }).toEqual({ name, has403: true });
      }
    }
  });

  it('documents the error format with field details, and Retry-After on every 429 and 503', () => {
    for (const { name, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === '429' || (status === '503' && name !== 'GET /ready')) {
          expect({ name, status, retryAfter: Boolean(response.headers?.['Retry-After']) }).toEqual({ name, status, retryAfter: true });
        }
      }
      const badRequest = op.responses['400']?.content?.['application/json']?.schema;
      if (badRequest) expect(JSON.stringify(badRequest)).toContain('"field"');
    }
  });

  it('gives every request body an example and a 400, 413 and 415 answer', () => {
    const withBody = operations.filter(({ op }) => op.requestBody);
    expect(withBody.length).toBeGreaterThan(0);
    for (const { name, op } of withBody) {
      expect({ name, example: op.requestBody?.content['application/json'].example !== undefined }).toEqual({ name, example: true });
      for (const status of ['400', '413', '415']) expect({ name, status, documented: status in op.responses }).toEqual({ name, status, documented: true });
    }
  });

  it('links a requested report to reading, downloading and deleting it, for stateful testing', () => {
    const links = (doc.paths['/api/reports'].post.responses['202'] as { links?: Record<string, { operationId: string }> }).links ?? {};
    expect(Object.values(links).map((l) => l.operationId).sort()).toEqual(['deleteReport', 'downloadReport', 'getReport']);
  });
});
