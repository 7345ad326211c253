import { mergeChanges, type FieldChange, type RecipientReason, type TicketNotificationInput, type TicketPriority, type TicketStatus } from '../jobs/contract';
import { mailIdHost, notificationMessageId, ticketThreadId } from '../mail/message-ids';
import type { OutgoingMail } from '../mail/outgoing-mail';
import { mailDate, renderTicketMail } from '../mail/template';
import { singleLine, wordingFor } from './wording';

export interface NotificationMailData {
  appUrl: string;
  event: Pick<TicketNotificationInput, 'eventId' | 'type' | 'occurredAt' | 'changes'>;
  ticket: { id: number; subject: string; description: string; status: TicketStatus; priority: TicketPriority };
  actorName: string;
  assigneeName: string | null;
  comment?: { body: string; isInternal: boolean };
  recipient: { userId: number; email: string; name: string; reason: RecipientReason };
  /** MAIL_TIMEZONE */
  timeZone?: string;
  /** the recipient's signed one-click unsubscribe link */
  unsubscribeUrl?: string;
  /** a coalesced mail: the events this recipient is told about, in order */
  digest?: DigestEntry[];
}

export interface DigestEntry {
  actorName: string;
  occurredAt: string;
  changes: Record<string, FieldChange>;
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? singleLine(value, 200) : JSON.stringify(value);
}

/** `12:00 CET · Ana: status open → pending; priority low → high`, one line per event. */
function digestLines(digest: DigestEntry[], timeZone: string | undefined): string {
  return digest
    .map((entry) => {
      const changes = Object.entries(entry.changes).map(([field, c]) => `${field} ${shown(c.from)} → ${shown(c.to)}`);
      return `${mailDate(entry.occurredAt, timeZone)} · ${singleLine(entry.actorName, 80)}: ${changes.length > 0 ? changes.join('; ') : 'updated the ticket'}`;
    })
    .join('\n');
}

export function messageIdFor(appUrl: string, ticketId: number, eventId: string, userId: number): string {
  return notificationMessageId(ticketId, eventId, userId, mailIdHost(appUrl));
}

/** One recipient's mail for one ticket event. */
export async function composeNotificationMail(data: NotificationMailData): Promise<OutgoingMail> {
  if (data.digest && data.digest.length > 0) {
    // first `from` to last `to` per field in the table, every change in order below it
    const changes = mergeChanges(data.digest);
    const actors = [...new Set(data.digest.map((d) => d.actorName))];
    data = {
      ...data,
      actorName: actors.length === 1 ? actors[0] : `${actors.slice(0, -1).join(', ')} and ${actors.at(-1)}`,
      event: { ...data.event, type: 'updated', changes, occurredAt: data.digest.at(-1)!.occurredAt },
    };
  }
  const internalComment = data.event.type === 'commented' && data.comment?.isInternal === true;
  const wording = wordingFor({
    type: data.event.type,
    reason: data.recipient.reason,
    ticketId: data.ticket.id,
    subject: data.ticket.subject,
    actorName: data.actorName,
    assigneeName: data.assigneeName,
    internalComment,
    changes: data.event.changes,
  });
  const body = data.digest && data.digest.length > 1
    ? { label: `${data.digest.length} changes, in order`, text: digestLines(data.digest, data.timeZone) }
    : data.event.type === 'commented' && data.comment
      ? { label: internalComment ? 'Internal note' : 'Comment', text: data.comment.body }
      : data.event.type === 'created'
        ? { label: 'Description', text: data.ticket.description }
        : undefined;
  const { html, text } = await renderTicketMail({
    appUrl: data.appUrl,
    ticket: data.ticket,
    headline: wording.headline,
    summary: wording.summary,
    recipientName: singleLine(data.recipient.name, 80),
    body,
    changes: data.event.type === 'updated' ? data.event.changes : undefined,
    occurredAt: data.event.occurredAt,
    timeZone: data.timeZone,
    unsubscribeUrl: data.unsubscribeUrl,
  });
  const host = mailIdHost(data.appUrl);
  return {
    to: data.recipient.email,
    toName: singleLine(data.recipient.name, 80),
    ...(data.unsubscribeUrl ? { unsubscribeUrl: data.unsubscribeUrl } : {}),
    subject: wording.subject,
    html,
    text,
    messageId: notificationMessageId(data.ticket.id, data.event.eventId, data.recipient.userId, host),
    references: [ticketThreadId(data.ticket.id, host)],
  };
}
