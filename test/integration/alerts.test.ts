import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TASK_QUEUES } from '../../src/jobs/contract';
import type { AlertCheckResult } from '../../src/jobs/types/alerts/definition';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { BUCKET_COUNT, bucketOf } from '../../src/observability/metrics/histogram';
import { createJobMetricsStore } from '../../src/observability/metrics/store';
import { flushJobMetrics } from '../../src/observability/metrics/worker-wiring';
import { createQueueWorker } from '../../workers/create-worker';
import { ensureAlertScheduleOnStart } from '../../workers/alert-schedule';
import { NativeConnection } from '@temporalio/worker';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene } from './notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

interface WebhookCall {
  text: string;
  blocks: unknown[];
  alert: { episodeId: number; status: 'firing' | 'resolved'; rule: string; subject: string };
}

/** A local HTTP server standing in for Slack's incoming webhook: it keeps every JSON body it is sent. */
async function startWebhookReceiver(): Promise<{ url: string; calls: WebhookCall[]; answer: { status: number }; close(): Promise<void> }> {
  const calls: WebhookCall[] = [];
  const answer = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.headers['content-type'] === 'application/json') calls.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.status === 200 ? 'ok' : 'no_service');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`,
    calls,
    answer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ONCALL = 'oncall@alerts.test';
const BURST = 'failed_jobs:notification';
const STALLED = 'no_worker:reports';
const DEAD_LETTERS = 'dead_letters:*';

describe('alerts: a failure burst, a stalled queue and dead letters are mailed and posted once each, and once more when they clear', () => {
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let mailer: Mailer;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    webhook = await startWebhookReceiver();
    mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    sys = await startTestSystem({
      // no reports worker: that queue is the stalled one
      queues: [TASK_QUEUES.default, TASK_QUEUES.notifications],
      env: {
        SMTP_URL: receiver.url,
        METRICS_FLUSH_SECONDS: '3600',
        ALERT_FAILED_JOBS_THRESHOLD: '3',
        // long enough for the burst to still count after the wait for the reports queue's last worker to age out
        ALERT_FAILED_JOBS_WINDOW_MINUTES: '10',
        ALERT_WAIT_P95_SECONDS: '30',
        ALERT_WAIT_WINDOW_MINUTES: '1',
        ALERT_NO_POLLER_SECONDS: '5',
        ALERT_DEAD_LETTERS_THRESHOLD: '3',
        ALERT_EMAIL_TO: ONCALL,
        ALERT_WEBHOOK_URL: webhook.url,
        ALERT_CHECK_INTERVAL_SECONDS: '60',
      },
      activityDeps: (deps) => ({ ...deps, mailer }),
    });
    world = await createWorld(sys.repos, sys.auth);
    // only this file's own checks run here: no schedule left by a worker process an earlier file spawned
    await sys.jobs.client.schedule.getHandle('alert-check').delete().catch(() => undefined);
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
    await mailer?.close();
    await receiver?.close();
    await webhook?.close();
  });

  /** One check, as the schedule starts it, run to its end. */
  async function check(at = new Date()): Promise<AlertCheckResult> {
    const run = await sys.jobs.start('alert_check', {}, { at });
    return sys.jobs.result<AlertCheckResult>(run.workflowId);
  }

  const alertMails = () => receiver.mailsTo(ONCALL);
  async function episodeIdOf(key: string): Promise<number> {
    const [rule, subject] = key.split(/:(.*)/);
    const row = await sys.db('alert_episodes').where({ rule, subject }).orderBy('id', 'desc').first('id');
    return Number(row.id);
  }
  function messagesOf(episodeId: number) {
    return {
      mails: alertMails()
        .filter((mail) => mail.messageId.startsWith(`<alert-${episodeId}.`))
        .map((mail) => (mail.messageId.includes('.firing.') ? 'firing' : 'resolved')),
      calls: webhook.calls.filter((call) => call.alert.episodeId === episodeId).map((call) => call.alert.status),
    };
  }

  it('a burst of failed notifications, a queue nobody polls with a job waiting, and the dead letters each alert once, then resolve once', async () => {
    // the counts must be this test's own: end what earlier files left running on these queues, drop their rows
    for await (const execution of sys.jobs.client.workflow.list({ query: `(TaskQueue = 'notifications' OR TaskQueue = 'reports') AND ExecutionStatus = 'Running'` })) {
      await sys.jobs.client.workflow.getHandle(execution.workflowId).terminate('the alerts test needs the queues to itself');
    }
    await flushJobMetrics(sys.db);
    await sys.db('job_metrics').del();
    await sys.db('failed_jobs').del();
    await sys.db('alert_notifications').del();
    await sys.db('alert_episodes').del();
    const admin = httpClient(sys.baseUrl, world.tokens.admin);

    // the failure burst: three events whose watcher's mailbox refuses for good (550), so three notification jobs fail
    const scenes = await Promise.all([1, 2, 3].map(() => createTicketScene(sys.repos)));
    const refused = new Set(scenes.map((scene) => scene.clientWatcher.email.toLowerCase()));
    receiver.setRule((address) => (refused.has(address) ? { code: 550, message: 'No such mailbox' } : undefined));
    const runs = [];
    for (const scene of scenes) {
      const response = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
      expect(response.status).toBe(202);
      runs.push(response.body.workflowId as string);
    }
    expect(await Promise.all(runs.map((id) => closedStatus(sys, id, 100_000)))).toEqual(['FAILED', 'FAILED', 'FAILED']);
    await flushJobMetrics(sys.db);

    // the stalled queue: a report waits on the reports queue, which no worker polls
    const report = await admin.post('/api/reports', { format: 'csv', filters: { companyIds: [world.companyA.id] } });
    expect(report.status).toBe(202);

    // a worker another test file ran on the reports queue counts as live for up to 70 s after its last poll
    const first = await waitFor(async () => {
      const result = await check();
      return result.firing.includes(STALLED) && result;
    }, { timeoutMs: 150_000, intervalMs: 2_000, what: 'the reports queue to count as without a worker' });
    expect(first.firing).toEqual(expect.arrayContaining([BURST, STALLED, DEAD_LETTERS]));

    const burst = await episodeIdOf(BURST);
    const stalled = await episodeIdOf(STALLED);
    const deadLetters = await episodeIdOf(DEAD_LETTERS);
    for (const episode of [burst, stalled, deadLetters]) {
      expect(messagesOf(episode)).toEqual({ mails: ['firing'], calls: ['firing'] });
    }
    const burstCall = webhook.calls.find((call) => call.alert.episodeId === burst) as WebhookCall;
    expect(burstCall.text).toBe('[Alert] Failed jobs: 3 failed notification jobs in the last 10 min (threshold 3)');
    expect(burstCall.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'section' })]));
    const burstMail = alertMails().find((mail) => mail.messageId.startsWith(`<alert-${burst}.firing.`));
    expect(burstMail?.subject).toBe(burstCall.text);
    expect(burstMail?.parsed.text).toContain('/admin/jobs#alerts');

    // nothing changed: checking again opens nothing and sends nothing
    const mailsBefore = alertMails().length;
    const callsBefore = webhook.calls.length;
    const again = await check();
    expect(again).toMatchObject({ opened: 0, resolved: 0, sent: 0 });
    expect(again.firing).toEqual(expect.arrayContaining([BURST, STALLED, DEAD_LETTERS]));
    expect(alertMails()).toHaveLength(mailsBefore);
    expect(webhook.calls).toHaveLength(callsBefore);

    // each opening is in the audit trail, and the Jobs page's API lists the open alerts with what was sent
    const opened = await sys.db('activity_logs').where({ action: 'alert.opened' }).whereIn('subject_id', [burst, stalled, deadLetters].map(String));
    expect(opened).toHaveLength(3);
    const listed = await admin.get('/api/admin/alerts');
    expect(listed.status).toBe(200);
    const openBurst = listed.body.open.find((e: { id: number }) => e.id === burst);
    expect(openBurst).toMatchObject({ rule: 'failed_jobs', subject: 'notification', lastValue: 3, resolvedAt: null });
    expect(openBurst.notifications.map((n: { kind: string; channel: string; status: string }) => `${n.kind} ${n.channel} ${n.status}`).sort()).toEqual([
      `firing email:${ONCALL} sent`,
      'firing webhook sent',
    ]);
    expect((await httpClient(sys.baseUrl, world.tokens.agent).get('/api/admin/alerts')).status).toBe(403);

    // clearing: the burst leaves the window (its minute rows are moved a day back), a worker polls the reports
    // queue and runs the waiting report, and the dead letters are retried now that the mailbox accepts
    for (const row of await sys.db('job_metrics').select('id', 'minute')) {
      await sys.db('job_metrics').where({ id: row.id }).update({ minute: new Date(new Date(row.minute).getTime() - 86_400_000) });
    }
    const connection = await NativeConnection.connect({ address: sys.config.temporal.address as string });
    const reportsWorker = await createQueueWorker({
      connection,
      namespace: sys.config.temporal.namespace,
      queue: TASK_QUEUES.reports,
      deps: sys.activityDeps,
      concurrency: 1,
      workflows: { workflowBundle: { codePath: sys.config.temporal.workflowBundlePath as string } },
    });
    try {
      await reportsWorker.runUntil(async () => {
        expect(await closedStatus(sys, report.body.workflowId, 100_000)).toBe('COMPLETED');
        receiver.setRule(undefined);
        for (const entry of await sys.repos.failedJobs.list({ limit: 10 })) {
          expect((await admin.post(`/api/admin/failed-jobs/${entry.id}/retry`)).status).toBe(202);
        }
        const cleared = await check();
        expect(cleared.firing).not.toEqual(expect.arrayContaining([BURST]));
        expect(cleared.firing).not.toContain(STALLED);
        expect(cleared.firing).not.toContain(DEAD_LETTERS);
        expect(cleared.resolved).toBeGreaterThanOrEqual(3);
      });
    } finally {
      await connection.close();
    }

    for (const episode of [burst, stalled, deadLetters]) {
      expect(messagesOf(episode)).toEqual({ mails: ['firing', 'resolved'], calls: ['firing', 'resolved'] });
    }
    const resolvedCall = webhook.calls.find((call) => call.alert.episodeId === stalled && call.alert.status === 'resolved') as WebhookCall;
    expect(resolvedCall.text).toBe('[Resolved] No worker: queue reports is back to normal');
    // a resolved mail threads under its alert
    const resolvedMail = alertMails().find((mail) => mail.messageId.startsWith(`<alert-${stalled}.resolved.`));
    expect(resolvedMail?.parsed.references).toEqual(`<alert-${stalled}@helpdesk.test>`);
    expect(await sys.db('activity_logs').where({ action: 'alert.resolved' }).whereIn('subject_id', [burst, stalled, deadLetters].map(String))).toHaveLength(3);

    // and once resolved, later checks stay quiet
    const mailsAfter = alertMails().length;
    const callsAfter = webhook.calls.length;
    expect(await check()).toMatchObject({ opened: 0, sent: 0 });
    expect(alertMails()).toHaveLength(mailsAfter);
    expect(webhook.calls).toHaveLength(callsAfter);
  }, 400_000);

  it('a webhook that refuses the call is marked failed without holding back the mail, and two checks at once send each message once', async () => {
    for (let i = 0; i < 3; i++) {
      await sys.repos.failedJobs.record({ jobType: 'report', workflowId: `report-alert-race-${i}`, runId: 'run', taskQueue: 'reports', errorType: 'ReportTooLarge', errorMessage: 'too large', payload: { reportId: i } });
    }
    webhook.answer.status = 404;
    try {
      // two runs (two workflow ids) at once, each seeing the dead letters over the threshold
      const now = Date.now();
      const [one, two] = await Promise.all([check(new Date(now)), check(new Date(now + 1))]);
      expect(one.firing).toContain(DEAD_LETTERS);
      expect(two.firing).toContain(DEAD_LETTERS);
    } finally {
      webhook.answer.status = 200;
    }
    const episode = await episodeIdOf(DEAD_LETTERS);
    expect(messagesOf(episode)).toEqual({ mails: ['firing'], calls: ['firing'] });
    const ledger = await sys.repos.alerts.notificationsOf([episode]);
    expect(ledger.map((n) => `${n.kind} ${n.channel} ${n.status}`).sort()).toEqual([`firing email:${ONCALL} sent`, 'firing webhook failed']);
    expect(ledger.find((n) => n.channel === 'webhook')?.error).toBe('alert webhook answered 404');

    // resolved: the mail says so; the webhook, which never delivered the alert, is not told of its end
    await sys.db('failed_jobs').where('workflow_id', 'like', 'report-alert-race-%').del();
    expect((await check()).resolved).toBeGreaterThanOrEqual(1);
    expect((await sys.repos.alerts.findEpisode(episode))?.resolvedAt).toBeInstanceOf(Date);
    expect(messagesOf(episode)).toEqual({ mails: ['firing', 'resolved'], calls: ['firing'] });
  }, 200_000);

  it('a message is claimed once: of two runs claiming at once one wins; only the next attempt of the same step takes back a released claim; a claim left sending is never taken again', async () => {
    const { episode } = await sys.repos.alerts.recordFiring({ rule: 'failed_jobs', subject: `claims-${Date.now()}`, value: 9, threshold: 3, firing: true }, new Date());
    const key = { episodeId: episode.id, kind: 'firing' as const, channel: 'webhook' };
    const at = new Date();
    const claims = await Promise.all(['run-a/3', 'run-b/3', 'run-c/3'].map((claimant) => sys.repos.alerts.claim(key, claimant, 1, at)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = ['run-a/3', 'run-b/3', 'run-c/3'][claims.indexOf(true)];
    // the attempt failed and released it: the same step's next attempt may take it, another run may not
    await sys.repos.alerts.mark(key, 'retrying', new Date(), 'alert webhook answered 503');
    expect(await sys.repos.alerts.claim(key, 'run-z/3', 1, new Date())).toBe(false);
    expect(await sys.repos.alerts.claim(key, winner, 2, new Date())).toBe(true);
    // that attempt died between send and mark: the claim stays `sending`, no later attempt sends again
    expect(await sys.repos.alerts.claim(key, winner, 3, new Date())).toBe(false);
    expect(await sys.repos.alerts.notificationsOf([episode.id])).toEqual([expect.objectContaining({ status: 'sending', tries: 2 })]);
    await sys.repos.alerts.resolve(episode, 0, new Date());

    // resolved episodes older than the activity-log retention are forgotten with their ledger rows
    const longAgo = new Date(Date.now() - (sys.config.retention.activityLogDays + 1) * 86_400_000);
    await sys.db('alert_episodes').where({ id: episode.id }).update({ resolved_at: longAgo });
    await check();
    expect(await sys.repos.alerts.findEpisode(episode.id)).toBeUndefined();
    expect(await sys.repos.alerts.notificationsOf([episode.id])).toEqual([]);
  });

  it("a queue's long waits alert once and resolve once when they leave the window (minute rows written as the workers write them)", async () => {
    // the waits must be this test's own: the report the first test left waiting may have written its long wait
    await flushJobMetrics(sys.db);
    await sys.db('job_metrics').del();
    await check();
    // twenty report jobs that waited 90 s each before a worker took them, in this minute
    const waits = new Array<number>(BUCKET_COUNT).fill(0);
    waits[bucketOf(90_000)] = 20;
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await createJobMetricsStore(sys.db).add([
      {
        minute,
        queue: 'reports',
        jobType: 'report',
        step: '',
        outcome: 'completed',
        attempt: 1,
        count: 20,
        durationMsSum: 20_000,
        durationMsMax: 1_000,
        waitMsSum: 1_800_000,
        waitMsMax: 90_000,
        durationBuckets: waits.map((_, i) => (i === bucketOf(1_000) ? 20 : 0)),
        waitBuckets: waits,
      },
    ]);
    const firing = await check();
    expect(firing.firing).toContain('wait_p95:reports');
    const episode = await episodeIdOf('wait_p95:reports');
    expect(messagesOf(episode)).toEqual({ mails: ['firing'], calls: ['firing'] });
    const call = webhook.calls.find((c) => c.alert.episodeId === episode) as WebhookCall;
    expect(call.text).toBe('[Alert] Long waits: queue reports: jobs wait 90 s before they start (p95 over 1 min, threshold 30 s)');

    await sys.db('job_metrics').where({ queue: 'reports' }).update({ minute: new Date(minute.getTime() - 86_400_000) });
    expect((await check()).firing).not.toContain('wait_p95:reports');
    expect(messagesOf(episode)).toEqual({ mails: ['firing', 'resolved'], calls: ['firing', 'resolved'] });
  }, 200_000);

  it('the default worker keeps an alert-check schedule: every ALERT_CHECK_INTERVAL_SECONDS, overlap SKIP, on the default queue', async () => {
    const config = { ...sys.config, alerts: { ...sys.config.alerts, checkIntervalSeconds: 90 } };
    // a worker process an earlier file spawned in this namespace may have created it already
    await sys.jobs.client.schedule.getHandle('alert-check').delete().catch(() => undefined);
    expect(await ensureAlertScheduleOnStart(config, sys.logger)).toBe('created');
    try {
      expect(await ensureAlertScheduleOnStart(sys.config, sys.logger)).toBe('updated');
      const schedule = await sys.jobs.describeAlertSchedule();
      expect(schedule?.spec.intervals).toEqual([expect.objectContaining({ every: 60_000 })]);
      expect(schedule?.policies.overlap).toBe('SKIP');
      expect(schedule?.action).toMatchObject({ type: 'startWorkflow', workflowType: 'checkAlertsWorkflow', taskQueue: 'default', workflowId: 'alert-check' });
    } finally {
      await sys.jobs.client.schedule.getHandle('alert-check').delete();
    }
  });
});
