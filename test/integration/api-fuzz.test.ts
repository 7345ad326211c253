import { randomBytes } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { createApp } from '../../src/api/app';
import { DEFAULT_RATE_LIMITS } from '../../src/api/middleware/rate-limits';
import { ALL_TASK_QUEUES, CLEANUP_SCHEDULE_ID } from '../../src/jobs/contract';
import { createWorld, FIXTURE_PASSWORD, type World } from '../support/fixtures';
import { enumerateRoutes, type RouteSpec } from '../support/routes';
import { startTestSystem, type TestSystem } from '../support/system';
import { createTicketScene, type TicketScene } from './notifications-helpers';

/**
 * A bounded random fuzz of every route the API serves: hostile ids, numbers, strings, arrays, objects,
 * nulls, unicode, percent-garbage, bad JSON, wrong content types and encodings, and missing, foreign,
 * expired or misplaced tokens, as admin, agent and client. Reproduce a run with FUZZ_SEED=<seed>.
 */
const REQUESTS = 2_000;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : randomBytes(4).readUInt32LE(0);

/** mulberry32: small, seedable, good enough to spread requests */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    chance: (p: number) => next() < p,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)],
  };
}

/** What the enumeration must at least find (it finds new routes on its own). */
const KNOWN_ROUTES = [
  'GET /health',
  'GET /ready',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /api/me',
  'POST /api/admin/cleanup/runs',
  'GET /api/admin/cleanup/runs',
  'GET /api/admin/cleanup/runs/:workflowId',
  'GET /api/admin/cleanup/schedule',
  'POST /api/admin/cleanup/schedule/:action',
  'POST /api/admin/temporal-ui/session',
  'GET /api/admin/audit',
  'GET /api/admin/failed-jobs',
  'GET /api/admin/failed-jobs/groups',
  'POST /api/admin/failed-jobs/retry',
  'GET /api/admin/failed-jobs/:id',
  'POST /api/admin/failed-jobs/:id/retry',
  'GET /api/admin/overview',
  'GET /api/admin/jobs',
  'GET /api/admin/jobs/:workflowId',
  'GET /api/admin/queues',
  'POST /api/admin/queues/restart',
  'POST /api/admin/queues/:queue/:action(pause|resume)',
  'POST /api/admin/queues/:queue/restart',
  'POST /api/reports',
  'GET /api/reports',
  'GET /api/reports/:id',
  'GET /api/reports/:id/download',
  'DELETE /api/reports/:id',
  'POST /api/tickets/:ticketId/events',
  'GET /api/tickets/:ticketId/events/:eventId',
  'GET /',
  'GET /reports',
  'GET /admin/jobs',
];

/** Values that must never crash anything: written raw into paths and queries (some are deliberately bad escapes). */
const HOSTILE_TEXT = [
  '0', '-1', '0x1', '1e0', '01', '%201', '+1', '1.5', '2147483648', '99999999999999999999', '1e308', 'NaN', 'Infinity',
  'null', 'undefined', 'true', '[]', '{}', '%', '%E0%A4%A', '%zz', '%C3%28', '%00', '..%2f..%2fetc%2fpasswd', '%2e%2e',
  '%F0%9F%92%A5', '%C3%BC%C3%B1%C3%AF', "'%20OR%201%3D1--", '%3Cscript%3E', 'a'.repeat(300), '-', '_', '.', '%20',
];
const HOSTILE_JSON: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e20, -1e308, 2 ** 53 + 2, 'x', '', '1', '💥 ünïcødé', 'a'.repeat(5000), [], [1, 2], [null],
  {}, { a: 1 }, { __proto__: { admin: true } }, [[[[[]]]]], '2026-01-01T24:00:00Z', '2026-02-30', '<script>',
];
const RAW_BODIES = ['{', '}', 'null', '[]', '"str"', '1e999', '{"a":', '\u0000', '{"format":"csv",}', "{'a':1}", 'true', '[1,2,3]'];

