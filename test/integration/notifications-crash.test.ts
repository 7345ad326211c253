import type { ChildProcess } from 'node:child_process';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { spawnWorkerProcess } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene, startNotificationsHarness, type NotificationsHarness, type TicketScene } from './notifications-helpers';

const EVENTS = 20;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('the notifications worker killed with SIGKILL mid-flight', () => {
  let h: NotificationsHarness;
  let world: World;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // no in-process worker: the real worker entry runs as its own process
    h = await startNotificationsHarness({ worker: false });
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
    `over ${EVENTS} events, every recipient receives its mail after a restart; only a send the kill caught mid-flight can repeat`,
    async () => {
      const scenes: TicketScene[] = [];
      for (let i = 0; i < EVENTS; i++) scenes.push(await createTicketScene(h.system.repos));
      // a short hold keeps several sends in flight at the kill without widening the SMTP accept window much
      h.receiver.setAcceptDelay(20);

      const first = spawnWorkerProcess(TASK_QUEUES.notifications, h.system.env);
      children.push(first);
      const api = httpClient(h.system.baseUrl, world.tokens.admin);
      const started = await Promise.all(
        scenes.map(async (scene) => {
          const response = await api.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
          expect(response.status).toBe(202);
          return { scene, ...(response.body as { eventId: string; workflowId: string }) };
        }),
      );

      const expected = EVENTS * 3;
      await waitFor(async () => h.receiver.mails.length >= expected / 4, { timeoutMs: 60_000, what: 'some mails before the kill' });
      first.kill('SIGKILL');
      await exited(first);
      const deliveredBeforeKill = h.receiver.mails.length;
      expect(deliveredBeforeKill).toBeLessThan(expected);

      h.receiver.setAcceptDelay(0);
      const second = spawnWorkerProcess(TASK_QUEUES.notifications, h.system.env);
      children.push(second);
      for (const { workflowId } of started) expect(await closedStatus(h.system, workflowId, 150_000)).toBe('COMPLETED');

      const perMessage = new Map<string, number[]>();
      for (const mail of h.receiver.mails) {
        for (const to of mail.envelopeTo) {
          const key = `${mail.messageId} ${to}`;
          perMessage.set(key, [...(perMessage.get(key) ?? []), mail.acceptedAt]);
        }
      }
      const wanted = started.flatMap(({ scene, eventId }) =>
        [scene.requester, scene.clientWatcher, scene.agentWatcher].map(
          (user) => `<event-${eventId}.ticket-${scene.ticket.id}.user-${user.id}@helpdesk.test> ${user.email.toLowerCase()}`,
        ),
      );
      expect([...perMessage.keys()].sort()).toEqual(wanted.sort());
      // SMTP cannot be exactly-once across a crash: a message the server accepted in the instant the
      // worker died, before the ledger recorded it, is sent again (same Message-ID, which mail clients
      // deduplicate). The ledger knows which attempts the kill cut off: a repeat only ever comes from one
      // of those, and at most the sends in flight (the worker's activity slots) were cut off.
      const ledger = await h.system.db('notification_deliveries').whereIn('event_id', started.map((s) => s.eventId));
      expect(ledger.map((row) => row.status)).toEqual(Array(expected).fill('sent'));
      expect(ledger.filter((row) => row.in_flight_since !== null)).toEqual([]);
      const interrupted = new Set(ledger.filter((row) => Number(row.interrupted_attempts) > 0).map((row) => `${row.message_id} ${row.email}`));
      expect(interrupted.size).toBeLessThanOrEqual(h.system.config.workers.concurrency.notifications);
      const repeated = [...perMessage.entries()].filter(([, acceptedAt]) => acceptedAt.length > 1);
      for (const [key, acceptedAt] of repeated) {
        expect({ key, copies: acceptedAt.length, interrupted: interrupted.has(key) }).toEqual({ key, copies: 2, interrupted: true });
      }
      expect(h.receiver.mails).toHaveLength(expected + repeated.length);

      second.kill('SIGTERM');
      await exited(second);
    },
    240_000,
  );
});
