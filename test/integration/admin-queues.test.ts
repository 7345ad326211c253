import { TASK_QUEUES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import type { TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { expectForbiddenForNonAdmins, statusMatrix } from './admin-helpers';
import {
  closedStatus,
  createTicketScene,
  sortedAddresses,
  startNotificationsHarness,
  type NotificationsHarness,
} from './notifications-helpers';
import type { SmtpReceiver } from './notifications-smtp-receiver';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('admin: queue pause, resume and graceful restart', () => {
  let system: TestSystem;
  let receiver: SmtpReceiver;
  let harness: NotificationsHarness;
  let world: World;
  let admin: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    harness = await startNotificationsHarness({ queues: [TASK_QUEUES.notifications], queueControl: true });
    ({ system, receiver } = harness);
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(system.baseUrl, world.tokens.admin);
  });
  afterAll(async () => {
    // other files share this database: never leave a queue paused behind
    for (const queue of Object.values(TASK_QUEUES)) await system?.repos.queueControls.setPaused(queue, false, null);
    await harness?.stop();
  });

  const mailsOf = (eventId: string) => receiver.mails.filter((m) => m.messageId.startsWith(`<event-${eventId}.`));

  async function postEvents(ticketId: number, actorId: number, count: number) {
    const posted = [];
    for (let i = 0; i < count; i++) {
      const response = await admin.post(`/api/tickets/${ticketId}/events`, { type: 'updated', actorId, changes: { status: { from: 'open', to: `step-${i}` } } });
      expect(response.status).toBe(202);
      posted.push(response.body as { eventId: string; workflowId: string });
    }
    return posted;
  }

  it('with the notifications queue paused, new events are accepted (202) but no mail leaves until resume; then every mail leaves once', async () => {
    const scene = await createTicketScene(system.repos);
    const paused = await admin.post('/api/admin/queues/notifications/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ queue: 'notifications', paused: true });
    await waitFor(async () => system.workerState('notifications') === 'paused', { what: 'the notifications worker to drain' });

    const events = await postEvents(scene.ticket.id, scene.assignee.id, 3);
    await sleep(2500);
    for (const event of events) {
      expect(mailsOf(event.eventId)).toHaveLength(0);
      expect((await system.jobs.describe(event.workflowId))?.status.name).toBe('RUNNING');
    }
    expect((await admin.get('/api/admin/queues')).body.queues).toContainEqual(expect.objectContaining({ queue: 'notifications', paused: true }));
    expect((await admin.get('/api/admin/overview')).body.queues).toContainEqual(expect.objectContaining({ queue: 'notifications', paused: true }));

    const resumed = await admin.post('/api/admin/queues/notifications/resume');
    expect(resumed.body).toMatchObject({ queue: 'notifications', paused: false });
    for (const event of events) expect(await closedStatus(system, event.workflowId)).toBe('COMPLETED');
    const expected = sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]);
    for (const event of events) expect(mailsOf(event.eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(expected);
  });

  it('a graceful restart with sends in flight drains, starts again and loses nothing', async () => {
    const scene = await createTicketScene(system.repos);
    receiver.setAcceptDelay(1500);
    try {
      const events = await postEvents(scene.ticket.id, scene.assignee.id, 2);
      await waitFor(async () => (receiver.rcptAttempts.get(scene.requester.email.toLowerCase()) ?? 0) > 0, { what: 'a send in flight' });
      const restart = await admin.post('/api/admin/queues/restart');
      expect(restart.status).toBe(202);
      expect(restart.body.queues.map((q: { queue: string }) => q.queue).sort()).toEqual(['default', 'notifications', 'reports']);
      await waitFor(async () => system.workerRestarts.notifications === 1, { what: 'the worker to restart', timeoutMs: 30_000 });
      for (const event of events) expect(await closedStatus(system, event.workflowId)).toBe('COMPLETED');
      const expected = sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]);
      for (const event of events) expect(mailsOf(event.eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(expected);
    } finally {
      receiver.setAcceptDelay(0);
    }
    // the relaunched worker serves new work
    const after = await postEvents(scene.ticket.id, scene.assignee.id, 1);
    expect(await closedStatus(system, after[0].workflowId)).toBe('COMPLETED');
  });

  it('only admins control queues; agents and clients get 403 on every method; a switched method is 405 (with Allow) for an admin', async () => {
    const endpoints = [
      { method: 'GET' as const, path: '/api/admin/queues' },
      { method: 'POST' as const, path: '/api/admin/queues/notifications/pause' },
      { method: 'POST' as const, path: '/api/admin/queues/notifications/resume' },
      { method: 'POST' as const, path: '/api/admin/queues/reports/restart' },
      { method: 'POST' as const, path: '/api/admin/queues/restart' },
    ];
    expectForbiddenForNonAdmins(await statusMatrix(system.baseUrl, { agent: world.tokens.agent, client: world.tokens.clientA }, endpoints));
    expect((await system.repos.queueControls.get('notifications')).paused).toBe(false);
    const switched = await admin.get('/api/admin/queues/notifications/pause');
    expect(switched.status).toBe(405);
    expect(switched.headers.get('allow')).toBe('POST');
    expect(switched.body.error.code).toBe('method_not_allowed');
    expect((await admin.delete('/api/admin/queues/restart')).status).toBe(405);
    expect((await admin.post('/api/admin/queues/mail/pause')).status).toBe(400);
    expect((await admin.get('/api/admin/queues')).status).toBe(200);
    // the one admin success not exercised above: a single queue's graceful restart
    const restart = await admin.post('/api/admin/queues/default/restart');
    expect(restart.status).toBe(202);
  });

  it('the audit trail lists the pause, resume and restart done above', async () => {
    const audit = await admin.get(`/api/admin/audit?userId=${world.admin.id}&limit=50`);
    const actions = audit.body.entries.map((e: { action: string; subjectId: string }) => `${e.action} ${e.subjectId}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'admin.queue_paused notifications',
        'admin.queue_resumed notifications',
        'admin.queue_restart_requested notifications',
        'admin.queue_restart_requested reports',
        'admin.queue_restart_requested default',
      ]),
    );
  });
});
