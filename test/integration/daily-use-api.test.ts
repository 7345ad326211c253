import { CLEANUP_SCHEDULE_ID, TASK_QUEUES } from '../../src/jobs/contract';
import { createUser, createWorld, uniqueSuffix, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { closedStatus, createTicketScene } from './notifications-helpers';

// the system as a newcomer runs it: no SMTP_URL, so mail goes to the outbox folder (which refuses fail.test)
describe('daily use: companies, the dev mailbox, failure detail, truthful counts, the cleanup schedule', () => {
  let system: TestSystem;
  let world: World;
  let admin: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    system = await startTestSystem({ queues: [TASK_QUEUES.notifications, TASK_QUEUES.default] });
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(system.baseUrl, world.tokens.admin);
  });
  afterAll(async () => {
    await system?.stop();
  });

  describe('GET /api/companies', () => {
    it('lists every company by name for staff, sorted by name', async () => {
      const answer = await admin.get('/api/companies');
      expect(answer.status).toBe(200);
      expect(answer.body.companies).toEqual(expect.arrayContaining([world.companyA, world.companyB]));
      const ids = answer.body.companies.map((c: { id: number }) => c.id);
      // "Company A …" before "Company B …"
      expect(ids.indexOf(world.companyA.id)).toBeLessThan(ids.indexOf(world.companyB.id));
      const agent = await httpClient(system.baseUrl, world.tokens.agent).get('/api/companies');
      expect(agent.body.companies).toEqual(expect.arrayContaining([world.companyA, world.companyB]));
    });

    it('shows a client only its own company', async () => {
      const answer = await httpClient(system.baseUrl, world.tokens.clientA).get('/api/companies');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ companies: [world.companyA] });
    });

    it('needs a sign-in', async () => {
      const answer = await httpClient(system.baseUrl).get('/api/companies');
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBeDefined();
    });
  });

  describe('a notification to a fail.test address, through the outbox', () => {
    let failedJobId: number;
    let bounceEmail: string;
    let sceneSubject: string;

    beforeAll(async () => {
      sceneSubject = `Dev mailbox ${uniqueSuffix()}`;
      const scene = await createTicketScene(system.repos, sceneSubject);
      const bounce = await createUser(system.repos, { role: 'agent', companyId: scene.companyId, email: `bounce-${uniqueSuffix()}@fail.test` });
      bounceEmail = bounce.email;
      await system.repos.tickets.addWatcher(scene.ticket.id, bounce.id);
      const posted = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
      expect(posted.status).toBe(202);
      expect(await closedStatus(system, posted.body.workflowId)).toBe('FAILED');
      [{ id: failedJobId }] = await system.repos.failedJobs.listByWorkflowId(posted.body.workflowId);
    }, 90_000);

    it('the failed job names the address that could not be served and the server reply, not a user id', async () => {
      const detail = await admin.get(`/api/admin/failed-jobs/${failedJobId}`);
      expect(detail.status).toBe(200);
      expect(detail.body.failedRecipients).toEqual([
        expect.objectContaining({ email: bounceEmail, errorType: 'SmtpPermanentFailure', reply: expect.stringContaining('550 5.1.1') }),
      ]);
      const list = await admin.get(`/api/admin/failed-jobs?jobType=notification&limit=100`);
      const listed = list.body.failedJobs.find((job: { id: number }) => job.id === failedJobId);
      expect(listed.failedRecipients[0]).toMatchObject({ email: bounceEmail, reply: expect.stringContaining(bounceEmail) });
    });

    it('the dev mailbox lists the mails that were delivered, with recipients, subject and HTML, newest first', async () => {
      const answer = await admin.get('/api/dev/mailbox');
      expect(answer.status).toBe(200);
      const mails = answer.body.mails as Array<{ to: string[]; subject: string; html: string; date: string }>;
      const ours = mails.filter((m) => m.subject.includes(sceneSubject));
      // requester, client watcher and agent watcher got theirs; the fail.test address did not
      expect(ours.length).toBeGreaterThanOrEqual(3);
      expect(ours.flatMap((m) => m.to)).not.toContain(bounceEmail);
      expect(ours[0].html).toContain('<');
      const dates = mails.map((m) => Date.parse(m.date));
      expect(dates).toEqual([...dates].sort((a, b) => b - a));
    });

    it('the dev mailbox is for admins only', async () => {
      expect((await httpClient(system.baseUrl, world.tokens.agent).get('/api/dev/mailbox')).status).toBe(403);
      expect((await httpClient(system.baseUrl).get('/api/dev/mailbox')).status).toBe(401);
    });

    it('"Failed (24 h)" comes with how many of those failures were since retried successfully', async () => {
      const before = (await admin.get('/api/admin/failed-jobs/groups')).body.last24h;
      const notificationsBefore = before.find((q: { taskQueue: string }) => q.taskQueue === TASK_QUEUES.notifications);
      expect(notificationsBefore.failed).toBeGreaterThanOrEqual(1);
      // the address is fixed, then the failure retried
      await system.db('users').where({ email: bounceEmail }).update({ email: bounceEmail.replace('@fail.test', '@fixed.test') });
      const retried = await admin.post(`/api/admin/failed-jobs/${failedJobId}/retry`);
      expect(retried.status).toBe(202);
      expect(await closedStatus(system, retried.body.retryWorkflowId)).toBe('COMPLETED');
      await admin.get(`/api/admin/failed-jobs/${failedJobId}`); // the detail refreshes the retry's outcome
      const after = (await admin.get('/api/admin/failed-jobs/groups')).body.last24h;
      const notificationsAfter = after.find((q: { taskQueue: string }) => q.taskQueue === TASK_QUEUES.notifications);
      expect(notificationsAfter.retriedOk).toBe(notificationsBefore.retriedOk + 1);
      expect(notificationsAfter.failed).toBe(notificationsBefore.failed);
    }, 90_000);
  });

  describe('the cleanup schedule', () => {
    beforeAll(async () => {
      await system.jobs.ensureCleanupSchedule({ cron: '30 4 * * *', catchupMinutes: 60 });
    });

    it('answers with the cron expression, time zone, paused flag and the next five run times', async () => {
      const answer = await admin.get('/api/admin/cleanup/schedule');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ scheduleId: CLEANUP_SCHEDULE_ID, cron: '30 4 * * *', timeZone: 'UTC', paused: false });
      expect(answer.body.nextRunTimes).toHaveLength(5);
      for (const time of answer.body.nextRunTimes as string[]) expect(time).toMatch(/T04:30:00(\.000)?Z$/);
      expect(answer.body).not.toHaveProperty('spec');
    });

    it('a trigger answers the workflow it started', async () => {
      const triggered = await admin.post('/api/admin/cleanup/schedule/trigger');
      expect(triggered.status).toBe(202);
      expect(triggered.body.startedWorkflowId).toMatch(/^cleanup-old-data-/);
      expect(await closedStatus(system, triggered.body.startedWorkflowId)).toBe('COMPLETED');
    }, 60_000);
  });
});

