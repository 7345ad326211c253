/**
 * Records the replay histories under test/histories: every workflow, each path that matters, run for real
 * (in-process workers, a local SMTP receiver, a scratch SQLite database) against TEMPORAL_ADDRESS or a dev
 * server started here through the project's resolver.
 *
 *   npm run histories:capture                                  # every scenario
 *   npm run histories:capture -- ticket-notification           # the scenarios whose file starts with this
 *   npm run histories:capture -- --out /tmp/h                  # somewhere else than test/histories
 *
 * Never overwrites a `*.pre-<patch>.json` file: those are histories from before a patch (CONTRIBUTING.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
// the SDK documents historyToJSON at this path; it has no other export
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/observability/metrics/worker-wiring';
import type { Role } from '../../src/auth/permissions';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import type { User } from '../../src/db/repositories/users';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  ALL_TASK_QUEUES,
  TASK_QUEUES,
  TICKET_EVENT_SIGNAL,
  WORKFLOW_TYPES,
  workflowIds,
  type FieldChange,
  type TicketNotificationInput,
  type TicketUpdatesInput,
} from '../../src/jobs/contract';
import { jobSearchAttributes } from '../../src/jobs/search-attributes';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { startSmtpReceiver, type SmtpReceiver } from '../integration/notifications-smtp-receiver';
import { createUser } from './fixtures';
import { httpClient } from './http';
import { freePort } from './ports';
import { startTestSystem, type TestSystem } from './system';
import { writeTestRunEnv } from './test-env';
import { waitFor } from './wait';

const DEFAULT_OUT = path.resolve(__dirname, '..', 'histories');
/** fixed event times and ids keep the recorded inputs the same from one capture to the next */
const OCCURRED_AT = '2026-01-05T09:00:00.000Z';
const PDF_MAX_ROWS = 100;
/** the server's clock may run a little behind ours */
const CLOCK_SKEW_MS = 2_000;

type Closed = 'COMPLETED' | 'FAILED' | 'CANCELLED';

interface Scene {
  system: TestSystem;
  receiver: SmtpReceiver;
  admin: { user: User; token: string };
  agent: { user: User; token: string };
  acme: number;
  globex: number;
  staff: { ana: User; eve: User };
  clients: { carla: User; dan: User };
}

interface Scenario {
  /** the file written: `<workflow>-<path>.json` */
  file: string;
  expect: Closed;
  /** runs the path and answers with the workflow id to record */
  run(scene: Scene): Promise<string>;
}

const say = (line: string) => console.log(`[histories] ${line}`);

async function settled(handle: WorkflowHandle): Promise<void> {
  await handle.result().catch(() => undefined);
}

async function runCleanup(scene: Scene, dryRun: boolean): Promise<string> {
  const started = await httpClient(scene.system.baseUrl, scene.admin.token).post('/api/admin/cleanup/runs', { dryRun });
  if (started.status !== 202) throw new Error(`cleanup run: ${started.status} ${started.text}`);
  return started.body.workflowId as string;
}

async function postEvent(scene: Scene, ticketId: number, eventId: string): Promise<string> {
  const body = { type: 'closed', actorId: scene.staff.ana.id, eventId, occurredAt: OCCURRED_AT };
  const started = await httpClient(scene.system.baseUrl, scene.admin.token).post(`/api/tickets/${ticketId}/events`, body);
  if (started.status !== 202) throw new Error(`ticket event: ${started.status} ${started.text}`);
  return started.body.workflowId as string;
}

async function ticketWithWatchers(scene: Scene, subject: string): Promise<number> {
  const { repos } = scene.system;
  const ticket = await repos.tickets.create({
    companyId: scene.acme,
    requesterId: scene.clients.carla.id,
    assigneeId: scene.staff.ana.id,
    subject,
    description: 'It smokes.',
    status: 'open',
    priority: 'high',
  });
  await repos.tickets.addWatcher(ticket.id, scene.clients.dan.id);
  await repos.tickets.addWatcher(ticket.id, scene.staff.eve.id);
  return ticket.id;
}

