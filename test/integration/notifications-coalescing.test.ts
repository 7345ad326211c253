import { TASK_QUEUES, TICKET_EVENT_SIGNAL, WORKFLOW_TYPES, workflowIds, type TicketNotificationInput, type TicketUpdatesInput } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene, startNotificationsHarness, type NotificationsHarness, type TicketScene } from './notifications-helpers';

// wide enough that the assertions made while events are held run inside the window on a loaded machine
const WINDOW_SECONDS = 8;

describe('coalescing quick successive updated events into one mail per recipient (NOTIFY_COALESCE_SECONDS)', () => {
  let h: NotificationsHarness;
  let world: World;

  beforeAll(async () => {
    h = await startNotificationsHarness({ env: { NOTIFY_COALESCE_SECONDS: String(WINDOW_SECONDS) } });
    world = await createWorld(h.system.repos, h.system.auth);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const api = () => httpClient(h.system.baseUrl, world.tokens.admin);

  async function post(scene: TicketScene, body: Record<string, unknown>) {
    const response = await api().post(`/api/tickets/${scene.ticket.id}/events`, body);
    expect(response.status).toBe(202);
    return response.body as { eventId: string; workflowId: string; runId: string };
  }

  const FIVE_UPDATES = [
    { status: { from: 'open', to: 'pending' } },
    { priority: { from: 'high', to: 'urgent' } },
    { status: { from: 'pending', to: 'open' } },
    { subject: { from: 'Printer on fire', to: 'Printer on fire (3rd floor)' } },
    { priority: { from: 'urgent', to: 'normal' } },
  ];

  it('five updated events within the window become one mail per recipient listing all five changes; a closed event in the same window goes out at once', async () => {
    const scene = await createTicketScene(h.system.repos);
    const posted: Array<{ eventId: string; workflowId: string; runId: string }> = [];
    for (const changes of FIVE_UPDATES) posted.push(await post(scene, { type: 'updated', actorId: scene.assignee.id, changes }));
    // all five went to the ticket's one workflow, each keeping its own id
    expect(new Set(posted.map((p) => p.workflowId))).toEqual(new Set([workflowIds.ticketUpdates(scene.ticket.id)]));
    expect(new Set(posted.map((p) => p.eventId)).size).toBe(5);

    const held = await api().get(`/api/tickets/${scene.ticket.id}/events/${posted[2].eventId}`);
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ status: 'HELD', coalescing: { workflowId: workflowIds.ticketUpdates(scene.ticket.id), sendsAt: expect.any(String) } });

    const closed = await post(scene, { type: 'closed', actorId: scene.assignee.id });
    expect(closed.workflowId).toBe(workflowIds.notification(scene.ticket.id, closed.eventId));
    expect(await closedStatus(h.system, closed.workflowId)).toBe('COMPLETED');
    // the closed mail is out while the updates are still held
    const recipients = [scene.requester, scene.clientWatcher, scene.agentWatcher];
    for (const user of recipients) expect(h.receiver.mailsTo(user.email).map((m) => m.subject)).toEqual([expect.stringContaining('closed')]);

    const digestWorkflowId = workflowIds.notification(scene.ticket.id, `digest-${posted[0].eventId}`);
    await waitFor(async () => (await h.system.jobs.describe(digestWorkflowId)) !== undefined, { what: 'the window to close' });
    expect(await closedStatus(h.system, digestWorkflowId)).toBe('COMPLETED');
    for (const user of recipients) {
      const mails = h.receiver.mailsTo(user.email).filter((m) => m.messageId.includes(`digest-${posted[0].eventId}`));
      expect(mails).toHaveLength(1);
      const text = mails[0].parsed.text ?? '';
      expect(text).toContain('5 changes, in order');
      // first `from` to last `to` per field
      expect(text).toMatch(/status: open → open|status:\s+open\s+→\s+open/);
      expect(text).toMatch(/priority:\s+high\s+→\s+normal/);
      const order = ['status open → pending', 'priority high → urgent', 'status pending → open', 'subject Printer on fire → Printer on fire (3rd floor)', 'priority urgent → normal'];
      const positions = order.map((line) => text.replace(/\s+/g, ' ').indexOf(line));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    }
    // the actor is never mailed about their own changes
    expect(h.receiver.mailsTo(scene.assignee.email)).toEqual([]);

    // each event's status says which mail it went out in
    for (const event of posted) {
      const status = await api().get(`/api/tickets/${scene.ticket.id}/events/${event.eventId}`);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ status: 'COMPLETED', mail: { digestId: `digest-${posted[0].eventId}`, workflowId: digestWorkflowId } });
      expect(status.body.deliveries).toHaveLength(3);
      for (const d of status.body.deliveries) expect(d).toMatchObject({ status: 'sent', messageId: expect.stringContaining(`<event-digest-${posted[0].eventId}.ticket-${scene.ticket.id}.`) });
    }
  }, 90_000);

  it('an updated event posted twice (same Idempotency-Key) is listed once; events after the window go into the next mail', async () => {
    const scene = await createTicketScene(h.system.repos);
    const first = await post(scene, { type: 'updated', actorId: scene.assignee.id, eventId: `dup-${scene.ticket.id}`, changes: FIVE_UPDATES[0] });
    await post(scene, { type: 'updated', actorId: scene.assignee.id, eventId: `dup-${scene.ticket.id}`, changes: FIVE_UPDATES[0] });
    const firstDigest = workflowIds.notification(scene.ticket.id, `digest-${first.eventId}`);
    await waitFor(async () => (await h.system.jobs.describe(firstDigest)) !== undefined, { what: 'the first window to close' });
    expect(await closedStatus(h.system, firstDigest)).toBe('COMPLETED');
    const later = await post(scene, { type: 'updated', actorId: scene.assignee.id, changes: FIVE_UPDATES[1] });
    const secondDigest = workflowIds.notification(scene.ticket.id, `digest-${later.eventId}`);
    await waitFor(async () => (await h.system.jobs.describe(secondDigest)) !== undefined, { what: 'the second window to close' });
    expect(await closedStatus(h.system, secondDigest)).toBe('COMPLETED');
    const mails = h.receiver.mailsTo(scene.requester.email);
    expect(mails).toHaveLength(2);
    expect(mails[0].parsed.text).not.toContain('changes, in order');
    expect(mails[0].parsed.text).toMatch(/status:\s+open\s+→\s+pending/);
  }, 90_000);

  it('a per-ticket workflow past its history bound continues as new, carrying what it holds; events before and after are all mailed', async () => {
    const scene = await createTicketScene(h.system.repos);
    const workflowId = workflowIds.ticketUpdates(scene.ticket.id);
    const event = (n: number): TicketNotificationInput => ({
      eventId: `can-${scene.ticket.id}-${n}`,
      type: 'updated',
      ticketId: scene.ticket.id,
      actorId: scene.assignee.id,
      occurredAt: new Date().toISOString(),
      changes: { priority: { from: `p${n - 1}`, to: `p${n}` } },
    });
    const signal = (n: number) =>
      h.system.jobs.client.workflow.signalWithStart(WORKFLOW_TYPES.ticketUpdates, {
        workflowId,
        taskQueue: TASK_QUEUES.notifications,
        args: [{ ticketId: scene.ticket.id, coalesceSeconds: 1, maxHistoryEvents: 5 } satisfies TicketUpdatesInput],
        signal: TICKET_EVENT_SIGNAL,
        signalArgs: [event(n)],
      });
    const firstRun = (await signal(1)).signaledRunId;
    const firstDigest = workflowIds.notification(scene.ticket.id, `digest-${event(1).eventId}`);
    await waitFor(async () => (await h.system.jobs.describe(firstDigest)) !== undefined, { what: 'the first digest' });
    await waitFor(async () => (await h.system.jobs.describe(workflowId))?.runId !== firstRun, { what: 'continue-as-new' });
    const history = await h.system.jobs.client.workflow.getHandle(workflowId, firstRun).fetchHistory();
    expect(history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

    await signal(2);
    const secondDigest = workflowIds.notification(scene.ticket.id, `digest-${event(2).eventId}`);
    await waitFor(async () => (await h.system.jobs.describe(secondDigest)) !== undefined, { what: 'the second digest' });
    for (const id of [firstDigest, secondDigest]) expect(await closedStatus(h.system, id)).toBe('COMPLETED');
    expect(h.receiver.mailsTo(scene.requester.email)).toHaveLength(2);
  }, 90_000);
});

