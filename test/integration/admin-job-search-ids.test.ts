import { TASK_QUEUES } from '../../src/jobs/contract';
import { buildJobQuery } from '../../src/admin/job-query';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene, type TicketScene } from './notifications-helpers';

type Job = { workflowId: string; status: string };

describe('admin job search by workflow id, ticket event id, error type and end time', () => {
  let system: TestSystem;
  let world: World;
  let admin: ReturnType<typeof httpClient>;
  let scene: TicketScene;
  let before: Date;
  let eventId: string;
  let eventWorkflowId: string;
  let otherWorkflowId: string;
  let missingTicket: number;
  let goneEventId: string;
  let ticketGone: { workflowId: string; failedJobId: number };
  let actorGone: string;
  let retryWorkflowId: string;

  beforeAll(async () => {
    system = await startTestSystem({ queues: [TASK_QUEUES.notifications] });
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(system.baseUrl, world.tokens.admin);
    scene = await createTicketScene(system.repos);
    before = new Date(Date.now() - 1000);
    eventId = `evt-search-${Date.now()}`;
    const posted = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id, eventId });
    expect(posted.status).toBe(202);
    eventWorkflowId = posted.body.workflowId;
    const other = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'assigned', actorId: scene.assignee.id });
    otherWorkflowId = other.body.workflowId;
    // two dead letters of two error types: a ticket that does not exist, an actor that does not exist
    missingTicket = 900_000 + scene.ticket.id;
    goneEventId = `gone-${Date.now()}`;
    const tags = { companyId: scene.companyId, requestedBy: world.admin.id };
    const gone = await system.jobs.startTicketNotification(
      { eventId: goneEventId, type: 'closed', ticketId: missingTicket, actorId: scene.assignee.id, occurredAt: new Date().toISOString() },
      tags,
    );
    const noActor = await system.jobs.startTicketNotification(
      { eventId: `no-actor-${Date.now()}`, type: 'closed', ticketId: scene.ticket.id, actorId: 2_000_000_000, occurredAt: new Date().toISOString() },
      tags,
    );
    actorGone = noActor.workflowId;
    expect(await closedStatus(system, eventWorkflowId)).toBe('COMPLETED');
    expect(await closedStatus(system, otherWorkflowId)).toBe('COMPLETED');
    expect(await closedStatus(system, gone.workflowId)).toBe('FAILED');
    expect(await closedStatus(system, actorGone)).toBe('FAILED');
    const entry = await waitFor(async () => (await system.repos.failedJobs.listByWorkflowId(gone.workflowId))[0], { what: 'the dead letter' });
    expect(entry.errorType).toBe('TicketNotFound');
    ticketGone = { workflowId: gone.workflowId, failedJobId: entry.id };
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  /** Visibility is eventually consistent: poll until the search answers the expected workflow ids. */
  async function searchUntil(query: string, expected: (ids: string[]) => boolean, what: string): Promise<Job[]> {
    return waitFor(
      async () => {
        const response = await admin.get(`/api/admin/jobs?${query}`);
        expect(response.status).toBe(200);
        const jobs = response.body.jobs as Job[];
        return expected(jobs.map((j) => j.workflowId)) ? jobs : undefined;
      },
      { what: `${what} for ${query}`, timeoutMs: 20_000 },
    );
  }

  it('a workflow id finds exactly that job', async () => {
    const jobs = await searchUntil(`workflowId=${encodeURIComponent(eventWorkflowId)}`, (ids) => ids.length === 1, 'one job');
    expect(jobs).toEqual([expect.objectContaining({ workflowId: eventWorkflowId, status: 'COMPLETED' })]);
    await searchUntil('workflowId=no-such-workflow', (ids) => ids.length === 0, 'no job');
  });

  it("an event id with its ticket finds the event's workflow, and its dead-letter retry too", async () => {
    const jobs = await searchUntil(`ticketId=${scene.ticket.id}&eventId=${eventId}`, (ids) => ids.length === 1, 'one job');
    expect(jobs.map((j) => j.workflowId)).toEqual([eventWorkflowId]);
    // the same event id on another ticket is another event
    await searchUntil(`ticketId=${missingTicket}&eventId=${eventId}`, (ids) => ids.length === 0, 'no job');

    const retried = await admin.post(`/api/admin/failed-jobs/${ticketGone.failedJobId}/retry`);
    expect(retried.status).toBe(202);
    const both = await searchUntil(`ticketId=${missingTicket}&eventId=${goneEventId}`, (ids) => ids.length === 2, 'the failed run and its retry');
    expect(both.map((j) => j.workflowId).sort()).toEqual([ticketGone.workflowId, retried.body.retryWorkflowId].sort());
    retryWorkflowId = retried.body.retryWorkflowId;
  });

  it('an error type finds the failed runs the dead-letter list holds with that type, and only those', async () => {
    const jobs = await searchUntil('errorType=TicketNotFound&pageSize=100', (ids) => ids.includes(ticketGone.workflowId), 'the TicketNotFound run');
    expect(jobs.map((j) => j.workflowId)).not.toContain(actorGone);
    expect(jobs.map((j) => j.workflowId)).not.toContain(eventWorkflowId);
    for (const job of jobs) expect((await system.repos.failedJobs.listByWorkflowId(job.workflowId)).map((e) => e.errorType)).toContain('TicketNotFound');
    const byActor = await searchUntil(`errorType=ActorNotFound&ticketId=${scene.ticket.id}`, (ids) => ids.length === 1, 'the ActorNotFound run');
    expect(byActor).toEqual([expect.objectContaining({ workflowId: actorGone, status: 'FAILED' })]);
    // a type no dead letter has matches nothing (and is still a valid search)
    const none = await admin.get('/api/admin/jobs?errorType=NoSuchErrorType');
    expect(none.status).toBe(200);
    expect(none.body.jobs).toEqual([]);
  });

  it('the pages of an error-type search keep reading the same dead letters while new failures of that type arrive', async () => {
    // the retry fails again (the ticket is still missing): two TicketNotFound runs of this ticket
    await waitFor(async () => (await system.repos.failedJobs.listByWorkflowId(retryWorkflowId)).length === 1, { what: "the retry's dead letter" });
    const query = `errorType=TicketNotFound&ticketId=${missingTicket}&pageSize=1`;
    await searchUntil(`errorType=TicketNotFound&ticketId=${missingTicket}`, (ids) => ids.length === 2, 'both runs');
    const first = await admin.get(`/api/admin/jobs?${query}`);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    await system.repos.failedJobs.record({
      jobType: 'notification',
      workflowId: `ticket-${missingTicket}-event-later`,
      runId: '0198c0de-0000-7000-8000-0000000000ff',
      taskQueue: TASK_QUEUES.notifications,
      errorType: 'TicketNotFound',
      errorMessage: 'a failure recorded between two pages',
      payload: {},
    });
    const second = await admin.get(`/api/admin/jobs?${query}&nextPageToken=${encodeURIComponent(first.body.nextPageToken)}`);
    expect(second.status).toBe(200);
    expect([...first.body.jobs, ...second.body.jobs].map((j: Job) => j.workflowId).sort()).toEqual([ticketGone.workflowId, retryWorkflowId].sort());
  });

  it('the end-time range and the chart filters (type, queue, status) list the jobs that ended in it', async () => {
    const after = new Date(Date.now() + 1000);
    const range = `closedFrom=${encodeURIComponent(before.toISOString())}&closedTo=${encodeURIComponent(after.toISOString())}`;
    const failed = await searchUntil(
      `type=notification&queue=notifications&status=Failed&companyId=${scene.companyId}&${range}`,
      (ids) => ids.includes(ticketGone.workflowId) && ids.includes(actorGone),
      'the failed runs',
    );
    expect(failed.every((j) => j.status === 'FAILED')).toBe(true);
    const all = await searchUntil(`companyId=${scene.companyId}&${range}&pageSize=100`, (ids) => ids.includes(eventWorkflowId) && ids.includes(otherWorkflowId), 'every run');
    expect(all.length).toBeGreaterThanOrEqual(4);
    const earlier = encodeURIComponent(new Date(before.getTime() - 3_600_000).toISOString());
    await searchUntil(`companyId=${scene.companyId}&closedFrom=${earlier}&closedTo=${encodeURIComponent(before.toISOString())}`, (ids) => ids.length === 0, 'nothing');
  });

  it('refuses bad values field by field, and never puts caller text into the visibility query', async () => {
    const bad = await admin.get("/api/admin/jobs?workflowId=x'%20OR%20'1'='1&eventId=a%20b&errorType=Ticket'NotFound&closedFrom=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['query.closedFrom', 'query.errorType', 'query.eventId', 'query.workflowId']);
    const noTicket = await admin.get('/api/admin/jobs?eventId=evt-1');
    expect(noTicket.status).toBe(400);
    expect(noTicket.body.error.details).toEqual([{ field: 'query.eventId', message: 'needs ticketId: event ids are scoped to their ticket' }]);
    const reversed = await admin.get(`/api/admin/jobs?closedFrom=2026-01-02T00:00:00Z&closedTo=2026-01-01T00:00:00Z`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details.map((d: { field: string }) => d.field)).toEqual(['query.closedFrom']);

    expect(
      buildJobQuery({
        ticketId: 4,
        eventId: 'e1',
        workflowId: 'report-9',
        closedFrom: new Date('2026-01-01T10:00:00Z'),
        closedTo: new Date('2026-01-01T10:00:59.999Z'),
        deadLetters: [
          { workflowId: 'ticket-4-event-e1', runId: '0198c0de-0000-7000-8000-000000000001' },
          { workflowId: 'report-9', runId: null },
        ],
      }),
    ).toBe(
      "TicketId = 4 AND CloseTime >= '2026-01-01T10:00:00.000Z' AND CloseTime <= '2026-01-01T10:00:59.999Z' AND WorkflowId = 'report-9'" +
        " AND (WorkflowId = 'ticket-4-event-e1' OR WorkflowId STARTS_WITH 'ticket-4-event-e1-retry-')" +
        " AND (RunId IN ('0198c0de-0000-7000-8000-000000000001') OR WorkflowId IN ('report-9'))",
    );
    expect(() => buildJobQuery({ workflowId: "x' OR '1'='1" })).toThrow('invalid job search value');
    // a stored id no workflow could have is left out rather than quoted
    expect(buildJobQuery({ deadLetters: [{ workflowId: "x'", runId: null }, { workflowId: 'report-1', runId: "r') OR ('1" }] })).toBe("WorkflowId = ''");
    expect(buildJobQuery({ deadLetters: [] })).toBe("WorkflowId = ''");
  });
});
