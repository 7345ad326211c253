import { spawnSync, type ChildProcess } from 'node:child_process';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { freePort } from '../support/ports';
import { spawnWorkerProcess, startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene } from './notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

const METRICS_TOKEN = 'scraper-token-0123456789abcdef';

/** `promtool check metrics` (Debian's prometheus package) on an exposition: its exit status and complaints. */
function promtoolCheck(exposition: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is needed for this test (apt-get install prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The value of one sample line, e.g. sample(text, 'helpdesk_jobs_started_total', { job_type: 'report' }). */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('Prometheus metrics of the API and of a worker process', () => {
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    sys = await startTestSystem({ env: { METRICS_TOKEN, SMTP_URL: receiver.url } });
    world = await createWorld(sys.repos, sys.auth);
  }, 60_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await sys?.stop();
    await receiver?.close();
  });

  it('GET /metrics answers the scraper token and view_horizon holders, nobody else', async () => {
    expect((await httpClient(sys.baseUrl).get('/metrics')).status).toBe(401);
    expect((await httpClient(sys.baseUrl, 'not-the-token').get('/metrics')).status).toBe(401);
    const agent = await httpClient(sys.baseUrl, world.tokens.agent).get('/metrics');
    expect(agent.status).toBe(403);
    expect(agent.body.error.code).toBeDefined();
    expect((await httpClient(sys.baseUrl, world.tokens.clientA).get('/metrics')).status).toBe(403);
    const admin = await httpClient(sys.baseUrl, world.tokens.admin).get('/metrics');
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect((await httpClient(sys.baseUrl, METRICS_TOKEN).get('/metrics')).status).toBe(200);
  });

  it('counts jobs started per type (a repeated event starts nothing), requests per route and status, and dead letters per type; promtool accepts it', async () => {
    const scraper = httpClient(sys.baseUrl, METRICS_TOKEN);
    const before = (await scraper.get('/metrics')).text;
    const startedBefore = (type: string) => sample(before, 'helpdesk_jobs_started_total', { job_type: type }) ?? 0;
    // other files share this database: the dead-letter gauge grows by what this test adds
    const deadBefore = (type: string) => sample(before, 'helpdesk_dead_letter_jobs', { job_type: type }) ?? 0;
    const admin = httpClient(sys.baseUrl, world.tokens.admin);
    const scene = await createTicketScene(sys.repos);
    for (const eventId of ['m-1', 'm-2', 'm-1']) {
      expect((await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id, eventId })).status).toBe(202);
    }
    expect((await admin.post('/api/reports', { format: 'csv', filters: { companyIds: [world.companyA.id] } })).status).toBe(202);
    for (const [jobType, n] of [['notification', 2], ['cleanup', 1]] as const) {
      for (let i = 0; i < n; i++) {
        await sys.repos.failedJobs.record({
          jobType,
          workflowId: `metrics-dead-${jobType}-${i}`,
          runId: `run-${i}`,
          taskQueue: jobType === 'cleanup' ? 'default' : 'notifications',
          errorType: 'Boom',
          errorMessage: 'boom',
          payload: {},
        });
      }
    }

    const text = (await scraper.get('/metrics')).text;
    expect(sample(text, 'helpdesk_jobs_started_total', { job_type: 'notification' })).toBe(startedBefore('notification') + 2);
    expect(sample(text, 'helpdesk_jobs_started_total', { job_type: 'report' })).toBe(startedBefore('report') + 1);
    expect(sample(text, 'helpdesk_jobs_started_total', { job_type: 'cleanup' })).toBe(startedBefore('cleanup'));
    expect(sample(text, 'helpdesk_http_request_duration_seconds_count', { method: 'POST', route: '/api/tickets/:ticketId/events', status: '202' })).toBe(3);
    expect(sample(text, 'helpdesk_http_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/route="\/api\/tickets\/\d+/);
    expect(sample(text, 'helpdesk_dead_letter_jobs', { job_type: 'notification' })).toBe(deadBefore('notification') + 2);
    expect(sample(text, 'helpdesk_dead_letter_jobs', { job_type: 'cleanup' })).toBe(deadBefore('cleanup') + 1);
    expect(sample(text, 'helpdesk_dead_letter_jobs', { job_type: 'report' })).toBe(deadBefore('report'));
    expect(text).toMatch(/^# TYPE helpdesk_http_unavailable_responses_total counter$/m);
    expect(text).toMatch(/^# TYPE helpdesk_queue_backlog gauge$/m);

    const check = promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  it("a worker process serves the SDK's metrics and the mail counters on WORKER_METRICS_PORT (127.0.0.1); promtool accepts them", async () => {
    const port = await freePort();
    worker = spawnWorkerProcess('notifications', { ...sys.env, SMTP_URL: receiver.url, WORKER_METRICS_PORT: String(port) });
    const scene = await createTicketScene(sys.repos);
    const refused = scene.clientWatcher.email.toLowerCase();
    receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
    const posted = await httpClient(sys.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(posted.status).toBe(202);
    expect(await closedStatus(sys, posted.body.workflowId, 90_000)).toBe('FAILED');

    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      return response.ok ? response.text() : undefined;
    };
    // the core exports on its own schedule: wait until the last send is in
    const text = await waitFor(async () => {
      const body = await scrape();
      return body && sample(body, 'helpdesk_mails_total', { outcome: 'failed' }) === 1 ? body : undefined;
    }, { what: 'the worker metrics to show the failed send', timeoutMs: 30_000 });
    // the only refused recipient is ours; the worker also serves what earlier tests left queued, so at least our two were sent
    expect(sample(text, 'helpdesk_mails_total', { outcome: 'failed', queue: 'notifications' })).toBe(1);
    expect(sample(text, 'helpdesk_mails_total', { outcome: 'sent', queue: 'notifications' })).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toMatch(/temporal_activity_execution_failed_total|temporal_activity_task_error_total|temporal_workflow_failed_total/);

    const check = promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  }, 120_000);
});
