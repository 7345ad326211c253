import type { RecipientReason, TicketNotificationInput, TicketPriority, TicketStatus } from '../jobs/contract';
import { mailIdHost, notificationMessageId, ticketThreadId } from '../mail/message-ids';
import type { OutgoingMail } from '../mail/outgoing-mail';
import { renderTicketMail } from '../mail/template';
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
}

export function messageIdFor(appUrl: string, ticketId: number, eventId: string, userId: number): string {
  return notificationMessageId(ticketId, eventId, userId, mailIdHost(appUrl));
}

/** One recipient's mail for one ticket event. */
export async function composeNotificationMail(data: NotificationMailData): Promise<OutgoingMail> {
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
  const body =
    data.event.type === 'commented' && data.comment
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
