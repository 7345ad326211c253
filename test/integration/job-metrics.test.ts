import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { createJobMetricsStore, type MetricRow } from '../../src/observability/metrics/store';
import { flushJobMetrics } from '../../src/observability/metrics/worker-wiring';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene } from './notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

/** sum of count per "jobType step outcome attempt" (step '-' = the job itself) */
function tally(rows: MetricRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) {
    const key = `${row.jobType} ${row.step || '-'} ${row.outcome} ${row.attempt}`;
    out[key] = (out[key] ?? 0) + row.count;
  }
  return out;
}

describe('per-minute job metrics recorded by the workers (real SMTP receiver, real workers)', () => {
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let mailer: Mailer;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    sys = await startTestSystem({
      queues: ['notifications', 'reports'],
      // the export crawls, so the report is still running when it is cancelled; flushes happen when the test asks
      env: { SMTP_URL: receiver.url, REPORT_EXPORT_MAX_ROWS_PER_SECOND: '300', METRICS_FLUSH_SECONDS: '3600' },
      activityDeps: (deps) => ({ ...deps, mailer }),
    });
    world = await createWorld(sys.repos, sys.auth);
    await seedBulkTickets(sys.db, { count: 3000, companyIds: [world.companyA.id], userIds: [world.agent.id, world.clientA.id], seed: 21 });
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
    await mailer?.close();
    await receiver?.close();
  });

  it('after successes, a retried send, a permanent failure and a cancelled report, the minute rows count exactly what happened', async () => {
    // exact counts need a quiet database and namespace: end what other files left running on these queues, drop their rows
    const query = `(TaskQueue = 'notifications' OR TaskQueue = 'reports') AND ExecutionStatus = 'Running'`;
    for await (const execution of sys.jobs.client.workflow.list({ query })) {
      await sys.jobs.client.workflow.getHandle(execution.workflowId).terminate('metrics test needs the queues to itself');
    }
    await flushJobMetrics(sys.db);
    await sys.db('job_metrics').del();
    const since = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const admin = httpClient(sys.baseUrl, world.tokens.admin);
    const post = async (ticketId: number, actorId: number) => {
      const response = await admin.post(`/api/tickets/${ticketId}/events`, { type: 'closed', actorId });
      expect(response.status).toBe(202);
      return response.body as { workflowId: string };
    };

    const plain = await createTicketScene(sys.repos);
    const retried = await createTicketScene(sys.repos);
    const rejected = await createTicketScene(sys.repos);
    const greylisted = retried.requester.email.toLowerCase();
    const refused = rejected.clientWatcher.email.toLowerCase();
    receiver.setRule((address, attempt) => {
      if (address === greylisted && attempt === 1) return { code: 451, message: 'Greylisted, try later' };
      if (address === refused) return { code: 550, message: 'No such mailbox' };
      return undefined;
    });

    const report = await admin.post('/api/reports', { format: 'csv', filters: { companyIds: [world.companyA.id] } });
    expect(report.status).toBe(202);
    const runs = [await post(plain.ticket.id, plain.assignee.id), await post(retried.ticket.id, retried.assignee.id), await post(rejected.ticket.id, rejected.assignee.id)];
    await waitFor(async () => ((await sys.repos.reports.findById(report.body.id))?.rowsWritten ?? 0) > 0, { what: 'the export to start writing' });
    expect((await admin.delete(`/api/reports/${report.body.id}`)).status).toBe(204);

    expect(await Promise.all(runs.map((run) => closedStatus(sys, run.workflowId, 100_000)))).toEqual(['COMPLETED', 'COMPLETED', 'FAILED']);
    expect(await closedStatus(sys, report.body.workflowId)).toBe('CANCELLED');
    await flushJobMetrics(sys.db);

    const rows = await createJobMetricsStore(sys.db).rows({ since });
    const counts = tally(rows);
    // three recipients per event (requester and two watchers; the actor is not mailed)
    expect(Object.fromEntries(Object.entries(counts).filter(([key]) => key.startsWith('notification ')))).toEqual({
      'notification - completed 1': 2,
      'notification - failed 1': 1,
      'notification sendTicketNotification completed 1': 7,
      'notification sendTicketNotification retried 1': 1,
      'notification sendTicketNotification completed 2': 1,
      'notification sendTicketNotification failed 1': 1,
      'notification resolveNotificationRecipients completed 1': 3,
      'notification recordNotificationFailure completed 1': 1,
    });
    expect(counts['report - cancelled 1']).toBe(1);
    expect(counts['report - completed 1']).toBeUndefined();
    // the export stops on Temporal's cancel or, when the deleted row is noticed first, with ReportGone: one final attempt either way
    const exports = Object.entries(counts).filter(([key]) => key.startsWith('report exportReport '));
    expect(exports).toEqual([[expect.stringMatching(/^report exportReport (cancelled|failed) 1$/), 1]]);
    expect(counts['report discardReport completed 1']).toBe(1);

    for (const row of rows) {
      expect(row.queue).toBe(row.jobType === 'report' ? 'reports' : 'notifications');
      expect(row.durationBuckets.reduce((a, b) => a + b, 0)).toBe(row.count);
      expect(row.waitBuckets.reduce((a, b) => a + b, 0)).toBe(row.count);
      expect(row.durationMsMax).toBeLessThanOrEqual(row.durationMsSum);
    }
    // the retried event's job waited out the retry backoff (10 s) between the two attempts of one send
    const completedJobs = rows.filter((row) => row.jobType === 'notification' && row.step === '' && row.outcome === 'completed');
    expect(Math.max(...completedJobs.map((row) => row.durationMsMax))).toBeGreaterThanOrEqual(10_000);
  }, 150_000);
});
