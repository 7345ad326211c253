import { ISO_DATE_TIME_PATTERN, isoDateTime } from '../../src/api/strict-values';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

/** What schemathesis found against the contract, fixed in the code: each stays fixed. */
describe('requests schemathesis found failing', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('a job search date whose time-zone offset is beyond ±14:00 is a 400 naming the field, not a 500', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    const response = await admin.get(`/api/admin/jobs?to=${encodeURIComponent('0593-10-04T23:10:02.86-2501')}`);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'query.to', message: 'must have a time-zone offset between -14:00 and +14:00' }]);
    expect((await admin.get(`/api/admin/jobs?to=${encodeURIComponent('2025-01-31T09:30:00+14:00')}`)).status).toBe(200);
  });

  it('the contract states exactly the date-times the API accepts, offsets included', () => {
    const pattern = new RegExp(ISO_DATE_TIME_PATTERN);
    for (const value of ['2025-01-31T09:30:00Z', '2024-02-29T00:00+01:00', '2025-01-31T09:30:00.5-0530', '2025-01-31T09:30+14:00', '2025-01-31T09:30+15:00', '2025-01-31T09:30-2501', '2025-02-29T00:00Z', '2025-01-31T24:00Z', '2025-01-31']) {
      expect({ value, documented: pattern.test(value) }).toEqual({ value, documented: isoDateTime.safeParse(value).success });
    }
  });

  it('a method a documented path does not serve is 405 with its methods in Allow, once the caller may use the path', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    const trace = await admin.request('PATCH', '/api/me', {});
    expect(trace.status).toBe(405);
    expect(trace.headers.get('allow')).toBe('GET, HEAD');
    expect(trace.body).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String), details: null } });
    expect((await admin.delete('/api/admin/overview')).status).toBe(405);
    // a literal path wins over an overlapping parameter path, as in OpenAPI: GET /retry is not the failed job "retry"
    const retry = await admin.get('/api/admin/failed-jobs/retry');
    expect(retry.status).toBe(405);
    expect(retry.headers.get('allow')).toBe('POST');
    expect((await admin.get('/api/admin/failed-jobs/groups')).status).toBe(200);
    // authentication and permissions still come first, and unknown paths stay 404
    expect((await httpClient(system.baseUrl).delete('/api/admin/overview')).status).toBe(401);
    expect((await httpClient(system.baseUrl, world.tokens.agent).delete('/api/admin/overview')).status).toBe(403);
    expect((await admin.delete('/api/no-such-thing')).status).toBe(404);
  });

  it('OPTIONS on a documented path lists exactly its methods, not those of an overlapping parameter path', async () => {
    const client = httpClient(system.baseUrl);
    const retry = await client.request('OPTIONS', '/api/admin/failed-jobs/retry');
    expect(retry.status).toBe(204);
    expect(retry.headers.get('allow')).toBe('POST');
    expect((await client.request('OPTIONS', '/api/reports/12')).headers.get('allow')).toBe('DELETE, GET, HEAD');
  });
});