let partlyFailedWorkflowId: string | undefined;

const SCENARIOS: Scenario[] = [
  {
    file: 'cleanup-old-data-dry-run.json',
    expect: 'COMPLETED',
    run: (scene) => runCleanup(scene, true),
  },
  {
    file: 'cleanup-old-data-real-run.json',
    expect: 'COMPLETED',
    run: (scene) => runCleanup(scene, false),
  },
  {
    file: 'generate-report-completed.json',
    expect: 'COMPLETED',
    async run(scene) {
      const created = await httpClient(scene.system.baseUrl, scene.agent.token).post('/api/reports', { format: 'csv', filters: { companyIds: [scene.globex] } });
      if (created.status !== 202) throw new Error(`report: ${created.status} ${created.text}`);
      return `report-${created.body.id}`;
    },
  },
  {
    file: 'generate-report-cancelled.json',
    expect: 'CANCELLED',
    async run(scene) {
      const api = httpClient(scene.system.baseUrl, scene.agent.token);
      const created = await api.post('/api/reports', { format: 'json', filters: { companyIds: [scene.acme] } });
      if (created.status !== 202) throw new Error(`report: ${created.status} ${created.text}`);
      const id = created.body.id as number;
      await waitFor(async () => (await api.get(`/api/reports/${id}`)).body.progress?.rowsWritten > 0, { what: 'the export to start writing' });
      const cancelled = await api.delete(`/api/reports/${id}`);
      if (cancelled.status !== 204) throw new Error(`cancel report: ${cancelled.status} ${cancelled.text}`);
      return `report-${id}`;
    },
  },
  {
    file: 'generate-report-failed.json',
    expect: 'FAILED',
    async run(scene) {
      // as if the data had grown past the PDF cap after the request: countReportRows refuses, non-retryable
      const { repos, jobs } = scene.system;
      const report = await repos.reports.create({ userId: scene.agent.user.id, companyId: null, format: 'pdf', filters: { companyIds: [scene.acme] } });
      const started = await jobs.startReport({ reportId: report.id }, { companyId: null, requestedBy: scene.agent.user.id });
      await repos.reports.setWorkflowId(report.id, started.workflowId);
      return started.workflowId;
    },
  },
  {
    file: 'ticket-notification-all-sent.json',
    expect: 'COMPLETED',
    async run(scene) {
      return postEvent(scene, await ticketWithWatchers(scene, 'Printer on fire'), 'history-all-sent');
    },
  },
  {
    file: 'ticket-notification-partly-failed.json',
    expect: 'FAILED',
    async run(scene) {
      const refused = scene.clients.dan.email.toLowerCase();
      scene.receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
      try {
        partlyFailedWorkflowId = await postEvent(scene, await ticketWithWatchers(scene, 'Scanner jammed'), 'history-partly-failed');
        await settled(scene.system.jobs.client.workflow.getHandle(partlyFailedWorkflowId));
      } finally {
        scene.receiver.setRule(undefined);
      }
      return partlyFailedWorkflowId;
    },
  },
  {
    file: 'ticket-notification-retried.json',
    expect: 'COMPLETED',
    async run(scene) {
      // the retry an admin starts from the dead-letter list: only the recipient refused before is mailed
      if (!partlyFailedWorkflowId) throw new Error('ticket-notification-retried needs ticket-notification-partly-failed first');
      const [dead] = await scene.system.repos.failedJobs.listByWorkflowId(partlyFailedWorkflowId);
      if (!dead) throw new Error(`no failed_jobs row for ${partlyFailedWorkflowId}`);
      const retried = await httpClient(scene.system.baseUrl, scene.admin.token).post(`/api/admin/failed-jobs/${dead.id}/retry`);
      if (retried.status !== 202) throw new Error(`retry: ${retried.status} ${retried.text}`);
      return retried.body.retryWorkflowId as string;
    },
  },
  {
    file: 'ticket-notification-redelivered.json',
    expect: 'COMPLETED',
    async run(scene) {
      // the server turns the requester away for the step's four attempts, then accepts: one redelivery round
      // (its timer cut to what is left of a short MAIL_REDELIVERY_HOURS) serves the recipient
      const ticketId = await ticketWithWatchers(scene, 'Fax is busy');
      const busy = scene.clients.carla.email.toLowerCase();
      // counted from here: the receiver's own attempt count includes the mail earlier scenarios sent to the same address
      let refused = 0;
      scene.receiver.setRule((address) => (address === busy && ++refused <= 4 ? { code: 451, message: 'Try again later' } : undefined));
      try {
        const started = await scene.system.jobs.startTicketNotification(
          { eventId: 'history-redelivered', type: 'closed', ticketId, actorId: scene.staff.ana.id, occurredAt: OCCURRED_AT, redeliverForHours: 0.01 },
          { companyId: scene.acme, requestedBy: scene.admin.user.id },
        );
        await settled(scene.system.jobs.client.workflow.getHandle(started.workflowId));
        return started.workflowId;
      } finally {
        scene.receiver.setRule(undefined);
      }
    },
  },
  {
    file: 'ticket-updates-two-windows.json',
    expect: 'COMPLETED',
    async run(scene) {
      // three updated events in a 2 s window (one posted twice), a fourth in the next window, then idle: two digests
      const ticketId = await ticketWithWatchers(scene, 'Monitor flickers');
      const signal = updatesSignal(scene, ticketId);
      await signal(1, { status: { from: 'open', to: 'pending' } });
      await signal(2, { priority: { from: 'high', to: 'urgent' } });
      await signal(2, { priority: { from: 'high', to: 'urgent' } });
      await signal(3, { status: { from: 'pending', to: 'open' } });
      // the first window closes (its digest starts) before the fourth event, which opens the second window
      const firstDigest = workflowIds.notification(ticketId, 'digest-history-update-1');
      await waitFor(async () => (await scene.system.jobs.describe(firstDigest)) !== undefined, { what: 'the first window to close' });
      await signal(4, { priority: { from: 'urgent', to: 'normal' } });
      return workflowIds.ticketUpdates(ticketId);
    },
  },
  {
    file: 'ticket-notification-digest.json',
    expect: 'COMPLETED',
    async run(scene) {
      // a coalesced mail: three updated events, one mail per recipient listing every change
      const ticketId = await ticketWithWatchers(scene, 'Keyboard sticky');
      const signal = updatesSignal(scene, ticketId);
      await signal(1, { status: { from: 'open', to: 'pending' } });
      await signal(2, { priority: { from: 'high', to: 'urgent' } });
      await signal(3, { status: { from: 'pending', to: 'open' } });
      const digest = workflowIds.notification(ticketId, 'digest-history-update-1');
      await waitFor(async () => (await scene.system.jobs.describe(digest)) !== undefined, { what: 'the coalescing window to close' });
      return digest;
    },
  },
  {
    // a dead letter over the capture's threshold (ALERT_DEAD_LETTERS_THRESHOLD=1): the check opens an alert and mails the admins
    file: 'check-alerts-notified.json',
    expect: 'COMPLETED',
    async run(scene) {
      await scene.system.repos.failedJobs.record({
        jobType: 'report',
        workflowId: 'report-history-alert',
        runId: 'history-alert-run',
        taskQueue: TASK_QUEUES.reports,
        errorType: 'ReportTooLarge',
        errorMessage: 'a dead letter for the alert check to see',
        payload: { reportId: 1 },
      });
      return (await scene.system.jobs.start('alert_check', {}, { at: new Date() })).workflowId;
    },
  },
];

