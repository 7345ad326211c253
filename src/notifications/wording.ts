import type { FieldChange, RecipientReason, TicketEventType } from '../jobs/contract';

export interface WordingInput {
  type: TicketEventType;
  reason: RecipientReason;
  ticketId: number;
  subject: string;
  actorName: string;
  /** the assignee after the event, when there is one */
  assigneeName: string | null;
  internalComment: boolean;
  changes?: Record<string, FieldChange>;
}

export interface Wording {
  /** the whole Subject header, e.g. `[Ticket #42] Assigned to you: Printer on fire` (plain text, not escaped) */
  subject: string;
  /** short title shown at the top of the mail (plain text) */
  headline: string;
  /** one sentence under the title (plain text) */
  summary: string;
}

/** Removes line breaks and other control characters so a user string can never add a mail header. */
export function singleLine(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const flat = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function label(type: TicketEventType, reason: RecipientReason, input: WordingInput): string {
  const assignee = input.assigneeName ?? 'nobody';
  switch (type) {
    case 'created':
      if (reason === 'assignee') return 'New ticket assigned to you';
      if (reason === 'requester') return 'We received your ticket';
      if (reason === 'company_agent' || reason === 'admin') return 'New unassigned ticket';
      return 'New ticket';
    case 'assigned':
      if (reason === 'assignee') return 'Assigned to you';
      if (reason === 'previous_assignee') return `Reassigned to ${assignee}`;
      if (reason === 'requester') return `Your ticket was assigned to ${assignee}`;
      return `Assigned to ${assignee}`;
    case 'updated':
      return reason === 'requester' ? 'Your ticket was updated' : 'Ticket updated';
    case 'closed':
      return reason === 'requester' ? 'Your ticket was closed' : 'Ticket closed';
    case 'commented':
      if (input.internalComment) return `Internal note from ${input.actorName}`;
      return `New comment from ${input.actorName}`;
  }
}

function summary(input: WordingInput): string {
  const actor = input.actorName;
  const yours = input.reason === 'requester' ? 'your ticket' : input.reason === 'assignee' ? 'a ticket assigned to you' : 'a ticket';
  switch (input.type) {
    case 'created':
      return input.reason === 'requester' ? `${actor} opened this ticket for you.` : `${actor} opened a new ticket.`;
    case 'assigned':
      if (input.reason === 'assignee') return `${actor} assigned this ticket to you.`;
      if (input.reason === 'previous_assignee') return `${actor} moved this ticket from you to ${input.assigneeName ?? 'nobody'}.`;
      if (input.reason === 'requester') return `Your ticket was assigned to ${input.assigneeName ?? 'nobody'} by ${actor}.`;
      return `${actor} assigned this ticket to ${input.assigneeName ?? 'nobody'}.`;
    case 'updated': {
      const fields = Object.keys(input.changes ?? {});
      return fields.length > 0 ? `${actor} changed ${fields.join(', ')} on ${yours}.` : `${actor} updated ${yours}.`;
    }
    case 'closed':
      return `${actor} closed ${yours}.`;
    case 'commented':
      return input.internalComment ? `${actor} added an internal note (agents only).` : `${actor} commented on ${yours}.`;
  }
}

/** The words of one recipient's mail: who did what, said to this recipient. */
export function wordingFor(input: WordingInput): Wording {
  const actorName = singleLine(input.actorName, 80);
  const assigneeName = input.assigneeName === null ? null : singleLine(input.assigneeName, 80);
  const safe = { ...input, actorName, assigneeName };
  const headline = label(input.type, input.reason, safe);
  return {
    subject: `[Ticket #${input.ticketId}] ${headline}: ${singleLine(input.subject, 150)}`,
    headline,
    summary: summary(safe),
  };
}
