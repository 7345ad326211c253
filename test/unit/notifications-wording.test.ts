import { singleLine, wordingFor, type WordingInput } from '../../src/notifications/wording';

function words(overrides: Partial<WordingInput>) {
  return wordingFor({
    type: 'assigned',
    reason: 'assignee',
    ticketId: 42,
    subject: 'Printer on fire',
    actorName: 'Ana',
    assigneeName: 'Bob',
    internalComment: false,
    ...overrides,
  });
}

describe('wording per recipient and event', () => {
  it('the new assignee reads "Assigned to you" in the subject', () => {
    expect(words({}).subject).toBe('[Ticket #42] Assigned to you: Printer on fire');
    expect(words({}).summary).toBe('Ana assigned this ticket to you.');
  });

  it('the requester reads who the ticket was assigned to', () => {
    expect(words({ reason: 'requester' }).subject).toBe('[Ticket #42] Your ticket was assigned to Bob: Printer on fire');
  });

  it('the previous assignee reads that it moved away', () => {
    const w = words({ reason: 'previous_assignee' });
    expect(w.subject).toBe('[Ticket #42] Reassigned to Bob: Printer on fire');
    expect(w.summary).toBe('Ana moved this ticket from you to Bob.');
  });

  it.each([
    ['created', 'requester', '[Ticket #42] We received your ticket: Printer on fire'],
    ['created', 'company_agent', '[Ticket #42] New unassigned ticket: Printer on fire'],
    ['created', 'assignee', '[Ticket #42] New ticket assigned to you: Printer on fire'],
    ['updated', 'watcher', '[Ticket #42] Ticket updated: Printer on fire'],
    ['closed', 'requester', '[Ticket #42] Your ticket was closed: Printer on fire'],
    ['closed', 'assignee', '[Ticket #42] Ticket closed: Printer on fire'],
    ['commented', 'requester', '[Ticket #42] New comment from Ana: Printer on fire'],
  ] as const)('%s for the %s: %s', (type, reason, subject) => {
    expect(words({ type, reason }).subject).toBe(subject);
  });

  it('an internal note says so', () => {
    expect(words({ type: 'commented', reason: 'assignee', internalComment: true }).subject).toBe(
      '[Ticket #42] Internal note from Ana: Printer on fire',
    );
  });

  it('updated lists the changed fields', () => {
    expect(words({ type: 'updated', reason: 'requester', changes: { priority: { from: 'low', to: 'high' } } }).summary).toBe(
      'Ana changed priority on your ticket.',
    );
  });

  it('line breaks in user strings cannot reach the subject header', () => {
    const w = words({ subject: 'Hi"\r\nBcc: x@evil.test', actorName: 'Eve\nX-Evil: 1' });
    expect(w.subject).not.toMatch(/[\r\n]/);
    expect(w.subject).toBe('[Ticket #42] Assigned to you: Hi" Bcc: x@evil.test');
    expect(singleLine('a\u0000b\u2028c')).toBe('a b c');
  });

  it('long subjects are shortened', () => {
    expect(singleLine('x'.repeat(300), 150)).toHaveLength(150);
  });
});