/** Hands `history-update-<n>` to the ticket's per-ticket workflow as the API does (signal-with-start), with a 2 s window. */
function updatesSignal(scene: Scene, ticketId: number) {
  const workflowId = workflowIds.ticketUpdates(ticketId);
  return (n: number, changes: Record<string, FieldChange>) => {
    const input: TicketNotificationInput = { eventId: `history-update-${n}`, type: 'updated', ticketId, actorId: scene.staff.ana.id, occurredAt: OCCURRED_AT, changes };
    return scene.system.jobs.client.workflow.signalWithStart(WORKFLOW_TYPES.ticketUpdates, {
      workflowId,
      taskQueue: TASK_QUEUES.notifications,
      args: [{ ticketId, coalesceSeconds: 2, idleSeconds: 10 } satisfies TicketUpdatesInput],
      signal: TICKET_EVENT_SIGNAL,
      signalArgs: [input],
      typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes({ jobType: 'notification', ticketId, companyId: scene.acme, requestedBy: scene.admin.user.id })),
    });
  };
}


async function user(scene: Pick<Scene, 'system'>, role: Role, companyId: number | null, name: string): Promise<User> {
  return createUser(scene.system.repos, { role, companyId, name, email: `${name.toLowerCase()}@helpdesk.test` });
}

