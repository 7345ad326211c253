import { isSqlite, type Db } from './knex';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../jobs/contract';
import { DEMO_SUBJECTS, pickFrom, seededRandom } from './demo-data';

export interface BulkTicketOptions {
  count: number;
  companyIds: number[];
  /** requesters and assignees are drawn from these */
  userIds: number[];
  /** created_at spreads evenly over [start, start + spanDays) */
  start?: Date;
  spanDays?: number;
  /** the same seed gives the same tickets */
  seed?: number;
  onProgress?: (inserted: number) => void;
}

/**
 * Inserts many tickets fast with multi-row inserts inside transactions
 * (SQLite caps a statement at 500 rows; MySQL takes a few thousand).
 */
export async function seedBulkTickets(db: Db, options: BulkTicketOptions): Promise<number> {
  if (options.companyIds.length === 0 || options.userIds.length === 0) throw new Error('seeding tickets needs companies and users');
  // the demo data's generator: its subjects (CSV specials, formula starts, multi-line, non-ASCII), statuses and priorities drawn apart
  const rand = seededRandom(options.seed ?? 42);
  const pick = <T>(items: readonly T[]) => pickFrom(rand, items);
  const start = (options.start ?? new Date('2024-01-01T00:00:00.000Z')).getTime();
  const spanMs = (options.spanDays ?? 365) * 86_400_000;
  const rowsPerStatement = isSqlite(db) ? 500 : 2000;
  const statementsPerTransaction = isSqlite(db) ? 20 : 5;
  let inserted = 0;
  while (inserted < options.count) {
    await db.transaction(async (trx) => {
      for (let s = 0; s < statementsPerTransaction && inserted < options.count; s++) {
        const n = Math.min(rowsPerStatement, options.count - inserted);
        const rows = [];
        for (let i = 0; i < n; i++) {
          const createdAt = new Date(start + Math.floor(((inserted + i) / options.count) * spanMs) + Math.floor(rand() * 1000));
          const status = pick(TICKET_STATUSES);
          const closed = status === 'closed' || status === 'resolved';
          rows.push({
            company_id: pick(options.companyIds),
            requester_id: pick(options.userIds),
            assignee_id: rand() < 0.3 ? null : pick(options.userIds),
            subject: `${pick(DEMO_SUBJECTS)} #${inserted + i + 1}`,
            description: 'Seeded ticket',
            status,
            priority: pick(TICKET_PRIORITIES),
            created_at: createdAt,
            updated_at: createdAt,
            closed_at: closed ? new Date(createdAt.getTime() + Math.floor(rand() * 7 * 86_400_000)) : null,
          });
        }
        await trx('tickets').insert(rows);
        inserted += n;
      }
    });
    options.onProgress?.(inserted);
  }
  // the index statistics catch up with a bulk insert only later: until then MySQL may join through the wrong index
  // (a company's report went through every ticket of its requesters); bring them up to date now
  if (!isSqlite(db)) await db.raw('ANALYZE TABLE tickets');
  return inserted;
}
