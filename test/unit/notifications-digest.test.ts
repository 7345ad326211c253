import { mergeChanges } from '../../src/jobs/contract';
import { composeNotificationMail } from '../../src/notifications/compose';
import { digestInput } from '../../workflows/ticket-updates';

describe('coalesced (digest) notification mails', () => {
  it('merges changes per field from the first `from` to the last `to`, keeping fields only changed once', () => {
    expect(
      mergeChanges([
        { changes: { status: { from: 'open', to: 'pending' } } },
        { changes: { priority: { from: 'low', to: 'high' }, status: { from: 'pending', to: 'resolved' } } },
        {},
        { changes: { status: { from: 'resolved', to: 'open' } } },
      ]),
    ).toEqual({ status: { from: 'open', to: 'open' }, priority: { from: 'low', to: 'high' } });
  });

  it('a batch becomes one digest input named after its first event, with every event in arrival order and the last actor', () => {
    const base = { type: 'updated' as const, ticketId: 42, redeliverForHours: 24 };
    const input = digestInput([
      { ...base, eventId: 'e1', actorId: 3, occurredAt: '2026-01-05T09:00:00.000Z', changes: { status: { from: 'open', to: 'pending' } } },
      { ...base, eventId: 'e2', actorId: 4, occurredAt: '2026-01-05T09:00:20.000Z' },
    ]);
    expect(input).toEqual({
      eventId: 'digest-e1',
      type: 'updated',
      ticketId: 42,
      actorId: 4,
      occurredAt: '2026-01-05T09:00:20.000Z',
      redeliverForHours: 24,
      digest: [
        { eventId: 'e1', actorId: 3, occurredAt: '2026-01-05T09:00:00.000Z', changes: { status: { from: 'open', to: 'pending' } } },
        { eventId: 'e2', actorId: 4, occurredAt: '2026-01-05T09:00:20.000Z' },
      ],
    });
  });

  it("the mail lists every change in order with its time and actor, under a table of the merged changes, and names all actors", async () => {
    const mail = await composeNotificationMail({
      appUrl: 'https://desk.example.test',
      event: { eventId: 'digest-e1', type: 'updated', occurredAt: '2026-01-05T09:00:40.000Z' },
      ticket: { id: 42, subject: 'Printer on fire', description: 'It smokes', status: 'open', priority: 'high' },
      actorName: 'Bob',
      assigneeName: 'Bob',
      recipient: { userId: 7, email: 'carla@example.test', name: 'Carla', reason: 'requester' },
      timeZone: 'UTC',
      digest: [
        { actorName: 'Ana', occurredAt: '2026-01-05T09:00:00.000Z', changes: { status: { from: 'open', to: 'pending' } } },
        { actorName: 'Bob', occurredAt: '2026-01-05T09:00:40.000Z', changes: { status: { from: 'pending', to: 'resolved' }, priority: { from: 'high', to: '<b>low</b>' } } },
      ],
    });
    expect(mail.subject).toBe('[Ticket #42] Your ticket was updated: Printer on fire');
    expect(mail.messageId).toBe('<event-digest-e1.ticket-42.user-7@desk.example.test>');
    const text = mail.text.replace(/\s+/g, ' ');
    expect(text).toContain('Ana and Bob changed status, priority on your ticket.');
    expect(text).toContain('2 changes, in order');
    const first = text.indexOf('5 Jan 2026, 09:00 UTC · Ana: status open → pending');
    const second = text.indexOf('5 Jan 2026, 09:00 UTC · Bob: status pending → resolved; priority high → <b>low</b>');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThan(first);
    expect(mail.html).not.toContain('<b>low</b>');
    expect(mail.html).toContain('&lt;b&gt;low&lt;/b&gt;');
  });
});
