/** The domain part of our Message-IDs: the host of APP_URL, so they are stable for one installation. */
export function mailIdHost(appUrl: string): string {
  const host = new URL(appUrl).hostname.toLowerCase();
  return /^[a-z0-9.-]+$/.test(host) && host !== '' ? host : 'helpdesk';
}

function idPart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * One Message-ID per (ticket, event, recipient): a resend after a crash carries the same id, so clients can drop the
 * copy. Event ids are scoped to their ticket, so the ticket is part of it.
 */
export function notificationMessageId(ticketId: number, eventId: string, userId: number, host: string): string {
  return `<event-${idPart(eventId)}.ticket-${ticketId}.user-${userId}@${host}>`;
}

/** The thread root every mail about one ticket refers to, so mail clients group them. */
export function ticketThreadId(ticketId: number, host: string): string {
  return `<ticket-${ticketId}@${host}>`;
}
