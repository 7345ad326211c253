import { TASK_QUEUES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import type { TestSystem } from '../support/system';
import { expectForbiddenForNonAdmins, roleTokens, statusMatrix } from './admin-helpers';
import {
  closedStatus,
  createTicketScene,
  sortedAddresses,
  startNotificationsHarness,
  type NotificationsHarness,
  type TicketScene,
} from './notifications-helpers';
import type { SmtpReceiver } from './notifications-smtp-receiver';

describe('admin: failed-job triage and retry', () => {
  let system: TestSystem;
  let receiver: SmtpReceiver;
  let harness: NotificationsHarness;
  let world: World;
  let admin: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    harness = await startNotificationsHarness({ queues: [TASK_QUEUES.notifications, TASK_QUEUES.default, TASK_QUEUES.reports] });
    ({ system, receiver } = harness);
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(system.baseUrl, world.tokens.admin);
  });
  afterAll(async () => {
    await harness?.stop();
  });
  afterEach(() => receiver.setRule(undefined));

  /** Posts an event whose mail to the client watcher is refused with 550, and waits for the dead-letter entry. */
  async function failedNotification(scene: TicketScene): Promise<{ eventId: string; workflowId: string; failedJobId: number }> {
    const rejected = scene.clientWatcher.email.toLowerCase();
    receiver.setRule((address) => (address === rejected ? { code: 550, message: 'No such mailbox' } : undefined));
    const posted = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(posted.status).toBe(202);
    expect(await closedStatus(system, posted.body.workflowId)).toBe('FAILED');
    const [entry] = await system.repos.failedJobs.listByWorkflowId(posted.body.workflowId);
    return { eventId: posted.body.eventId, workflowId: posted.body.workflowId, failedJobId: entry.id };
  }

  const mailsOf = (eventId: string) => receiver.mails.filter((m) => m.messageId.startsWith(`<event-${eventId}.`));

  it('a permanently failed notification is listed with its error type and grouped; its retry mails only the unserved recipient; a second retry is 409', async () => {
    const scene = await createTicketScene(system.repos);
    const failed = await failedNotification(scene);
    receiver.setRule(undefined);

    const list = await admin.get(`/api/admin/failed-jobs?jobType=notification&ticketId=${scene.ticket.id}`);
    expect(list.status).toBe(200);
    expect(list.body.failedJobs).toHaveLength(1);
    expect(list.body.failedJobs[0]).toMatchObject({
      id: failed.failedJobId,
      jobType: 'notification',
      workflowId: failed.workflowId,
      errorType: 'NotificationDeliveryFailed',
      ticketId: scene.ticket.id,
      retry: null,
      payload: { failedRecipients: [{ userId: scene.clientWatcher.id, errorType: 'SmtpPermanentFailure' }] },
    });

    const groups = await admin.get(`/api/admin/failed-jobs/groups?ticketId=${scene.ticket.id}`);
    expect(groups.status).toBe(200);
    expect(groups.body).toMatchObject({ total: 1, groups: [{ jobType: 'notification', errorType: 'NotificationDeliveryFailed', count: 1 }] });

    expect(mailsOf(failed.eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(sortedAddresses([scene.requester, scene.agentWatcher]));
    const retry = await admin.post(`/api/admin/failed-jobs/${failed.failedJobId}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ id: failed.failedJobId, failedWorkflowId: failed.workflowId });
    expect(retry.body.retryWorkflowId).not.toBe(failed.workflowId);
    expect(await closedStatus(system, retry.body.retryWorkflowId)).toBe('COMPLETED');
    // the retry served the one recipient left; the two served before got nothing new
    expect(mailsOf(failed.eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(
      sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]),
    );

    const again = await admin.post(`/api/admin/failed-jobs/${failed.failedJobId}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already retried successfully/);
    const entry = await admin.get(`/api/admin/failed-jobs/${failed.failedJobId}`);
    expect(entry.body.retry).toMatchObject({ workflowId: retry.body.retryWorkflowId, status: 'succeeded' });
    expect(mailsOf(failed.eventId)).toHaveLength(3);
  });

  it('a bulk retry of 10 failures starts 10 workflows, each mailing its unserved recipient once', async () => {
    const scene = await createTicketScene(system.repos);
    const failures = [];
    for (let i = 0; i < 10; i++) failures.push(await failedNotification(scene));
    receiver.setRule(undefined);

    const groups = await admin.get(`/api/admin/failed-jobs/groups?ticketId=${scene.ticket.id}`);
    expect(groups.body.groups).toEqual([expect.objectContaining({ jobType: 'notification', errorType: 'NotificationDeliveryFailed', count: 10 })]);

    const bulk = await admin.post('/api/admin/failed-jobs/retry', { jobType: 'notification', ticketId: scene.ticket.id });
    expect(bulk.status).toBe(202);
    expect(bulk.body.skipped).toEqual([]);
    expect(bulk.body.started.map((s: { id: number }) => s.id).sort()).toEqual(failures.map((f) => f.failedJobId).sort());
    const retryIds = new Set(bulk.body.started.map((s: { retryWorkflowId: string }) => s.retryWorkflowId));
    expect(retryIds.size).toBe(10);
    for (const id of retryIds) expect(await closedStatus(system, id as string)).toBe('COMPLETED');

    const watcher = scene.clientWatcher.email.toLowerCase();
    for (const failure of failures) {
      expect(mailsOf(failure.eventId).filter((m) => m.envelopeTo.includes(watcher))).toHaveLength(1);
      expect(mailsOf(failure.eventId)).toHaveLength(3);
    }
    // nothing left to retry under that filter; naming the ids answers why each one is refused
    expect((await admin.post('/api/admin/failed-jobs/retry', { jobType: 'notification', ticketId: scene.ticket.id })).body.started).toEqual([]);
    const named = await admin.post('/api/admin/failed-jobs/retry', { ids: [failures[0].failedJobId] });
    expect(named.body.started).toEqual([]);
    expect(named.body.skipped).toEqual([{ id: failures[0].failedJobId, reason: expect.stringMatching(/already retried successfully/) }]);
  });

  it('a failed cleanup is re-run; a failed report runs again in place (409 once its row is gone); unknown ids are 404; bad filters 400', async () => {
    const cleanupEntry = await system.repos.failedJobs.record({
      jobType: 'cleanup',
      workflowId: `cleanup-manual-${Date.now()}`,
      taskQueue: 'default',
      errorType: 'KnexTimeoutError',
      errorMessage: 'Knex: Timeout acquiring a connection',
      payload: { dryRun: false },
    });
    const retried = await admin.post(`/api/admin/failed-jobs/${cleanupEntry}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.retryWorkflowId).toBe(`cleanup-retry-${cleanupEntry}`);
    expect(await closedStatus(system, retried.body.retryWorkflowId)).toBe('COMPLETED');

    const [reportId] = await system.db('reports').insert({
      user_id: world.agent.id,
      format: 'csv',
      filters: JSON.stringify({ companyIds: [world.companyA.id] }),
      status: 'failed',
      error: 'Knex: Timeout acquiring a connection',
      rows_written: 0,
      created_at: new Date(),
    });
    const failedReport = await system.repos.failedJobs.record({
      jobType: 'report',
      workflowId: `report-${reportId}`,
      taskQueue: 'reports',
      errorType: 'KnexTimeoutError',
      errorMessage: 'Knex: Timeout acquiring a connection',
      payload: { reportId: Number(reportId) },
    });
    const rerun = await admin.post(`/api/admin/failed-jobs/${failedReport}/retry`);
    expect(rerun.status).toBe(202);
    expect(rerun.body.retryWorkflowId).toBe(`report-${reportId}-retry-${failedReport}`);
    expect(await closedStatus(system, rerun.body.retryWorkflowId)).toBe('COMPLETED');
    expect(await system.db('reports').where({ id: reportId }).first('status', 'workflow_id')).toEqual({
      status: 'ready',
      workflow_id: rerun.body.retryWorkflowId,
    });

    const goneReport = await system.repos.failedJobs.record({
      jobType: 'report',
      workflowId: 'report-999999',
      taskQueue: 'reports',
      errorType: 'ReportTooLarge',
      errorMessage: 'too many rows for a PDF',
      payload: { reportId: 999999 },
    });
    const refused = await admin.post(`/api/admin/failed-jobs/${goneReport}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/was deleted/);
    expect((await system.repos.failedJobs.findById(goneReport))?.retryWorkflowId).toBeNull();

    expect((await admin.post('/api/admin/failed-jobs/987654321/retry')).status).toBe(404);
    expect((await admin.get('/api/admin/failed-jobs/987654321')).status).toBe(404);
    const invalid = await admin.get("/api/admin/failed-jobs?errorType=x'%20OR%201=1&jobType=mail");
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['query.errorType', 'query.jobType']);
    expect((await admin.post('/api/admin/failed-jobs/retry', {})).status).toBe(400);
  });

  it('only admins reach the failed-job endpoints and the audit trail; agents and clients get 403 on every method', async () => {
    const entry = await system.repos.failedJobs.record({
      jobType: 'report',
      workflowId: 'report-888888',
      taskQueue: 'reports',
      errorType: 'ReportTooLarge',
      errorMessage: 'x',
      payload: {},
    });
    const endpoints = [
      { method: 'GET' as const, path: '/api/admin/failed-jobs' },
      { method: 'GET' as const, path: '/api/admin/failed-jobs/groups' },
      { method: 'GET' as const, path: `/api/admin/failed-jobs/${entry}` },
      { method: 'POST' as const, path: `/api/admin/failed-jobs/${entry}/retry` },
      { method: 'POST' as const, path: '/api/admin/failed-jobs/retry', body: { ids: [entry] } },
      { method: 'GET' as const, path: '/api/admin/audit' },
    ];
    const matrix = await statusMatrix(system.baseUrl, roleTokens(world), endpoints);
    expectForbiddenForNonAdmins(matrix);
    expect(matrix.admin).toMatchObject({
      'GET /api/admin/failed-jobs': 200,
      'GET /api/admin/failed-jobs/groups': 200,
      [`GET /api/admin/failed-jobs/${entry}`]: 200,
      [`POST /api/admin/failed-jobs/${entry}/retry`]: 409,
      'POST /api/admin/failed-jobs/retry': 202,
      'GET /api/admin/audit': 200,
      'DELETE /api/admin/failed-jobs (switched)': 405,
      [`GET /api/admin/failed-jobs/${entry}/retry (switched)`]: 405,
    });
    expect((await httpClient(system.baseUrl).get('/api/admin/failed-jobs')).status).toBe(401);
  });

  it('the audit trail lists every admin action of these tests: who, what, target, when', async () => {
    const audit = await admin.get(`/api/admin/audit?action=admin.failed_job_retried&userId=${world.admin.id}&limit=200`);
    expect(audit.status).toBe(200);
    const retried = audit.body.entries;
    // 1 single notification retry + 10 bulk + 1 cleanup + 1 report
    expect(retried).toHaveLength(13);
    for (const entry of retried) {
      expect(entry).toMatchObject({ userId: world.admin.id, action: 'admin.failed_job_retried', subjectType: 'failed_job' });
      expect(new Date(entry.createdAt).getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);
      expect(entry.properties.retryWorkflowId).toEqual(expect.any(String));
      // the target is the failed job that was retried: it links to the same retry workflow
      const target = await admin.get(`/api/admin/failed-jobs/${entry.subjectId}`);
      expect(target.status).toBe(200);
      expect(target.body.retry.workflowId).toBe(entry.properties.retryWorkflowId);
      expect(target.body.workflowId).toBe(entry.properties.failedWorkflowId);
    }
    expect(retried.filter((e: { properties: { via: string } }) => e.properties.via === 'bulk')).toHaveLength(10);
    const bulk = await admin.get(`/api/admin/audit?action=admin.failed_jobs_bulk_retried&userId=${world.admin.id}`);
    expect(bulk.body.entries.length).toBeGreaterThanOrEqual(4);

    const page1 = await admin.get('/api/admin/audit?limit=5');
    const page2 = await admin.get(`/api/admin/audit?limit=5&beforeId=${page1.body.nextBeforeId}`);
    expect(page2.body.entries[0].id).toBeLessThan(page1.body.entries[4].id);
  });
});
