import type { ChildProcess } from 'node:child_process';
import { TASK_QUEUES, TICKET_UPDATES_QUERY, workflowIds, type TicketUpdatesState } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { spawnWorkerProcess } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene, startNotificationsHarness, type NotificationsHarness, type TicketScene } from './notifications-helpers';

const TICKETS = 10;
const UPDATES = 5;
// long enough that every ticket still holds its five events when the kill comes, on a loaded machine too
const WINDOW_SECONDS = 20;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('the notifications worker killed with SIGKILL while updated events are held for coalescing', () => {
  let h: NotificationsHarness;
  let world: World;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    h = await startNotificationsHarness({ worker: false, env: { NOTIFY_COALESCE_SECONDS: String(WINDOW_SECONDS) } });
    world = await createWorld(h.system.repos, h.system.auth);
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited(child);
      }
    }
    await h?.stop();
  });

  it(
    `over ${TICKETS} tickets with ${UPDATES} updated events each, no event answered 202 is lost and no mail is duplicated`,
    async () => {
      const scenes: TicketScene[] = [];
      for (let i = 0; i < TICKETS; i++) scenes.push(await createTicketScene(h.system.repos));
      const first = spawnWorkerProcess(TASK_QUEUES.notifications, h.system.env);
      children.push(first);

      const api = httpClient(h.system.baseUrl, world.tokens.admin);
      const posted = await Promise.all(
        scenes.map(async (scene) => {
          const eventIds: string[] = [];
          for (let n = 1; n <= UPDATES; n++) {
            const response = await api.post(`/api/tickets/${scene.ticket.id}/events`, {
              type: 'updated',
              actorId: scene.assignee.id,
              changes: { priority: { from: `p${n - 1}`, to: `p${n}` } },
            });
            expect(response.status).toBe(202);
            eventIds.push(response.body.eventId as string);
          }
          return { scene, eventIds };
        }),
      );

      // every ticket's workflow holds its five events (its window timer runs): now the worker dies
      await waitFor(
        async () => {
          for (const { scene } of posted) {
            const state = await h.system.jobs.client.workflow.getHandle(workflowIds.ticketUpdates(scene.ticket.id)).query<TicketUpdatesState>(TICKET_UPDATES_QUERY);
            if (state.held.length !== UPDATES) return false;
          }
          return true;
        },
        // the worker is a process of its own: on a loaded machine it may take most of a minute to start polling
        { timeoutMs: 120_000, what: 'every ticket workflow to hold its events' },
      );
      first.kill('SIGKILL');
      await exited(first);
      expect(h.receiver.mails).toHaveLength(0);

      const second = spawnWorkerProcess(TASK_QUEUES.notifications, h.system.env);
      children.push(second);
      for (const { scene, eventIds } of posted) {
        const digest = workflowIds.notification(scene.ticket.id, `digest-${eventIds[0]}`);
        await waitFor(async () => (await h.system.jobs.describe(digest)) !== undefined, { timeoutMs: 120_000, what: `the digest of ticket ${scene.ticket.id}` });
        expect(await closedStatus(h.system, digest, 120_000)).toBe('COMPLETED');
      }

      // one mail per recipient and ticket, listing all five changes in order
      for (const { scene, eventIds } of posted) {
        for (const user of [scene.requester, scene.clientWatcher, scene.agentWatcher]) {
          const mails = h.receiver.mailsTo(user.email);
          expect(mails.map((m) => m.messageId)).toEqual([`<event-digest-${eventIds[0]}.ticket-${scene.ticket.id}.user-${user.id}@helpdesk.test>`]);
          const text = (mails[0].parsed.text ?? '').replace(/\s+/g, ' ');
          const positions = [1, 2, 3, 4, 5].map((n) => text.indexOf(`priority p${n - 1} → p${n}`));
          expect(positions.every((p) => p >= 0)).toBe(true);
          expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        }
      }
      const allEventIds = posted.flatMap((p) => p.eventIds);
      const ledger = await h.system.db('notification_deliveries').whereIn('event_id', allEventIds);
      expect(ledger).toHaveLength(TICKETS * UPDATES * 3);
      expect(ledger.every((row) => row.status === 'sent')).toBe(true);
      expect(h.receiver.mails).toHaveLength(TICKETS * 3);

      second.kill('SIGTERM');
      await exited(second);
    },
    300_000,
  );
});
