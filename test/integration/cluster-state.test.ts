import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/app';
import { createRateLimitStores, DatabaseRateLimitStore, upsertReturnsRow, type RateLimitStores } from '../../src/api/middleware/rate-limit-store';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from '../../src/api/middleware/rate-limits';
import { MANUAL_CLEANUP_WORKFLOW_ID } from '../../src/cleanup/cleanup-service';
import { WORKFLOW_TYPES } from '../../src/jobs/contract';
import { createWorld, FIXTURE_PASSWORD, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { freePort } from '../support/ports';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * Two API "replicas" in one test process: two apps built from the same dependencies, each with its own
 * services and middleware, as two processes would have. Nothing but the database, Redis or Temporal joins them.
 */
describe('state shared by several API processes', () => {
  let system: TestSystem;
  let world: World;
  const servers: Server[] = [];
  const stores: RateLimitStores[] = [];

  beforeAll(async () => {
    system = await startTestSystem({ api: false });
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await Promise.all(stores.map((store) => store.close()));
    await system.jobs.client.workflow
      .getHandle(MANUAL_CLEANUP_WORKFLOW_ID)
      .terminate('test over')
      .catch(() => undefined);
    await system?.stop();
  });

  async function replica(rateLimits: Partial<RateLimitSettings>): Promise<string> {
    const app = createApp({ ...system, rateLimits: { ...DEFAULT_RATE_LIMITS, ...rateLimits } });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function twoReplicas(options: { redisUrl?: string; loginPerWindow: number }): Promise<[string, string]> {
    const shared = () => {
      const built = createRateLimitStores({ redisUrl: options.redisUrl, db: system.db });
      stores.push(built);
      return built.stores;
    };
    // each replica builds its own store, as each process does: only what they write is shared
    return [
      await replica({ loginPerWindow: options.loginPerWindow, store: shared() }),
      await replica({ loginPerWindow: options.loginPerWindow, store: shared() }),
    ];
  }

  async function wrongLogin(baseUrl: string, email: string): Promise<number> {
    return (await httpClient(baseUrl).post('/api/auth/login', { email, password: 'not the password' })).status;
  }

  let unique = 0;
  const freshEmail = () => `guess-${Date.now()}-${++unique}@example.test`;

  it.each([
    ['the database', undefined],
    ['Redis (REDIS_URL)', 'redis://127.0.0.1:6379'],
  ])('the login limit is one budget across two API processes with the counters in %s', async (_where, redisUrl) => {
    const [a, b] = await twoReplicas({ redisUrl, loginPerWindow: 4 });
    const email = freshEmail();
    // alternating: each process alone has seen only 2 attempts when the shared count reaches 4
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await wrongLogin(i % 2 === 0 ? a : b, email));
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const refused = await httpClient(b).post('/api/auth/login', { email, password: 'x' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // another account from the same address still has its own budget
    expect(await wrongLogin(a, freshEmail())).toBe(401);
  });

  it('a process started later (or restarted) sees the counts already spent', async () => {
    const [a] = await twoReplicas({ loginPerWindow: 3 });
    const email = freshEmail();
    for (let i = 0; i < 3; i++) expect(await wrongLogin(a, email)).toBe(401);
    const [later] = await twoReplicas({ loginPerWindow: 3 });
    expect(await wrongLogin(later, email)).toBe(429);
    // and the right password of a real user is not starved by someone else's guesses
    expect((await httpClient(later).post('/api/auth/login', { email: world.admin.email, password: FIXTURE_PASSWORD })).status).toBe(200);
  });

  it.each([
    ['answered by the upsert where the database can (SQLite, MariaDB)', true],
    ['read back after the upsert (as on MySQL)', false],
  ])('a database counter %s starts again at 1 once its window has ended, and expired rows can be purged', async (_how, allowReturning) => {
    const store = new DatabaseRateLimitStore(system.db, `window-${Date.now()}-${allowReturning}`, allowReturning);
    store.init({ windowMs: 300 } as never);
    expect((await store.increment('k')).totalHits).toBe(1);
    expect((await store.increment('k')).totalHits).toBe(2);
    expect((await store.get('k'))?.totalHits).toBe(2);
    await store.decrement('k');
    expect((await store.get('k'))?.totalHits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await store.get('k')).toBeUndefined();
    const fresh = await store.increment('k');
    expect(fresh.totalHits).toBe(1);
    expect(fresh.resetTime!.getTime()).toBeGreaterThan(Date.now());
    expect(await store.purgeExpired(Date.now() + 1000)).toBeGreaterThanOrEqual(1);
  });

  it('a counted request costs one statement on SQLite and MariaDB (the upsert answers the counter), two on MySQL', async () => {
    const store = new DatabaseRateLimitStore(system.db, `statements-${Date.now()}`);
    store.init({ windowMs: 60_000 } as never);
    // the first increment also asks a MySQL-protocol server which one it is
    const first = await store.increment('k');
    const statements: string[] = [];
    const count = (query: { sql: string }) => statements.push(query.sql);
    system.db.on('query', count);
    try {
      const second = await store.increment('k');
      expect(second.totalHits).toBe(2);
      expect(second.resetTime?.getTime()).toBe(first.resetTime?.getTime());
    } finally {
      system.db.off('query', count);
    }
    const oneStatement =
      system.db.client.config.client !== 'mysql2' || upsertReturnsRow(((await system.db.raw('SELECT VERSION() AS v')) as [Array<{ v: string }>])[0][0].v);
    expect(statements).toHaveLength(oneStatement ? 1 : 2);
  });

  it('with Redis unreachable a login answers 503 with Retry-After, not 500', async () => {
    const closedPort = await freePort();
    const [a] = await twoReplicas({ redisUrl: `redis://127.0.0.1:${closedPort}`, loginPerWindow: 4 });
    const response = await httpClient(a).post('/api/auth/login', { email: freshEmail(), password: 'x' });
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('service_unavailable');
    expect(response.headers.get('retry-after')).toBeTruthy();
  });

  it('two API processes asked at once for a deleting cleanup start exactly one; both refuse another while it runs; the next starts once it ended', async () => {
    await system.jobs.client.workflow
      .getHandle(MANUAL_CLEANUP_WORKFLOW_ID)
      .terminate('earlier test')
      .catch(() => undefined);
    // no worker polls the default queue here: a started run stays in progress
    const [a, b] = await twoReplicas({ loginPerWindow: 10 });
    const post = (baseUrl: string) => httpClient(baseUrl, world.tokens.admin).post('/api/admin/cleanup/runs', { dryRun: false });
    const answers = await Promise.all([post(a), post(b), post(a), post(b)]);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409, 409, 409]);
    const started = answers.find((r) => r.status === 202)!;
    expect(started.body.workflowId).toBe(MANUAL_CLEANUP_WORKFLOW_ID);
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(refused.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(MANUAL_CLEANUP_WORKFLOW_ID) });
    }
    for (const baseUrl of [a, b]) expect((await post(baseUrl)).status).toBe(409);
    const description = await system.jobs.describe(MANUAL_CLEANUP_WORKFLOW_ID);
    expect(description).toMatchObject({ type: WORKFLOW_TYPES.cleanupOldData, status: { name: 'RUNNING' } });

    await system.jobs.client.workflow.getHandle(MANUAL_CLEANUP_WORKFLOW_ID).terminate('test: the run ended');
    const next = await post(b);
    expect(next.status).toBe(202);
    expect(next.body.runId).not.toBe(started.body.runId);
  });
});
