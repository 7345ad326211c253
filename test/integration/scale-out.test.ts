import { TASK_QUEUES, WORKFLOW_TYPES, type TaskQueueName } from '../../src/jobs/contract';
import { buildForProduction, runCompiledApi, runCompiledWorker, type CompiledProcess } from '../support/compiled';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { createTicketScene, type TicketScene } from './notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

describe('the round-robin proxy the scale-out test puts in front of the API processes', () => {
  it('sends requests to each backend in turn and skips one that refuses connections', async () => {
    const http = await import('node:http');
    const answering = http.createServer((_req, res) => res.end('up'));
    await new Promise<void>((resolve) => answering.listen(0, '127.0.0.1', () => resolve()));
    const up = `http://127.0.0.1:${(answering.address() as { port: number }).port}`;
    const proxy = await startRoundRobinProxy([up, 'http://127.0.0.1:1']);
    try {
      const bodies = await Promise.all([1, 2, 3, 4].map(async () => (await fetch(proxy.baseUrl)).text()));
      expect(bodies).toEqual(['up', 'up', 'up', 'up']);
      expect(proxy.hits.get(up)).toBe(4);
    } finally {
      await proxy.close();
      answering.close();
    }
  });
});

/**
 * Many processes on one database, as a deployment scales out: two API processes behind one address,
 * two worker processes per queue, one Temporal. Several processes writing one SQLite file is not a
 * deployment, so this runs where the suite runs on MySQL/MariaDB (DATABASE_URL, as CI's first pass does).
 */
const onMysql = Boolean(process.env.DATABASE_URL);
const EVENTS_PER_TICKET = 5;
const TICKETS = 60;
const REPORTS = 5;

