import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene, startNotificationsHarness, type NotificationsHarness } from './notifications-helpers';

interface Detail {
  status: string;
  jobType: string;
  taskQueue: string;
  steps: Array<{ step: string; status: string; attempts: number; durationMs: number | null; error: { type: string; stack: string | null } | null }>;
  pending: Array<{ step: string; attempt: number; maximumAttempts: number | null; nextAttemptAt: string | null; live: string; lastError: { type: string } | null }>;
  lastError: { type: string | null; message: string; stack: string | null } | null;
  temporalUi: string;
}

describe('GET /api/admin/jobs/:workflowId/detail: a job inside the Jobs page', () => {
  let h: NotificationsHarness;
  let world: World;

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => h.receiver.setRule(undefined));

  const admin = () => httpClient(h.system.baseUrl, world.tokens.admin);
  const post = async (ticketId: number, actorId: number) => {
    const response = await admin().post(`/api/tickets/${ticketId}/events`, { type: 'closed', actorId });
    expect(response.status).toBe(202);
    return response.body.workflowId as string;
  };

  it('shows a retrying send live ("retrying, attempt 2 of 4, next try in N s"), then each step with attempts and durations', async () => {
    const scene = await createTicketScene(h.system.repos);
    const greylisted = scene.requester.email.toLowerCase();
    h.receiver.setRule((address, attempt) => (address === greylisted && attempt === 1 ? { code: 451, message: 'Greylisted, try later' } : undefined));
    const workflowId = await post(scene.ticket.id, scene.assignee.id);

    const live = await waitFor(async () => {
      const response = await admin().get(`/api/admin/jobs/${workflowId}/detail`);
      const detail = response.body as Detail;
      return detail.pending?.find((p) => p.attempt === 2) ? detail : undefined;
    }, { what: 'the send to wait for its second attempt' });
    expect(live.status).toBe('RUNNING');
    const retrying = live.pending.find((p) => p.attempt === 2)!;
    expect(retrying).toMatchObject({ step: 'sendTicketNotification', maximumAttempts: 4, lastError: { type: 'SmtpTransientFailure' } });
    expect(retrying.live).toMatch(/^retrying, attempt 2 of 4, next try in \d+ s$/);
    expect(Date.parse(retrying.nextAttemptAt!)).toBeGreaterThan(Date.now() - 1000);

    expect(await closedStatus(h.system, workflowId, 60_000)).toBe('COMPLETED');
    const done = (await admin().get(`/api/admin/jobs/${workflowId}/detail`)).body as Detail;
    expect(done).toMatchObject({ status: 'COMPLETED', jobType: 'notification', taskQueue: 'notifications', pending: [] });
    // the recipient lookup is a local activity (a marker in the history, not a scheduled task): still a step, first
    expect(done.steps[0]).toMatchObject({ step: 'resolveNotificationRecipients', status: 'completed', attempts: 1, error: null });
    const sends = done.steps.filter((s) => s.step === 'sendTicketNotification');
    expect(sends.map((s) => [s.status, s.attempts]).sort()).toEqual([['completed', 1], ['completed', 1], ['completed', 2]]);
    for (const step of done.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
    expect(done.temporalUi).toContain(encodeURIComponent(workflowId));
    expect(JSON.stringify(done)).not.toMatch(/<html|It smokes/);
  }, 90_000);

  it('shows the last error of a failed job with its stack, answers 404 for an unknown job and 403 without view_horizon', async () => {
    const scene = await createTicketScene(h.system.repos);
    const refused = scene.clientWatcher.email.toLowerCase();
    h.receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
    const workflowId = await post(scene.ticket.id, scene.assignee.id);
    expect(await closedStatus(h.system, workflowId)).toBe('FAILED');
    const detail = (await admin().get(`/api/admin/jobs/${workflowId}/detail`)).body as Detail;
    expect(detail.lastError).toMatchObject({ type: 'NotificationDeliveryFailed' });
    const failedSend = detail.steps.find((s) => s.status === 'failed')!;
    expect(failedSend).toMatchObject({ step: 'sendTicketNotification', attempts: 1, error: { type: 'SmtpPermanentFailure' } });
    expect(failedSend.error!.stack).toMatch(/\n\s+at /);

    expect((await admin().get('/api/admin/jobs/no-such-job/detail')).status).toBe(404);
    expect((await httpClient(h.system.baseUrl, world.tokens.agent).get(`/api/admin/jobs/${workflowId}/detail`)).status).toBe(403);
  }, 60_000);

  it('shows a recipient lookup (a local activity) that failed as a failed step with its error, and as the last error', async () => {
    const input = { eventId: `gone-${Date.now()}`, type: 'closed' as const, ticketId: 987_655, actorId: world.admin.id, occurredAt: new Date().toISOString() };
    const { workflowId } = await h.system.jobs.startTicketNotification(input, { companyId: world.companyA.id, requestedBy: world.admin.id });
    expect(await closedStatus(h.system, workflowId)).toBe('FAILED');
    const detail = (await admin().get(`/api/admin/jobs/${workflowId}/detail`)).body as Detail;
    expect(detail.steps[0]).toMatchObject({ step: 'resolveNotificationRecipients', status: 'failed', attempts: 1, error: { type: 'TicketNotFound' } });
    expect(detail.steps.map((s) => s.step)).toEqual(['resolveNotificationRecipients', 'recordNotificationFailure']);
    expect(detail.lastError).toMatchObject({ type: 'TicketNotFound' });
  }, 60_000);
});
