import type { Knex } from 'knex';
import { isSqlite, type Db } from '../knex';
import { parseJson, toDate, toDateOrNull, toNumberOrNull } from '../normalize';
import type { ReportFilters, ReportFormat } from '../../jobs/contract';

export const REPORT_STATUSES = ['queued', 'running', 'ready', 'failed', 'cancelled', 'expired'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
/** statuses that count against the per-user running limit and that a DELETE must cancel */
export const ACTIVE_REPORT_STATUSES: ReportStatus[] = ['queued', 'running'];

export interface Report {
  id: number;
  userId: number;
  companyId: number | null;
  format: ReportFormat;
  filters: ReportFilters;
  status: ReportStatus;
  workflowId: string | null;
  fileName: string | null;
  fileSize: number | null;
  rowCount: number | null;
  checksum: string | null;
  rowsWritten: number;
  totalRows: number | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  expiresAt: Date | null;
}

function toReport(row: Record<string, unknown>): Report {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    companyId: toNumberOrNull(row.company_id),
    format: row.format as ReportFormat,
    filters: parseJson(row.filters, {}),
    status: row.status as ReportStatus,
    workflowId: (row.workflow_id as string | null) ?? null,
    fileName: (row.file_name as string | null) ?? null,
    fileSize: toNumberOrNull(row.file_size),
    rowCount: toNumberOrNull(row.row_count),
    checksum: (row.checksum as string | null) ?? null,
    rowsWritten: Number(row.rows_written ?? 0),
    totalRows: toNumberOrNull(row.total_rows),
    error: (row.error as string | null) ?? null,
    createdAt: toDate(row.created_at),
    startedAt: toDateOrNull(row.started_at),
    completedAt: toDateOrNull(row.completed_at),
    expiresAt: toDateOrNull(row.expires_at),
  };
}

export interface NewReport {
  userId: number;
  companyId: number | null;
  format: ReportFormat;
  filters: ReportFilters;
}

async function insertReport(db: Knex, input: NewReport): Promise<number> {
  const [id] = await db('reports').insert({
    user_id: input.userId,
    company_id: input.companyId,
    format: input.format,
    filters: JSON.stringify(input.filters),
    status: 'queued',
    rows_written: 0,
    created_at: new Date(),
  });
  return Number(id);
}

async function countActive(db: Knex, userId: number): Promise<number> {
  const [row] = await db('reports').where('user_id', userId).whereIn('status', ACTIVE_REPORT_STATUSES).count({ n: '*' });
  return Number((row as { n: unknown }).n);
}

/** Serialises report requests of one user until the transaction ends. */
async function lockUser(db: Db, trx: Knex.Transaction, userId: number): Promise<void> {
  if (isSqlite(db)) {
    // no row locks in SQLite: writing first takes the database write lock now, rather than upgrading
    // a read lock later, which fails at once (SQLITE_BUSY) when another process wrote in between
    await trx('users').where({ id: userId }).update({ is_active: trx.ref('is_active') });
    return;
  }
  await trx('users').where({ id: userId }).forUpdate().first('id');
}

export function createReportsRepository(db: Db) {
  return {
    async create(input: NewReport): Promise<Report> {
      return (await this.findById(await insertReport(db, input))) as Report;
    },
    /**
     * Inserts a queued report unless the user already has `limit` active ones. The count and the insert
     * run under a lock on the user's row, so concurrent requests cannot together overshoot the limit.
     */
    async createWithinLimit(input: NewReport, limit: number): Promise<{ report?: Report; running: number }> {
      const outcome = await db.transaction(async (trx) => {
        await lockUser(db, trx, input.userId);
        // a plain read taken after the lock: InnoDB's snapshot starts here, so it sees every committed insert
        const running = await countActive(trx, input.userId);
        if (running >= limit) return { id: undefined, running };
        return { id: await insertReport(trx, input), running };
      });
      if (outcome.id === undefined) return { running: outcome.running };
      return { report: (await this.findById(outcome.id)) as Report, running: outcome.running };
    },
    async findById(id: number): Promise<Report | undefined> {
      const row = await db('reports').where({ id }).first();
      return row && toReport(row);
    },
    async listRecent(filter: { userId?: number; limit: number }): Promise<Report[]> {
      const query = db('reports').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
      if (filter.userId !== undefined) query.where('user_id', filter.userId);
      return (await query).map(toReport);
    },
    /** False when the report is gone (deleted while its workflow was being started). */
    async setWorkflowId(id: number, workflowId: string): Promise<boolean> {
      return (await db('reports').where({ id }).update({ workflow_id: workflowId })) > 0;
    },
    /**
     * queued|running → running with a fresh count; a failed report may run again (a retried job).
     * False when the report is gone, cancelled or already finished.
     */
    async markRunning(id: number, input: { totalRows: number; workflowId: string }, at: Date = new Date()): Promise<boolean> {
      const n = await db('reports')
        .where({ id })
        .whereIn('status', [...ACTIVE_REPORT_STATUSES, 'failed'])
        .update({ status: 'running', total_rows: input.totalRows, workflow_id: input.workflowId, error: null, completed_at: null, started_at: at });
      return n > 0;
    },
    /** progress never moves backwards, even when a retried export restarts from row 0 */
    async updateProgress(id: number, progress: { rowsWritten: number; totalRows: number }): Promise<boolean> {
      const n = await db('reports')
        .where({ id, status: 'running' })
        .update({
          total_rows: progress.totalRows,
          rows_written: db.raw('case when rows_written > ? then rows_written else ? end', [progress.rowsWritten, progress.rowsWritten]),
        });
      return n > 0;
    },
    async markReady(
      id: number,
      file: { fileName: string; fileSize: number; rowCount: number; checksum: string; expiresAt: Date },
      at: Date = new Date(),
    ): Promise<boolean> {
      const n = await db('reports').where({ id }).whereIn('status', ACTIVE_REPORT_STATUSES).update({
        status: 'ready',
        file_name: file.fileName,
        file_size: file.fileSize,
        row_count: file.rowCount,
        checksum: file.checksum,
        rows_written: file.rowCount,
        total_rows: file.rowCount,
        error: null,
        completed_at: at,
        expires_at: file.expiresAt,
      });
      return n > 0;
    },
    async markFailed(id: number, error: string, at: Date = new Date()): Promise<void> {
      await db('reports')
        .where({ id })
        .whereIn('status', ACTIVE_REPORT_STATUSES)
        .update({ status: 'failed', error: error.slice(0, 4000), completed_at: at });
    },
    async markCancelled(id: number, at: Date = new Date()): Promise<void> {
      await db('reports')
        .where({ id })
        .whereIn('status', ACTIVE_REPORT_STATUSES)
        .update({ status: 'cancelled', file_name: null, completed_at: at });
    },
    async delete(id: number): Promise<boolean> {
      return (await db('reports').where({ id }).del()) > 0;
    },
  };
}

export type ReportsRepository = ReturnType<typeof createReportsRepository>;