if (onMysql) describe('scale-out: 2 API processes, 2 workers per queue, killed and restarted mid-run', () => {
  let system: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let proxy: RoundRobinProxy;
  let env: Record<string, string>;
  const apis: Array<CompiledProcess & { baseUrl: string }> = [];
  const workers: Array<CompiledProcess & { queue: TaskQueueName }> = [];

  beforeAll(async () => {
    await buildForProduction();
    system = await startTestSystem({ api: false });
    world = await createWorld(system.repos, system.auth);
    receiver = await startSmtpReceiver();
    env = { ...system.env, LOG_LEVEL: 'warn', SMTP_URL: receiver.url, RATE_LIMIT_LOGIN_MAX: '4', RATE_LIMIT_JOBS_MAX: '1000', REPORTS_MAX_RUNNING_PER_USER: '10', WORKER_CONCURRENCY_NOTIFICATIONS: '5' };
    const [apiA, apiB] = await Promise.all([runCompiledApi(env), runCompiledApi(env)]);
    apis.push(apiA, apiB);
    proxy = await startRoundRobinProxy(apis.map((api) => api.baseUrl));
    for (const queue of [TASK_QUEUES.default, TASK_QUEUES.notifications, TASK_QUEUES.reports]) {
      for (let i = 0; i < 2; i++) workers.push({ ...(await runCompiledWorker(queue, env)), queue });
    }
  }, 240_000);
  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((p) => p.stop()));
    await proxy?.close();
    await receiver?.close();
    await system?.stop();
  });

  it(
    '300 events, 5 reports and a manual cleanup survive SIGKILL of one worker per queue and one API: every mail once, every report correct, one cleanup, one login budget',
    async () => {
      const api = httpClient(proxy.baseUrl, world.tokens.admin);
      // end leftovers of other files: a deleting cleanup never starts beside a running one
      for await (const run of system.jobs.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.cleanupOldData}' AND ExecutionStatus = 'Running'` })) {
        await system.jobs.client.workflow.getHandle(run.workflowId).terminate('scale-out test').catch(() => undefined);
      }

      // a manual cleanup, asked of both API processes at once, while the default queue is paused (so it stays running)
      expect((await api.post('/api/admin/queues/default/pause')).status).toBe(200);
      const cleanupAnswers = await Promise.all([api.post('/api/admin/cleanup/runs', { dryRun: false }), api.post('/api/admin/cleanup/runs', { dryRun: false })]);
      expect(cleanupAnswers.map((r) => r.status).sort()).toEqual([202, 409]);
      for (let i = 0; i < 2; i++) expect((await api.post('/api/admin/cleanup/runs', { dryRun: false })).status).toBe(409);
      expect((await api.post('/api/admin/queues/default/resume')).status).toBe(200);
      const cleanupId = cleanupAnswers.find((r) => r.status === 202)!.body.workflowId as string;

      const scenes: TicketScene[] = [];
      for (let i = 0; i < TICKETS; i++) scenes.push(await createTicketScene(system.repos, `Scale-out ticket ${i}`));
      const events: Array<{ scene: TicketScene; eventId: string; workflowId: string }> = [];
      for (let round = 0; round < EVENTS_PER_TICKET; round++) {
        const posted = await Promise.all(
          scenes.map(async (scene) => {
            const response = await api.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
            expect(response.status).toBe(202);
            return { scene, ...(response.body as { eventId: string; workflowId: string }) };
          }),
        );
        events.push(...posted);
      }
      expect(events).toHaveLength(300);
      const reportCompanies = scenes.slice(0, 10).map((scene) => scene.companyId);
      const reportIds: number[] = [];
      for (let i = 0; i < REPORTS; i++) {
        const response = await api.post('/api/reports', { format: 'csv', filters: { companyIds: reportCompanies } });
        expect(response.status).toBe(202);
        reportIds.push(response.body.id);
      }

      // mid-run: one worker of each queue and one API process die without warning, then come back
      const expectedMails = events.length * 3;
      await waitFor(async () => receiver.mails.length >= expectedMails / 5, { timeoutMs: 90_000, what: 'some mails before the kills' });
      const victims = [TASK_QUEUES.default, TASK_QUEUES.notifications, TASK_QUEUES.reports].map((queue) => workers.find((w) => w.queue === queue)!);
      await Promise.all([...victims.map((w) => w.kill9()), apis[0].kill9()]);
      for (const victim of victims) workers.push({ ...(await runCompiledWorker(victim.queue, env)), queue: victim.queue });
      apis[0] = await runCompiledApi(env);
      proxy.setBackends(apis.map((a) => a.baseUrl));

      // the login limit is one budget across both API processes (the proxy alternates between them)
      const email = `scale-out-${Date.now()}@example.test`;
      const logins = [];
      for (let i = 0; i < 6; i++) logins.push((await httpClient(proxy.baseUrl).post('/api/auth/login', { email, password: 'wrong' })).status);
      expect(logins).toEqual([401, 401, 401, 401, 429, 429]);

      for (const { workflowId } of events) {
        const handle = system.jobs.client.workflow.getHandle(workflowId);
        await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED' || undefined, { timeoutMs: 120_000, what: `${workflowId} to complete` });
      }
      const perMessage = new Map<string, number>();
      for (const mail of receiver.mails) for (const to of mail.envelopeTo) perMessage.set(`${mail.messageId} ${to}`, (perMessage.get(`${mail.messageId} ${to}`) ?? 0) + 1);
      const wanted = events.flatMap(({ scene, eventId }) =>
        [scene.requester, scene.clientWatcher, scene.agentWatcher].map((user) => `<event-${eventId}.ticket-${scene.ticket.id}.user-${user.id}@helpdesk.test> ${user.email.toLowerCase()}`),
      );
      expect([...perMessage.keys()].sort()).toEqual(wanted.sort());
      // a repeat only ever comes from a send the kill cut off (SMTP accepted, the ledger not yet written)
      const ledger = await system.db('notification_deliveries').whereIn('event_id', events.map((e) => e.eventId));
      expect(ledger.filter((row) => row.status !== 'sent')).toEqual([]);
      const interrupted = new Set(ledger.filter((row) => Number(row.interrupted_attempts) > 0).map((row) => `${row.message_id} ${row.email}`));
      const repeated = [...perMessage.entries()].filter(([, copies]) => copies > 1);
      for (const [key, copies] of repeated) expect({ key, copies, interrupted: interrupted.has(key) }).toEqual({ key, copies: 2, interrupted: true });
      expect(repeated.length).toBeLessThanOrEqual(5);

      for (const id of reportIds) {
        await waitFor(async () => (await api.get(`/api/reports/${id}`)).body.status === 'ready' || undefined, { timeoutMs: 120_000, what: `report ${id}` });
        const csv = await api.get(`/api/reports/${id}/download`);
        expect(csv.status).toBe(200);
        const rows = csv.text.trim().split('\r\n').slice(1);
        expect(rows).toHaveLength(reportCompanies.length);
        for (const scene of scenes.slice(0, 10)) expect(csv.text).toContain(`Scale-out ticket ${scenes.indexOf(scene)}`);
      }

      const cleanup = await waitFor(async () => {
        const run = await api.get(`/api/admin/cleanup/runs/${cleanupId}`);
        return run.body.status === 'COMPLETED' ? run.body : undefined;
      }, { timeoutMs: 60_000, what: 'the cleanup run' });
      expect(cleanup.result.dryRun).toBe(false);
    },
    300_000,
  );
});