describe('failure groups of notifications: permanent refusals, temporary failures out of attempts, authentication and template errors apart', () => {
  let system: TestSystem;
  let world: World;
  let admin: ReturnType<typeof httpClient>;
  const errorType = 'NotificationDeliveryFailed';

  beforeAll(async () => {
    system = await startTestSystem({ queues: [TASK_QUEUES.notifications] });
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(system.baseUrl, world.tokens.admin);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('groups each delivery failure by how it failed, lists and retries each group on its own', async () => {
    const scene = await createTicketScene(system.repos, `Kinds ${uniqueSuffix()}`);
    const record = (i: number, recipients: string[]) =>
      system.repos.failedJobs.record({
        jobType: 'notification',
        workflowId: `kinds-${scene.ticket.id}-${i}`,
        runId: 'r1',
        taskQueue: TASK_QUEUES.notifications,
        errorType,
        errorMessage: 'e2e',
        payload: { input: { eventId: `e${i}`, ticketId: scene.ticket.id }, failedRecipients: recipients.map((type, n) => ({ userId: n + 1, errorType: type })) },
        ticketId: scene.ticket.id,
      });
    const permanent = [await record(1, ['SmtpPermanentFailure']), await record(2, ['SmtpPermanentFailure', 'SmtpTransientFailure'])];
    const temporary = [await record(3, ['SmtpTransientFailure'])];
    const auth = [await record(4, ['SmtpAuthFailure', 'SmtpPermanentFailure'])];
    const template = [await record(5, ['TemplateRenderError'])];
    const other = [await record(6, ['UnknownFailure'])];

    const groups = await admin.get(`/api/admin/failed-jobs/groups?ticketId=${scene.ticket.id}`);
    expect(groups.status).toBe(200);
    const counts = Object.fromEntries((groups.body.groups as Array<{ failureKind: string; count: number; errorType: string }>).map((g) => [g.failureKind, g.count]));
    expect(counts).toEqual({ smtp_permanent: 2, smtp_temporary: 1, smtp_auth: 1, template: 1, other: 1 });

    const expected: Record<string, number[]> = { smtp_permanent: permanent, smtp_temporary: temporary, smtp_auth: auth, template, other };
    for (const [kind, ids] of Object.entries(expected)) {
      const list = await admin.get(`/api/admin/failed-jobs?ticketId=${scene.ticket.id}&failureKind=${kind}`);
      expect({ kind, ids: list.body.failedJobs.map((j: { id: number }) => j.id).sort() }).toEqual({ kind, ids: [...ids].sort() });
    }
    expect((await admin.get('/api/admin/failed-jobs?failureKind=nonsense')).status).toBe(400);

    // a bulk retry of one kind touches that kind only (these entries cannot really run again: each is answered)
    const retried = await admin.post('/api/admin/failed-jobs/retry', { ticketId: scene.ticket.id, failureKind: 'smtp_temporary' });
    expect(retried.status).toBe(202);
    expect([...retried.body.started.map((s: { id: number }) => s.id), ...retried.body.skipped.map((s: { id: number }) => s.id)]).toEqual(temporary);
  });
});
