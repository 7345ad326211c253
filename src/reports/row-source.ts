import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { isSqlite, type Db } from '../db/knex';
import type { ReportFilters } from '../jobs/contract';
import { toReportRow, type ReportRow } from './columns';
import { reportCountQuery, reportRowsQuery, reportSummaryQuery, toSummary, type ReportSummary } from './query';

/**
 * One consistent read of the filtered tickets: the count, the summary and the rows all see the same
 * data, so the rowCount written ahead of the rows in a JSON or PDF file is exact.
 */
export interface ReportSnapshot {
  count(): Promise<number>;
  summary(): Promise<ReportSummary>;
  rows(): AsyncIterable<ReportRow>;
  close(): Promise<void>;
}

export async function openReportSnapshot(db: Db, filters: ReportFilters): Promise<ReportSnapshot> {
  return isSqlite(db) ? openSqliteSnapshot(db, filters) : openMysqlSnapshot(db, filters);
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
      return toSummary(await reportSummaryQuery(trx, filters));
    },
    async *rows() {
      // mysql2 pauses the socket when this stream is not read: back-pressure reaches the server
      const stream = reportRowsQuery(trx, filters).stream({ highWaterMark: 500 });
      try {
        for await (const raw of stream) yield toReportRow(raw as Record<string, unknown>);
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
      return toSummary(reader.prepare(sql).all(...bindings) as Parameters<typeof toSummary>[0]);
    },
    async *rows() {
      const { sql, bindings } = native(reportRowsQuery(db, filters));
      let sinceYield = 0;
      for (const raw of reader.prepare(sql).iterate(...bindings)) {
        yield toReportRow(raw as Record<string, unknown>);
        // iterate() is synchronous: give timers (heartbeats) and I/O a turn now and then
        if (++sinceYield >= 200) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    },
    async close() {
      if (reader.open) {
        if (reader.inTransaction) reader.exec('COMMIT');
        reader.close();
      }
    },
  };
}