async function buildScene(system: TestSystem, receiver: SmtpReceiver): Promise<Scene> {
  const { repos, auth, db } = system;
  const acme = (await repos.companies.create('Acme Corp')).id;
  const globex = (await repos.companies.create('Globex')).id;
  const base = { system };
  const adminUser = await user(base, 'admin', null, 'Admin');
  const agentUser = await user(base, 'agent', acme, 'Ana');
  const eve = await user(base, 'agent', acme, 'Eve');
  const carla = await user(base, 'client', acme, 'Carla');
  const dan = await user(base, 'client', acme, 'Dan');
  const token = async (u: User) => (await auth.createPersonalToken(u.email, 'histories', 1)).token;

  // enough rows that a throttled export is still running when it is cancelled, and past the PDF cap
  await seedBulkTickets(db, { count: 3000, companyIds: [acme], userIds: [agentUser.id, carla.id], seed: 21 });
  await seedBulkTickets(db, { count: 20, companyIds: [globex], userIds: [agentUser.id], seed: 22 });

  // something past every retention cutoff, so a real cleanup run deletes in each table
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
  await db('activity_logs').insert(
    [120, 100, 95].map((age, i) => ({ user_id: null, action: 'histories.capture', subject_type: 'test', subject_id: String(i), properties: null, created_at: daysAgo(age) })),
  );
  await repos.failedJobs.record({ jobType: 'notification', workflowId: 'wf-old', taskQueue: 'notifications', errorType: 'X', errorMessage: 'x', payload: {} }, daysAgo(40));
  fs.mkdirSync(system.config.reports.dir, { recursive: true });
  await db('reports').insert({ user_id: agentUser.id, format: 'csv', filters: '{}', status: 'ready', file_name: 'report-old.csv', created_at: daysAgo(9), rows_written: 1 });
  fs.writeFileSync(path.join(system.config.reports.dir, 'report-old.csv'), 'id\n1\n');

  return {
    system,
    receiver,
    acme,
    globex,
    admin: { user: adminUser, token: await token(adminUser) },
    agent: { user: agentUser, token: await token(agentUser) },
    staff: { ana: agentUser, eve },
    clients: { carla, dan },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  if (outAt >= 0 && !args[outAt + 1]) throw new Error('--out needs a directory');
  const outDir = path.resolve(outAt >= 0 && args[outAt + 1] ? args[outAt + 1] : DEFAULT_OUT);
  const only = args.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1));
  const chosen = SCENARIOS.filter((s) => only.length === 0 || only.some((prefix) => s.file.startsWith(prefix)));
  if (chosen.length === 0) throw new Error(`no scenario matches ${only.join(', ')}; known: ${SCENARIOS.map((s) => s.file).join(', ')}`);
  // the retry needs the partly failed run before it
  if (chosen.some((s) => s.file === 'ticket-notification-retried.json') && !chosen.some((s) => s.file === 'ticket-notification-partly-failed.json')) {
    chosen.splice(chosen.findIndex((s) => s.file === 'ticket-notification-retried.json'), 0, SCENARIOS.find((s) => s.file === 'ticket-notification-partly-failed.json')!);
  }

  // activities fail on purpose here (550, a report past its cap): keep the SDK's warnings about them quiet
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-histories-'));
  let devServer: RunningDevServer | undefined;
  let receiver: SmtpReceiver | undefined;
  let system: TestSystem | undefined;
  let mailer: ReturnType<typeof createSmtpMailer> | undefined;
  try {
    let address = process.env.TEMPORAL_ADDRESS?.trim();
    const namespace = process.env.TEMPORAL_NAMESPACE?.trim() || 'default';
    if (!address) {
      const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, log: say });
      devServer = await startDevServer({ cli, port: await freePort(), namespaces: namespace === 'default' ? [] : [namespace], logFile: path.join(tmpDir, 'temporal.log') });
      address = devServer.address;
      say(`Temporal dev server on ${address}`);
    } else {
      say(`Temporal at ${address}, namespace ${namespace}`);
    }
    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: new DefaultLogger('WARN') });
    const workflowBundlePath = path.join(tmpDir, 'workflow-bundle.js');
    fs.writeFileSync(workflowBundlePath, bundle.code);
    // the test harness, pointed at a scratch SQLite file in tmpDir
    writeTestRunEnv({ runId: 'histories', tmpDir, temporalAddress: address, workflowBundlePath });

    receiver = await startSmtpReceiver();
    const smtp = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    mailer = smtp;
    system = await startTestSystem({
      queues: [...ALL_TASK_QUEUES],
      env: {
        TEMPORAL_NAMESPACE: namespace,
        SMTP_URL: receiver.url,
        REPORT_EXPORT_MAX_ROWS_PER_SECOND: '1000',
        REPORT_PDF_MAX_ROWS: String(PDF_MAX_ROWS),
        ALERT_DEAD_LETTERS_THRESHOLD: '1',
      },
      activityDeps: (deps) => ({ ...deps, mailer: smtp }),
    });
    const scene = await buildScene(system, receiver);

    const recorded: Array<{ file: string; json: string }> = [];
    for (const scenario of chosen) {
      const startedBefore = Date.now();
      const workflowId = await scenario.run(scene);
      const handle = system.jobs.client.workflow.getHandle(workflowId);
      await settled(handle);
      const status = (await handle.describe()).status.name;
      if (status !== scenario.expect) throw new Error(`${scenario.file}: ${workflowId} ended ${status}, expected ${scenario.expect}`);
      const history = await handle.fetchHistory();
      const startedAt = history.events?.[0]?.eventTime?.seconds;
      // a long-lived server may already hold this workflow id from an earlier capture: the start then joined that run
      if (startedAt === undefined || (Number(startedAt) + 1) * 1000 < startedBefore - CLOCK_SKEW_MS) {
        throw new Error(`${scenario.file}: ${workflowId} was started before this capture; use a fresh server (unset TEMPORAL_ADDRESS)`);
      }
      recorded.push({ file: scenario.file, json: `${historyToJSON(history)}\n` });
      say(`${scenario.file}: ${workflowId} ${status}, ${history.events?.length ?? 0} events`);
    }

    // only histories the current code replays are worth keeping
    const replays = Worker.runReplayHistories(
      { workflowBundle: { codePath: workflowBundlePath } },
      recorded.map(({ file, json }) => ({ workflowId: file, history: JSON.parse(json) })),
    );
    for await (const result of replays) if (result.error) throw new Error(`${result.workflowId} does not replay: ${result.error.message}`);

    fs.mkdirSync(outDir, { recursive: true });
    for (const { file, json } of recorded) fs.writeFileSync(path.join(outDir, file), json);
    say(`wrote ${recorded.length} histories to ${path.relative(process.cwd(), outDir) || '.'}`);
  } finally {
    await system?.stop();
    await mailer?.close();
    await receiver?.close();
    await devServer?.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