describe(`API fuzz (seed ${SEED}; FUZZ_SEED=${SEED} reproduces it)`, () => {
  let system: TestSystem;
  let world: World;
  let scenes: TicketScene[];
  const failedJobIds: number[] = [];
  const reportIds: number[] = [];
  const workflowIds: string[] = [];
  let scheduleExisted = false;

  beforeAll(async () => {
    // the job-start budget out of the way, so many valid starts reach Temporal; every other limit as shipped
    system = await startTestSystem({ rateLimits: { jobStartsPerWindow: 100_000 } });
    world = await createWorld(system.repos, system.auth);
    scenes = [await createTicketScene(system.repos), await createTicketScene(system.repos)];
    await system.db('users').where({ id: world.clientA.id }).update({ company_id: scenes[0].companyId });
    await system.db('users').where({ id: world.agent.id }).update({ company_id: scenes[0].companyId });
    scheduleExisted = (await system.jobs.describeCleanupSchedule()) !== undefined;
    await system.jobs.ensureCleanupSchedule({ cron: system.config.cleanup.cron, catchupMinutes: system.config.cleanup.catchupMinutes });
    failedJobIds.push(
      await system.repos.failedJobs.record({
        jobType: 'cleanup',
        workflowId: `cleanup-manual-fuzz-${Date.now()}`,
        taskQueue: 'default',
        errorType: 'KnexTimeoutError',
        errorMessage: 'Knex: Timeout acquiring a connection',
        payload: { dryRun: true },
      }),
    );
    for (const [user, status] of [
      [world.agent, 'failed'],
      [world.clientA, 'queued'],
      [world.clientB, 'cancelled'],
    ] as const) {
      const [id] = await system.db('reports').insert({
        user_id: user.id,
        company_id: user.companyId,
        format: 'csv',
        filters: JSON.stringify({}),
        status,
        rows_written: 0,
        created_at: new Date(),
      });
      reportIds.push(Number(id));
      if (status === 'failed') {
        failedJobIds.push(
          await system.repos.failedJobs.record({
            jobType: 'report',
            workflowId: `report-${id}`,
            taskQueue: 'reports',
            errorType: 'KnexTimeoutError',
            errorMessage: 'Knex: Timeout acquiring a connection',
            payload: { reportId: Number(id) },
          }),
        );
      }
    }
  });

  afterAll(async () => {
    // no worker ran: end what the fuzz started, and leave queues and the schedule as found
    for (const workflowId of new Set(workflowIds)) await system.jobs.client.workflow.getHandle(workflowId).terminate('fuzz over').catch(() => undefined);
    for (const queue of ALL_TASK_QUEUES) await system.repos.queueControls.setPaused(queue, false, null).catch(() => undefined);
    const schedule = system.jobs.client.schedule.getHandle(CLEANUP_SCHEDULE_ID);
    await (scheduleExisted ? schedule.unpause('fuzz over') : schedule.delete()).catch(() => undefined);
    await system?.stop();
  });

  it(`${REQUESTS} hostile requests over every route: no 5xx, one error format, and a workflow only for each accepted job request`, async () => {
    const app = createApp({ ...system, rateLimits: DEFAULT_RATE_LIMITS });
    const routes = enumerateRoutes(app);
    const found = routes.map((r) => `${r.method} ${r.path}`);
    expect(found).toEqual(expect.arrayContaining(KNOWN_ROUTES));
    expect(found.length).toBeGreaterThanOrEqual(KNOWN_ROUTES.length);

    const rng = prng(SEED);
    console.log(`api fuzz: seed ${SEED} (set FUZZ_SEED=${SEED} to repeat this run), ${routes.length} routes, ${REQUESTS} requests`);

    const expiredToken = (await system.auth.createPersonalToken(world.admin.email, 'fuzz-expired', 1)).token;
    await system.db('api_tokens').where({ name: 'fuzz-expired' }).update({ expires_at: new Date(Date.now() - 60_000) });
    const gatewaySession = (await system.auth.issueTemporalUiSession(world.admin.id, 60)).token;
    const tokens: Record<string, string | undefined> = {
      admin: world.tokens.admin,
      agent: world.tokens.agent,
      clientA: world.tokens.clientA,
      clientB: world.tokens.clientB,
      none: undefined,
      expired: expiredToken,
      foreign: `hdt_${randomBytes(32).toString('base64url')}`,
      gatewaySession,
    };
    const identities = Object.keys(tokens);
    const userIds = [world.admin.id, world.agent.id, world.clientA.id, world.clientB.id, scenes[0].requester.id, scenes[1].assignee.id];
    const ticketIds = scenes.map((s) => s.ticket.id);
    const seenEventIds: string[] = ['evt-1'];
    const startedAt = new Date(Date.now() - 1000);

    const validParam = (name: string): string => {
      switch (name) {
        case 'ticketId':
          return String(rng.pick([...ticketIds, 999_999]));
        case 'eventId':
          return rng.pick(seenEventIds);
        case 'id':
          return String(rng.pick([...reportIds, ...failedJobIds, 987_654]));
        case 'workflowId':
          return rng.pick([...workflowIds.slice(-20), 'cleanup-manual-1', 'report-1', 'ticket-1-event-x', 'no-such-workflow']);
        case 'queue':
          return rng.pick(ALL_TASK_QUEUES);
        case 'action':
          return rng.pick(['pause', 'resume', 'trigger']);
        default:
          return 'x';
      }
    };
    const pathFor = (template: string): string =>
      template.replace(/:(\w+)(\([^)]*\))?/g, (_m, name: string) => (rng.chance(0.5) ? encodeURIComponent(validParam(name)) : rng.pick(HOSTILE_TEXT)));

    const QUERY_KEYS = ['ticketId', 'companyId', 'userId', 'limit', 'beforeId', 'pageSize', 'from', 'to', 'type', 'status', 'queue', 'jobType', 'errorType', 'notRetried', 'all', 'action', 'nextPageToken', 'zzz'];
    const VALID_QUERY = ['1', '5', '20', 'true', '1', 'report', 'notification', 'cleanup', 'running', 'failed', 'default', 'reports', '2026-01-01T00:00:00Z', 'admin.queue_paused', 'abc'];
    const queryFor = (): string => {
      if (rng.chance(0.4)) return '';
      const parts: string[] = [];
      for (let i = rng.int(4); i >= 0; i--) {
        const key = rng.pick(QUERY_KEYS);
        const value = rng.chance(0.5) ? encodeURIComponent(rng.pick(VALID_QUERY)) : rng.pick(HOSTILE_TEXT);
        const shape = rng.int(6);
        if (shape === 0) parts.push(`${key}[]=${value}`);
        else if (shape === 1) parts.push(`${key}[a]=${value}`);
        else if (shape === 2) parts.push(`${key}=${value}&${key}=${value}`);
        else parts.push(`${key}=${value}`);
      }
      if (rng.chance(0.05)) parts.push(rng.pick(['%', '&&&', '=', '%E0%A4%A=1', 'a[b][c][d][e][f][g]=1']));
      return `?${parts.join('&')}`;
    };

    const validBody = (route: RouteSpec, identity: string): Record<string, unknown> => {
      const actor = identity === 'clientA' ? world.clientA.id : identity === 'clientB' ? world.clientB.id : rng.pick(userIds);
      if (route.path === '/api/auth/login') return { email: rng.pick([world.clientA.email, world.agent.email, 'nobody@example.test']), password: rng.pick([FIXTURE_PASSWORD, 'wrong']) };
      if (route.path.startsWith('/api/tickets/')) {
        const type = rng.pick(['created', 'updated', 'assigned', 'closed', 'commented']);
        const eventId = `fz-${rng.int(50)}`;
        seenEventIds.push(eventId);
        return {
          type,
          actorId: actor,
          ...(rng.chance(0.7) ? { eventId } : {}),
          ...(type === 'commented' ? { commentId: 1 + rng.int(5) } : {}),
          ...(rng.chance(0.3) ? { changes: { status: { from: 'open', to: 'closed' } } } : {}),
          ...(rng.chance(0.3) ? { occurredAt: '2026-01-01T10:00:00Z' } : {}),
        };
      }
      if (route.path === '/api/reports') return { format: rng.pick(['csv', 'json', 'pdf']), filters: rng.chance(0.5) ? {} : { companyIds: [rng.pick([world.companyA.id, scenes[0].companyId, scenes[1].companyId])], statuses: ['open'] } };
      if (route.path === '/api/admin/cleanup/runs') return { dryRun: rng.chance(0.8) };
      if (route.path === '/api/admin/failed-jobs/retry') return rng.chance(0.5) ? { ids: [rng.pick(failedJobIds)] } : { jobType: rng.pick(['cleanup', 'report', 'notification']) };
      return {};
    };
    const mutate = (body: Record<string, unknown>): Record<string, unknown> => {
      const copy: Record<string, unknown> = { ...body };
      const keys = Object.keys(copy);
      const roll = rng.int(4);
      if (roll === 0 && keys.length > 0) copy[rng.pick(keys)] = rng.pick(HOSTILE_JSON);
      else if (roll === 1) copy[rng.pick(['admin', 'recipients', 'userId', '__proto__x', 'ünï', 'constructor'])] = rng.pick(HOSTILE_JSON);
      else if (roll === 2 && keys.length > 0) delete copy[rng.pick(keys)];
      else if (keys.length > 0) copy[rng.pick(keys)] = [rng.pick(HOSTILE_JSON), { nested: rng.pick(HOSTILE_JSON) }];
      return copy;
    };

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(system.baseUrl);
    const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
      new Promise<{ status: number; contentType: string; text: string }>((resolve, reject) => {
        const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(body);
      });

    const problems: string[] = [];
    const expectedWorkflows = new Set<string>();
    /** accepted answers naming each workflow id: a reusable id (cleanup-manual) may run once per accepted request */
    const acceptedPerId = new Map<string, number>();
    const accept = (id: string) => {
      expectedWorkflows.add(id);
      acceptedPerId.set(id, (acceptedPerId.get(id) ?? 0) + 1);
    };
    let triggersAccepted = 0;
    const perRoute = new Map<string, number>();
    const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

    for (let i = 0; i < REQUESTS; i++) {
      // every route in turn, then at random: each one gets its share whatever the seed
      const route = i < routes.length * 20 ? routes[i % routes.length] : rng.pick(routes);
      perRoute.set(`${route.method} ${route.path}`, (perRoute.get(`${route.method} ${route.path}`) ?? 0) + 1);
      const method = rng.chance(0.08) ? rng.pick(METHODS) : route.method;
      const identity = rng.pick(identities);
      let token = tokens[identity];
      // logging out must not end the fuzz's own sessions: a throwaway token of the same user logs out
      if (route.path === '/api/auth/logout' && token && ['admin', 'agent', 'clientA', 'clientB'].includes(identity)) {
        const owner = identity === 'admin' ? world.admin : identity === 'agent' ? world.agent : identity === 'clientA' ? world.clientA : world.clientB;
        token = (await system.auth.createPersonalToken(owner.email, 'fuzz-throwaway', 1)).token;
      }
      const headers: Record<string, string> = {};
      const authStyle = rng.int(20);
      if (token && authStyle > 1) headers.authorization = `Bearer ${token}`;
      else if (authStyle === 0) headers.authorization = rng.pick(['Bearer', 'Basic YWRtaW46YWRtaW4=', `Bearer ${token ?? 'x'} extra`, 'bearer    ', `Token ${token ?? 'x'}`]);
      else if (authStyle === 1 && token) headers.cookie = `hd_temporal_ui=${token}`;

      let body: Buffer | undefined;
      if (method !== 'GET' && method !== 'DELETE') {
        const bodyStyle = rng.int(12);
        const json = bodyStyle < 5 ? validBody(route, identity) : mutate(validBody(route, identity));
        if (bodyStyle === 9) {
          body = Buffer.from(rng.pick(RAW_BODIES));
          headers['content-type'] = 'application/json';
        } else if (bodyStyle === 10) {
          body = Buffer.from(JSON.stringify(json));
          headers['content-type'] = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin-9', 'application/xml', '']);
        } else if (bodyStyle === 11) {
          const gzip = rng.chance(0.5);
          body = gzip ? zlib.gzipSync(JSON.stringify(json)) : Buffer.from(JSON.stringify(json));
          headers['content-type'] = 'application/json';
          headers['content-encoding'] = gzip && rng.chance(0.5) ? 'gzip' : rng.pick(['gzip', 'deflate', 'br', 'compress', 'identity, gzip']);
        } else {
          body = Buffer.from(JSON.stringify(json));
          headers['content-type'] = 'application/json';
        }
        if (rng.chance(0.005)) body = Buffer.from(JSON.stringify({ padding: 'x'.repeat(200_000) }));
      }
      const path = pathFor(route.path) + queryFor();
      let response: { status: number; contentType: string; text: string };
      try {
        response = await send(method, path, headers, body);
      } catch (err) {
        problems.push(`${method} ${path} as ${identity}: request failed: ${(err as Error).message}`);
        continue;
      }
      const where = `${method} ${path} as ${identity} (${headers['content-type'] ?? '-'}${headers['content-encoding'] ? `, ${headers['content-encoding']}` : ''})`;
      if (response.status >= 500) problems.push(`${where} → ${response.status} ${response.text.slice(0, 200)}`);
      if (response.status >= 400) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(response.text);
        } catch {
          parsed = undefined;
        }
        const error = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
        const details = error?.details;
        const wellFormed =
          response.contentType.includes('application/json') &&
          error !== undefined &&
          Object.keys(parsed as object).length === 1 &&
          typeof error.code === 'string' &&
          typeof error.message === 'string' &&
          (details === null ||
            (Array.isArray(details) && details.every((d) => typeof d?.field === 'string' && typeof d?.message === 'string')));
        if (!wellFormed) problems.push(`${where} → ${response.status} not in the error format: ${response.text.slice(0, 200)}`);
      }
      if (response.status >= 200 && response.status < 300 && method === 'POST' && response.contentType.includes('application/json')) {
        const answer = JSON.parse(response.text) as Record<string, unknown>;
        for (const id of [answer.workflowId, answer.retryWorkflowId]) if (typeof id === 'string') accept(id);
        if (Array.isArray(answer.started)) for (const s of answer.started as Array<{ retryWorkflowId?: string }>) if (s.retryWorkflowId) accept(s.retryWorkflowId);
        if (route.path === '/api/admin/cleanup/schedule/:action' && response.status === 202) triggersAccepted++;
        if (route.path === '/api/reports' && typeof answer.id === 'number') reportIds.push(answer.id);
      }
    }
    agent.destroy();
    workflowIds.push(...expectedWorkflows);

    for (const route of routes) expect({ route: `${route.method} ${route.path}`, requests: (perRoute.get(`${route.method} ${route.path}`) ?? 0) >= 20 }).toEqual({ route: `${route.method} ${route.path}`, requests: true });
    expect(problems).toEqual([]);

    // Temporal visibility is eventually consistent: wait until it has caught up with what the API accepted
    const listStarted = async () => {
      const ids: string[] = [];
      for await (const execution of system.jobs.client.workflow.list({ query: `StartTime >= '${startedAt.toISOString()}'` })) ids.push(execution.workflowId);
      return ids;
    };
    const fromSchedule = (ids: string[]) => ids.filter((id) => id.startsWith(`${CLEANUP_SCHEDULE_ID}-`));
    let started: string[] = [];
    // every accepted workflow by id (a count can be reached early when a schedule trigger adds runs of its own)
    const caughtUp = () => [...expectedWorkflows].every((id) => started.includes(id)) && (triggersAccepted === 0 || fromSchedule(started).length > 0);
    for (let attempt = 0; attempt < 80; attempt++) {
      started = await listStarted();
      if (caughtUp()) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // and a moment more, so a workflow started by a rejected request would have shown up too
    await new Promise((resolve) => setTimeout(resolve, 1000));
    started = await listStarted();
    // an accepted start that visibility still lags behind on (a loaded CI machine: seconds) is read where it was
    // written: describe reads the workflow itself, so one that never started still fails the comparison below
    const lagging = [...expectedWorkflows].filter((id) => !started.includes(id));
    for (const id of lagging) {
      const description = await system.jobs.client.workflow
        .getHandle(id)
        .describe()
        .catch(() => undefined);
      if (description && description.startTime >= startedAt) started.push(id);
    }
    if (lagging.length > 0) console.log(`api fuzz: visibility had not listed ${lagging.length} accepted workflow(s) yet; described them instead`);
    workflowIds.push(...started);
    const scheduled = fromSchedule(started);
    // every workflow was started by an accepted request, and every accepted start is there
    const requested = started.filter((id) => !scheduled.includes(id));
    expect([...new Set(requested)].sort()).toEqual([...expectedWorkflows].sort());
    // an id runs again only when another request for it was accepted (cleanup-manual may run once its run has closed)
    const runsPerId = new Map<string, number>();
    for (const id of requested) runsPerId.set(id, (runsPerId.get(id) ?? 0) + 1);
    for (const [id, runs] of runsPerId) expect({ id, runs, atMost: acceptedPerId.get(id) ?? 0 }).toEqual({ id, runs: Math.min(runs, acceptedPerId.get(id) ?? 0), atMost: acceptedPerId.get(id) ?? 0 });
    // a schedule trigger is a request to the schedule: with overlap SKIP, or two triggers in one second (one run id),
    // an accepted trigger may start nothing, but no run appears without one
    expect(scheduled.length).toBeLessThanOrEqual(triggersAccepted);
    if (triggersAccepted > 0) expect(scheduled.length).toBeGreaterThan(0);
    console.log(`api fuzz: ${expectedWorkflows.size + triggersAccepted} workflows started by accepted requests, none by rejected ones`);
  }, 120_000);
});
