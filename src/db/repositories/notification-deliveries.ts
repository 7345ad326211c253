import { isSqlite, type Db } from '../knex';
import { toDate, toDateOrNull } from '../normalize';

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface NotificationDelivery {
  id: number;
  eventId: string;
  ticketId: number;
  userId: number;
  email: string;
  status: DeliveryStatus;
  attempts: number;
  /** attempts cut off mid-send (the worker died): the mail may have arrived, and the next attempt sent it again */
  interruptedAttempts: number;
  /** set while an attempt talks to the SMTP server */
  inFlightSince: Date | null;
  messageId: string;
  errorType: string | null;
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

function toDelivery(row: Record<string, unknown>): NotificationDelivery {
  return {
    id: Number(row.id),
    eventId: String(row.event_id),
    ticketId: Number(row.ticket_id),
    userId: Number(row.user_id),
    email: String(row.email),
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    interruptedAttempts: Number(row.interrupted_attempts),
    inFlightSince: toDateOrNull(row.in_flight_since),
    messageId: String(row.message_id),
    errorType: (row.error_type as string | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    sentAt: toDateOrNull(row.sent_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * Inserts a ledger row unless (ticket, event, address) has one: the new row's id, or null when it was there already.
 * MySQL answers an ignored insert with insert id 0; SQLite's last insert id would be an earlier row's, so it is asked
 * for the id of the row this statement inserted (RETURNING: none when it inserted nothing).
 */
async function insertUnlessPresent(db: Db, row: Record<string, unknown>): Promise<number | null> {
  const insert = db('notification_deliveries').insert(row).onConflict(['ticket_id', 'event_id', 'email']).ignore();
  if (isSqlite(db)) {
    const [inserted] = (await insert.returning('id')) as { id: number }[];
    return inserted ? Number(inserted.id) : null;
  }
  const [id] = (await insert) as number[];
  return Number(id) > 0 ? Number(id) : null;
}

/**
 * The delivery ledger: one row per (ticket, event, address), so a retried or re-run workflow never mails a served
 * recipient twice. Event ids are scoped to their ticket: every lookup names both.
 */
export function createNotificationDeliveriesRepository(db: Db) {
  return {
    /** Returns the ledger row for (ticket, event, address), creating it as `pending` the first time. */
    async open(input: { eventId: string; ticketId: number; userId: number; email: string; messageId: string }): Promise<NotificationDelivery> {
      const email = input.email.trim().toLowerCase();
      const now = new Date();
      const row = {
        event_id: input.eventId,
        ticket_id: input.ticketId,
        user_id: input.userId,
        email,
        status: 'pending',
        attempts: 0,
        message_id: input.messageId,
        created_at: now,
        updated_at: now,
      };
      // a recipient's first attempt creates the row and knows all of it (one round trip); a later one reads it back
      const id = await insertUnlessPresent(db, row);
      if (id !== null) return toDelivery({ ...row, id, interrupted_attempts: 0, in_flight_since: null, error_type: null, last_error: null, sent_at: null });
      const stored = await db('notification_deliveries').where({ ticket_id: input.ticketId, event_id: input.eventId, email }).first();
      return toDelivery(stored);
    },

    /**
     * Counts an attempt before the SMTP conversation starts and marks it in flight. An attempt still
     * marked in flight from before was cut off with an unknown outcome: it is counted as interrupted.
     */
    async startAttempt(id: number, at: Date = new Date()): Promise<void> {
      await db('notification_deliveries')
        .where({ id })
        .whereNot('status', 'sent')
        .update({
          status: 'pending',
          attempts: db.raw('attempts + 1'),
          // listed before in_flight_since: MySQL evaluates SET left to right, so this reads the previous mark
          interrupted_attempts: db.raw('interrupted_attempts + (CASE WHEN in_flight_since IS NULL THEN 0 ELSE 1 END)'),
          in_flight_since: at,
          updated_at: at,
        });
    },

    async markSent(id: number, at: Date = new Date()): Promise<void> {
      await db('notification_deliveries')
        .where({ id })
        .update({ status: 'sent', sent_at: at, in_flight_since: null, error_type: null, last_error: null, updated_at: at });
    },

    /** Records why an attempt failed; `final` when no retry will follow. */
    async recordError(id: number, error: { type: string; message: string; final: boolean }): Promise<void> {
      await db('notification_deliveries')
        .where({ id })
        .whereNot('status', 'sent')
        .update({
          status: error.final ? 'failed' : 'pending',
          in_flight_since: null,
          error_type: error.type.slice(0, 64),
          last_error: error.message.slice(0, 2000),
          updated_at: new Date(),
        });
    },

    /** Marks the given addresses failed once the workflow has given up on them. */
    async markFailed(ticketId: number, eventId: string, emails: string[]): Promise<void> {
      if (emails.length === 0) return;
      await db('notification_deliveries')
        .where({ ticket_id: ticketId, event_id: eventId })
        .whereIn('email', emails.map((e) => e.trim().toLowerCase()))
        .whereNot('status', 'sent')
        .update({ status: 'failed', updated_at: new Date() });
    },

    async listByEvent(ticketId: number, eventId: string): Promise<NotificationDelivery[]> {
      const rows = await db('notification_deliveries').where({ ticket_id: ticketId, event_id: eventId }).orderBy('id');
      return rows.map(toDelivery);
    },
  };
}

export type NotificationDeliveriesRepository = ReturnType<typeof createNotificationDeliveriesRepository>;
