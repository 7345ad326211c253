import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { isSqlite, type Db } from '../db/knex';
import type { ReportFilters } from '../jobs/contract';
import { createReportRowReader, createTicketRowReader, type RawReportRow, type RawTicketRow, type ReportNameLookup, type ReportRow } from './columns';
import { reportCountQuery, reportRowsQuery, reportSummaryQuery, reportTicketRowsQuery, toSummary, type ReportSummary } from './query';

/** rows are handed to the writers this many at a time: a step per row (a promise, a stream event) costs more than the row */
export const REPORT_BATCH_ROWS = 1000;

/**
 * One consistent read of the filtered tickets: the count, the summary and the rows all see the same
 * data, so the rowCount written ahead of the rows in a JSON or PDF file is exact.
 */
export interface ReportSnapshot {
  count(): Promise<number>;
  summary(): Promise<ReportSummary>;
  /** the rows in report order, in batches of at most REPORT_BATCH_ROWS */
  batches(): AsyncIterable<ReportRow[]>;
  close(): Promise<void>;
}

export async function openReportSnapshot(db: Db, filters: ReportFilters): Promise<ReportSnapshot> {
  return isSqlite(db) ? openSqliteSnapshot(db, filters) : openMysqlSnapshot(db, filters);
}

/**
 * Reads an object-mode stream a batch at a time: whatever is buffered (up to `max`) is taken at once, and the
 * reader waits only when the buffer is empty. Back-pressure still holds: nothing is read ahead of the consumer
 * beyond the stream's own high-water mark.
 */
export async function* readBatches<T>(stream: Readable, max: number): AsyncGenerator<T[]> {
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onReadable = () => wake?.();
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (err: unknown) => {
    failure = err;
    wake?.();
  };
  stream.on('readable', onReadable);
  stream.on('end', onEnd);
  stream.on('error', onError);
  try {
    for (;;) {
      if (failure) throw failure;
      const batch: T[] = [];
      let item: T | null;
      while (batch.length < max && (item = stream.read() as T | null) !== null) batch.push(item);
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    stream.off('readable', onReadable);
    stream.off('end', onEnd);
    stream.off('error', onError);
  }
}

/** What the export uses of a mysql2 connection (the one a knex transaction holds). */
interface MysqlConnection {
  query(options: { sql: string; rowsAsArray: boolean; dateStrings: boolean }, values: readonly unknown[]): { stream(options: { highWaterMark: number }): Readable };
}

async function openMysqlSnapshot(db: Db, filters: ReportFilters): Promise<ReportSnapshot> {
  // InnoDB's repeatable read: every read in this transaction sees the snapshot taken by the first one
  const trx = await db.transaction({ isolationLevel: 'repeatable read' });
  await trx.raw('select 1');
  return {
    async count() {
      const [row] = await reportCountQuery(trx, filters);
      return Number((row as { n: unknown }).n);
    },
    async summary() {
      const [row] = await reportSummaryQuery(trx, filters);
      return toSummary(row as Record<string, unknown>);
    },
    async *batches() {
      // rows as arrays and DATETIMEs as their text: no object and no Date per row in mysql2, only what the report
      // needs. The driver's own row stream on the transaction's connection: knex's stream() would pipe it through a
      // Transform of its own, a second stream step per row. mysql2 pauses the socket when this stream is not read:
      // back-pressure reaches the server.
      const { sql, bindings } = reportRowsQuery(trx, filters).toSQL().toNative();
      const connection = (await trx.client.acquireConnection()) as MysqlConnection;
      const stream = connection.query({ sql, rowsAsArray: true, dateStrings: true }, bindings).stream({ highWaterMark: REPORT_BATCH_ROWS });
      const read = createReportRowReader();
      try {
        for await (const batch of readBatches<RawReportRow>(stream, REPORT_BATCH_ROWS)) yield batch.map(read);
      } finally {
        stream.destroy();
      }
    },
    async close() {
      // read-only: nothing to keep; a failed rollback must not hide the export's own error
      if (!trx.isCompleted()) await trx.rollback().catch(() => undefined);
    },
  };
}

function sqliteBindings(bindings: readonly unknown[]): unknown[] {
  return bindings.map((value) => (value instanceof Date ? value.getTime() : typeof value === 'boolean' ? Number(value) : value));
}

/** names looked up by id are kept up to this many per table (then forgotten and looked up again) */
const NAME_CACHE_LIMIT = 50_000;

/**
 * Company names and user emails by id on the snapshot's connection, each looked up once: a report's rows name the
 * same few companies and people over and over. The same string comes back for an id, so the writers' caches of
 * encoded cells find it at once.
 */
function sqliteNameLookup(reader: Database.Database): ReportNameLookup {
  const cached = (sql: string) => {
    const statement = reader.prepare(sql).pluck();
    const cache = new Map<unknown, unknown>();
    return (id: unknown) => {
      let value = cache.get(id);
      if (value === undefined && !cache.has(id)) {
        if (cache.size >= NAME_CACHE_LIMIT) cache.clear();
        value = statement.get(id);
        cache.set(id, value);
      }
      return value;
    };
  };
  return { companyName: cached('select name from companies where id = ?'), userEmail: cached('select email from users where id = ?') };
}

/**
 * knex's stream() on SQLite reads everything first; better-sqlite3's iterate() steps one row at a time.
 * A separate read-only connection keeps knex's single pooled connection free for progress updates,
 * and WAL lets this reader see a stable snapshot while writers go on.
 */
async function openSqliteSnapshot(db: Db, filters: ReportFilters): Promise<ReportSnapshot> {
  const filename = (db.client.config.connection as { filename: string }).filename;
  const reader = new Database(filename, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 15000');
  reader.exec('BEGIN');
  const native = (query: Knex.QueryBuilder) => {
    const { sql, bindings } = query.toSQL().toNative();
    return { sql, bindings: sqliteBindings(bindings) };
  };
  return {
    async count() {
      const { sql, bindings } = native(reportCountQuery(db, filters));
      return Number((reader.prepare(sql).get(...bindings) as { n: unknown }).n);
    },
    async summary() {
      const { sql, bindings } = native(reportSummaryQuery(db, filters));
      return toSummary(reader.prepare(sql).get(...bindings) as Record<string, unknown>);
    },
    async *batches() {
      // the tickets alone, their company and people by id from the same snapshot: stepping the joined rows (three
      // lookups and three strings more per row) was most of a SQLite export's time
      const { sql, bindings } = native(reportTicketRowsQuery(db, filters));
      const read = createTicketRowReader(sqliteNameLookup(reader));
      let batch: ReportRow[] = [];
      for (const raw of reader.prepare(sql).raw(true).iterate(...bindings) as IterableIterator<RawTicketRow>) {
        const row = read(raw);
        // the join would have dropped it (no such company or requester): the row count check reports it
        if (row === undefined) continue;
        batch.push(row);
        if (batch.length === REPORT_BATCH_ROWS) {
          yield batch;
          batch = [];
          // iterate() is synchronous: give timers (heartbeats) and I/O a turn between batches
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      if (batch.length > 0) yield batch;
    },
    async close() {
      if (reader.open) {
        if (reader.inTransaction) reader.exec('COMMIT');
        reader.close();
      }
    },
  };
}
