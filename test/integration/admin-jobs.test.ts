import { TASK_QUEUES } from '../../src/jobs/contract';
import { buildJobQuery } from '../../src/admin/job-query';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { expectForbiddenForNonAdmins, roleTokens, statusMatrix } from './admin-helpers';
import { closedStatus, createTicketScene, type TicketScene } from './notifications-helpers';

describe('admin: job overview and search', () => {
  let system: TestSystem;
  let world: World;
  let admin: ReturnType<typeof httpClient>;
  let scene: TicketScene;
  let completed: string[];
  let failedWorkflowId: string;

  beforeAll(async () => {
    system = await startTestSystem({ queues: [TASK_QUEUES.notifications] });
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(system.baseUrl, world.tokens.admin);
    scene = await createTicketScene(system.repos);
    completed = [];
    for (const type of ['updated', 'assigned', 'closed']) {
      const posted = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type, actorId: scene.assignee.id });
      expect(posted.status).toBe(202);
      completed.push(posted.body.workflowId);
    }
    // a ticket id no ticket has: the workflow fails at once, tagged with the scene's company
    const missingTicket = 900_000 + scene.ticket.id;
    const failed = await system.jobs.startTicketNotification(
      { eventId: `gone-${Date.now()}`, type: 'closed', ticketId: missingTicket, actorId: scene.assignee.id, occurredAt: new Date().toISOString() },
      { companyId: scene.companyId, requestedBy: world.admin.id },
    );
    failedWorkflowId = failed.workflowId;
    for (const id of completed) expect(await closedStatus(system, id)).toBe('COMPLETED');
    expect(await closedStatus(system, failedWorkflowId)).toBe('FAILED');
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
  });

  /** Visibility is eventually consistent: poll until the search returns the expected number of jobs. */
  async function searchUntil(query: string, count: number) {
    return waitFor(
      async () => {
        const response = await admin.get(`/api/admin/jobs?${query}`);
        expect(response.status).toBe(200);
        return response.body.jobs.length === count ? response.body : undefined;
      },
      { what: `${count} jobs for ${query}`, timeoutMs: 20_000 },
    );
  }

  it('searches by type, status, queue, ticket, company and time range, paged with a token', async () => {
    const byTicket = await searchUntil(`type=notification&ticketId=${scene.ticket.id}`, 3);
    expect(byTicket.jobs.map((j: { workflowId: string }) => j.workflowId).sort()).toEqual([...completed].sort());
    expect(byTicket.jobs[0]).toMatchObject({
      type: 'ticketNotificationWorkflow',
      taskQueue: 'notifications',
      status: 'COMPLETED',
      tags: { JobType: 'notification', TicketId: scene.ticket.id, CompanyId: scene.companyId, RequestedBy: world.admin.id },
    });
    expect(byTicket.temporalUi).toContain(encodeURIComponent(`TicketId = ${scene.ticket.id}`));

    const failed = await searchUntil(`status=failed&companyId=${scene.companyId}`, 1);
    expect(failed.jobs[0].workflowId).toBe(failedWorkflowId);
    await searchUntil(`status=Completed&queue=notifications&companyId=${scene.companyId}`, 3);
    const from = encodeURIComponent(new Date(Date.now() - 10 * 60_000).toISOString());
    await searchUntil(`companyId=${scene.companyId}&from=${from}`, 4);
    const past = encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString());
    await searchUntil(`companyId=${scene.companyId}&to=${past}`, 0);

    const page1 = await admin.get(`/api/admin/jobs?companyId=${scene.companyId}&pageSize=3`);
    expect(page1.body.jobs).toHaveLength(3);
    expect(page1.body.nextPageToken).toEqual(expect.any(String));
    const page2 = await admin.get(`/api/admin/jobs?companyId=${scene.companyId}&pageSize=3&nextPageToken=${encodeURIComponent(page1.body.nextPageToken)}`);
    expect(page2.status).toBe(200);
    const ids = [...page1.body.jobs, ...page2.body.jobs].map((j: { workflowId: string }) => j.workflowId);
    expect(new Set(ids).size).toBe(4);
    expect(ids.sort()).toEqual([...completed, failedWorkflowId].sort());
  });

  it('refuses anything that is not a known value instead of passing it into the visibility query', async () => {
    const bad = await admin.get("/api/admin/jobs?status=Running'%20OR%20'1'='1&ticketId=1%20OR%201=1&type=x&queue=other&from=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(
      ['query.from', 'query.queue', 'query.status', 'query.ticketId', 'query.type'].sort(),
    );
    expect((await admin.get('/api/admin/jobs?WorkflowId=x')).status).toBe(400);
    expect((await admin.get('/api/admin/jobs?nextPageToken=bm90LWEtdG9rZW4=')).status).toBe(400);
    const page = await admin.get(`/api/admin/jobs?companyId=${scene.companyId}&pageSize=1`);
    const reused = await admin.get(`/api/admin/jobs?companyId=${world.companyB.id}&pageSize=1&nextPageToken=${encodeURIComponent(page.body.nextPageToken)}`);
    expect(reused.status).toBe(400);
    expect(buildJobQuery({ type: 'report', status: 'Running', queue: 'reports', ticketId: 4, companyId: 2, from: new Date('2024-01-01T00:00:00Z') })).toBe(
      "JobType = 'report' AND ExecutionStatus = 'Running' AND TaskQueue = 'reports' AND TicketId = 4 AND CompanyId = 2 AND StartTime >= '2024-01-01T00:00:00.000Z'",
    );
  });

  it('a job shows its status, attempts, last failure and a result summary', async () => {
    const ok = await admin.get(`/api/admin/jobs/${completed[2]}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      workflowId: completed[2],
      status: 'COMPLETED',
      attempts: { resolveNotificationRecipients: { maxAttempt: 1 }, sendTicketNotification: { maxAttempt: 1 } },
      lastFailure: null,
      result: { ticketId: scene.ticket.id, recipients: 3, byStatus: { sent: 3 } },
    });
    expect(ok.body.temporalUi).toContain(`/workflows/${completed[2]}`);

    const failed = await admin.get(`/api/admin/jobs/${failedWorkflowId}`);
    expect(failed.body).toMatchObject({ status: 'FAILED', result: null, attempts: { resolveNotificationRecipients: { maxAttempt: 1, failed: 1 } } });
    expect(failed.body.lastFailure.type ?? failed.body.lastFailure.cause?.type).toBe('TicketNotFound');
    expect((await admin.get('/api/admin/jobs/ticket-1-event-does-not-exist')).status).toBe(404);
  });

  it('the overview lists each queue with its workers, backlog, running and 24 h counts, and Temporal UI links', async () => {
    const response = await admin.get('/api/admin/overview');
    expect(response.status).toBe(200);
    expect(response.body.queues.map((q: { queue: string }) => q.queue).sort()).toEqual(['default', 'notifications', 'reports']);
    const notifications = response.body.queues.find((q: { queue: string }) => q.queue === 'notifications');
    expect(notifications.workers.length).toBeGreaterThanOrEqual(1);
    expect(notifications.backlog).toMatchObject({ approximate: false, workflowTasks: 0, activityTasks: 0 });
    expect(notifications.running).toEqual(expect.any(Number));
    expect(notifications.last24h.completed).toBeGreaterThanOrEqual(3);
    expect(notifications.last24h.failed).toBeGreaterThanOrEqual(1);
    expect(notifications.temporalUi.failed).toBe(
      `${system.config.temporal.uiUrl}/namespaces/${system.config.temporal.namespace}/workflows?query=${encodeURIComponent("TaskQueue = 'notifications' AND ExecutionStatus = 'Failed'")}`,
    );
  });

  it('only view_horizon holders reach the overview and the job search; agents and clients get 403 on every method', async () => {
    const matrix = await statusMatrix(system.baseUrl, roleTokens(world), [
      { method: 'GET', path: '/api/admin/overview' },
      { method: 'GET', path: '/api/admin/jobs' },
      { method: 'GET', path: `/api/admin/jobs/${completed[0]}` },
    ]);
    expectForbiddenForNonAdmins(matrix);
    expect(matrix.admin).toMatchObject({
      'GET /api/admin/overview': 200,
      'GET /api/admin/jobs': 200,
      [`GET /api/admin/jobs/${completed[0]}`]: 200,
      'POST /api/admin/overview (switched)': 405,
      'DELETE /api/admin/jobs (switched)': 405,
    });
  });
});
