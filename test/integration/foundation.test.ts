import { TASK_QUEUES } from '../../src/jobs/contract';
import { createUser, createWorld, FIXTURE_PASSWORD, uniqueSuffix, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { freePort } from '../support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

describe('foundation: API → Temporal → worker → database', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    system = await startTestSystem({ queues: [TASK_QUEUES.default] });
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('answers /health and reports /ready when the database and Temporal are reachable', async () => {
    const api = httpClient(system.baseUrl);
    expect((await api.get('/health')).status).toBe(200);
    const ready = await api.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'up', temporal: 'up' });
  });

  it('a job requested over HTTP runs on its worker, writes to the database and its result comes back over HTTP', async () => {
    const api = httpClient(system.baseUrl, world.tokens.admin);
    const started = await api.post('/api/admin/cleanup/runs', { dryRun: true });
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toMatch(/^cleanup-manual-\d+$/);

    const run = await waitFor(
      async () => {
        const response = await api.get(`/api/admin/cleanup/runs/${started.body.workflowId}`);
        return response.body.status === 'COMPLETED' ? response.body : undefined;
      },
      { what: 'the cleanup dry run to complete' },
    );
    expect(run.result.dryRun).toBe(true);
    expect(Object.keys(run.result.counts).sort()).toEqual(['activityLogs', 'failedJobs', 'orphanFiles', 'reportFiles', 'reports']);

    const logged = await system.repos.activityLogs.list({ action: 'cleanup.dry_run', limit: 50 });
    expect(logged.map((entry) => entry.subjectId)).toContain(started.body.workflowId);

    const description = await system.jobs.describe(started.body.workflowId);
    const attributes = Object.fromEntries(description!.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]));
    expect(attributes).toMatchObject({ JobType: 'cleanup', RequestedBy: world.admin.id });
  });

  describe('accounts', () => {
    it('logs in with the right password and answers /api/me with roles and permissions', async () => {
      const api = httpClient(system.baseUrl);
      const login = await api.post('/api/auth/login', { email: world.agent.email, password: FIXTURE_PASSWORD });
      expect(login.status).toBe(200);
      expect(login.body.token).toMatch(/^hdt_/);
      const me = await httpClient(system.baseUrl, login.body.token).get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.role).toBe('agent');
      expect(me.body.company).toEqual({ id: world.companyA.id, name: world.companyA.name });
      expect(me.body.permissions).toContain('create_reports');
      expect(me.body.permissions).not.toContain('view_horizon');
    });

    it('an e-mail is one account whatever its case: stored lower-case, signed in to as typed', async () => {
      const mixed = `Mixed.Case-${uniqueSuffix()}@Example.TEST`;
      const user = await createUser(system.repos, { role: 'agent', companyId: world.companyA.id, email: `  ${mixed} ` });
      expect(user.email).toBe(mixed.toLowerCase());
      const api = httpClient(system.baseUrl);
      expect((await api.post('/api/auth/login', { email: mixed.toUpperCase(), password: FIXTURE_PASSWORD })).status).toBe(200);
      expect((await api.post('/api/auth/login', { email: mixed, password: FIXTURE_PASSWORD })).status).toBe(200);
    });

    it('a wrong password and an unknown e-mail get the same generic 401', async () => {
      const api = httpClient(system.baseUrl);
      const wrong = await api.post('/api/auth/login', { email: world.agent.email, password: 'nope' });
      const unknown = await api.post('/api/auth/login', { email: 'nobody@example.test', password: 'nope' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error.message).toBe('Invalid e-mail or password');
      expect(unknown.body.error).toEqual(wrong.body.error);
    });

    it('a missing, malformed, expired or revoked token gets 401', async () => {
      expect((await httpClient(system.baseUrl).get('/api/me')).status).toBe(401);
      expect((await httpClient(system.baseUrl, 'hdt_not-a-real-token').get('/api/me')).status).toBe(401);
      expect((await httpClient(system.baseUrl).get('/api/me', { authorization: 'Basic abc' })).status).toBe(401);

      const expired = await system.auth.createPersonalToken(world.agent.email, 'short-lived', 1);
      await system.db('api_tokens').where({ name: 'short-lived' }).update({ expires_at: new Date(Date.now() - 1000) });
      expect((await httpClient(system.baseUrl, expired.token).get('/api/me')).status).toBe(401);

      const login = await httpClient(system.baseUrl).post('/api/auth/login', { email: world.clientA.email, password: FIXTURE_PASSWORD });
      const session = httpClient(system.baseUrl, login.body.token);
      expect((await session.get('/api/me')).status).toBe(200);
      expect((await session.post('/api/auth/logout')).status).toBe(204);
      const revoked = await session.get('/api/me');
      expect(revoked.status).toBe(401);
      expect(revoked.body.error.code).toBe('unauthorized');
    });

    it('a valid token without the permission gets 403 and starts nothing', async () => {
      const before = await system.repos.activityLogs.list({ action: 'admin.cleanup_started', limit: 100 });
      const response = await httpClient(system.baseUrl, world.tokens.agent).post('/api/admin/cleanup/runs', { dryRun: true });
      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ code: 'forbidden' });
      const after = await system.repos.activityLogs.list({ action: 'admin.cleanup_started', limit: 100 });
      expect(after).toHaveLength(before.length);
    });

    it('malformed JSON gets 400 in the standard error format', async () => {
      const response = await httpClient(system.baseUrl).post('/api/auth/login', '{"email": "a@b.c", "password":');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_json');
      expect(response.body.error.details[0].field).toBe('body');
    });

    it('a wrong field type gets 400 naming the field', async () => {
      const login = await httpClient(system.baseUrl).post('/api/auth/login', { email: world.agent.email, password: 42 });
      expect(login.status).toBe(400);
      expect(login.body.error.code).toBe('validation_failed');
      expect(login.body.error.details).toEqual([expect.objectContaining({ field: 'password' })]);

      const run = await httpClient(system.baseUrl, world.tokens.admin).post('/api/admin/cleanup/runs', { dryRun: 'yes' });
      expect(run.status).toBe(400);
      expect(run.body.error.details.map((d: { field: string }) => d.field)).toEqual(['dryRun']);
    });

    it('an unknown route gets a 404 in the standard error format', async () => {
      const response = await httpClient(system.baseUrl).get('/api/nothing-here');
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: { code: 'not_found', message: 'Route not found', details: null } });
    });
  });
});

describe('when Temporal is unreachable', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    const closedPort = await freePort();
    system = await startTestSystem({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}` } });
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('/ready answers 503 naming Temporal as down', async () => {
    const ready = await httpClient(system.baseUrl).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: 'up', temporal: 'down' });
  });

  it('a job-starting request answers 503 with a clear message, never 202', async () => {
    const response = await httpClient(system.baseUrl, world.tokens.admin).post('/api/admin/cleanup/runs', { dryRun: true });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('service_unavailable');
    expect(response.body.error.message).toMatch(/nothing was started/);
    const recorded = await system.repos.activityLogs.list({ action: 'admin.cleanup_started', userId: world.admin.id, limit: 10 });
    expect(recorded).toHaveLength(0);
  });
});
