import path from 'node:path';
import type { Knex } from 'knex';
import { migrationSource } from '../../migrations';
import { createDb, dropMysqlDatabase, ensureMysqlDatabase } from '../../src/db/knex';
import { createNotificationDeliveriesRepository } from '../../src/db/repositories/notification-deliveries';
import { uniqueSuffix } from '../support/fixtures';
import { jestWorkerId, readTestRunEnv, workerDatabaseUrl } from '../support/test-env';

const MIGRATION = '013_delivery_ticket_scoped_key';

/** A database of its own (SQLite file or MariaDB schema), migrated up to just before 013. */
const TIMEOUTS = { acquireTimeoutMs: 5_000, connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 };

async function databaseBefore013(): Promise<{ db: Knex; drop(): Promise<void> }> {
  const run = readTestRunEnv();
  const mysqlUrl = workerDatabaseUrl(run);
  let db: Knex;
  let drop = async () => {};
  if (mysqlUrl) {
    const url = new URL(mysqlUrl);
    url.pathname = `${url.pathname}_m013`;
    await ensureMysqlDatabase(url.toString());
    db = createDb({ client: 'mysql2', url: url.toString(), ...TIMEOUTS });
    drop = () => dropMysqlDatabase(url.toString());
  } else {
    const filename = path.join(run.tmpDir, `m013-w${jestWorkerId()}-${uniqueSuffix()}.sqlite`);
    db = createDb({ client: 'better-sqlite3', filename, ...TIMEOUTS });
  }
  for (;;) {
    const [, pending] = (await db.migrate.list({ migrationSource })) as [unknown[], Array<{ file?: string } | [string]>];
    const next = pending.map((p) => (Array.isArray(p) ? p[0] : (p as { file?: string }).file)).find(Boolean);
    if (next === undefined || next === MIGRATION) break;
    await db.migrate.up({ migrationSource });
  }
  return { db, drop };
}

/**
 * Whether the insert was refused as a duplicate key. Matched on the driver's code, not with toThrow: better-sqlite3's
 * native binding keeps the error class of the first test file that loaded it, which is not an Error in later ones.
 */
async function refusedAsDuplicate(insert: PromiseLike<unknown>): Promise<boolean> {
  try {
    await insert;
    return false;
  } catch (err) {
    return /^(SQLITE_CONSTRAINT_UNIQUE|ER_DUP_ENTRY)$/.test(String((err as { code?: unknown }).code));
  }
}

function row(ticketId: number, eventId: string, email: string) {
  const now = new Date();
  return { event_id: eventId, ticket_id: ticketId, user_id: 1, email, status: 'sent', attempts: 1, message_id: `<${eventId}.${ticketId}>`, created_at: now, updated_at: now };
}

describe('migration 013: the delivery ledger is keyed per ticket', () => {
  let db: Knex;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await databaseBefore013());
  });
  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('keeps every row; afterwards one event id may serve one address on two tickets, but never twice on one ticket', async () => {
    await db('notification_deliveries').insert([row(1, 'evt-1', 'ann@example.test'), row(1, 'evt-1', 'bob@example.test'), row(2, 'evt-2', 'ann@example.test')]);
    // before: the key is (event, address), so the same event id on another ticket collides
    expect(await refusedAsDuplicate(db('notification_deliveries').insert(row(3, 'evt-1', 'ann@example.test')))).toBe(true);

    await db.migrate.up({ migrationSource });

    const kept = await db('notification_deliveries').orderBy('id').select('ticket_id', 'event_id', 'email', 'status');
    expect(kept.map((r) => [Number(r.ticket_id), r.event_id, r.email, r.status])).toEqual([
      [1, 'evt-1', 'ann@example.test', 'sent'],
      [1, 'evt-1', 'bob@example.test', 'sent'],
      [2, 'evt-2', 'ann@example.test', 'sent'],
    ]);
    expect(await refusedAsDuplicate(db('notification_deliveries').insert(row(3, 'evt-1', 'ann@example.test')))).toBe(false);
    expect(await refusedAsDuplicate(db('notification_deliveries').insert(row(3, 'evt-1', 'ann@example.test')))).toBe(true);

    // the repository opens (ticket, event, address) rows side by side and finds each by its ticket
    const ledger = createNotificationDeliveriesRepository(db);
    const opened = await ledger.open({ eventId: 'evt-9', ticketId: 4, userId: 7, email: 'Cy@Example.test', messageId: '<a>' });
    const sameIdOtherTicket = await ledger.open({ eventId: 'evt-9', ticketId: 5, userId: 7, email: 'cy@example.test', messageId: '<b>' });
    expect(sameIdOtherTicket.id).not.toBe(opened.id);
    expect((await ledger.open({ eventId: 'evt-9', ticketId: 4, userId: 7, email: 'cy@example.test', messageId: '<c>' })).id).toBe(opened.id);
    await ledger.markFailed(4, 'evt-9', ['cy@example.test']);
    expect((await ledger.listByEvent(4, 'evt-9')).map((d) => d.status)).toEqual(['failed']);
    expect((await ledger.listByEvent(5, 'evt-9')).map((d) => d.status)).toEqual(['pending']);
  });
});
