import type { Knex } from 'knex';
import type { Db } from '../knex';

export type RetainedTable = 'activity_logs' | 'failed_jobs';

/** What one cleanup run has deleted so far, summed over all its attempts. */
export interface CleanupTally {
  activityLogs: number;
  failedJobs: number;
  reports: number;
  reportFiles: number;
}

const AGE_COLUMN: Record<RetainedTable, string> = { activity_logs: 'created_at', failed_jobs: 'failed_at' };
const TALLY_FIELD: Record<RetainedTable, keyof CleanupTally> = { activity_logs: 'activityLogs', failed_jobs: 'failedJobs' };
const FINISHED_REPORT_STATUSES = ['ready', 'failed', 'cancelled', 'expired'];
/** The run's tally is a cleanup_tallies row, written in the same transaction as each batch. */
const TALLY_COLUMN: Record<keyof CleanupTally, string> = {
  activityLogs: 'activity_logs',
  failedJobs: 'failed_jobs',
  reports: 'reports',
  reportFiles: 'report_files',
};

/** Age-based deletes for the nightly cleanup, in id-ordered batches so the tables stay usable. */
export function createRetentionRepository(db: Db) {
  // a crash after a batch commits cannot lose its count: the count commits with it
  async function addToTally(trx: Knex.Transaction, workflowId: string, added: Partial<CleanupTally>): Promise<CleanupTally> {
    const now = new Date();
    await trx('cleanup_tallies').insert({ workflow_id: workflowId, updated_at: now }).onConflict('workflow_id').ignore();
    const increments: Record<string, Knex.Raw> = {};
    for (const [field, n] of Object.entries(added) as Array<[keyof CleanupTally, number | undefined]>) {
      if (n) increments[TALLY_COLUMN[field]] = trx.raw('?? + ?', [TALLY_COLUMN[field], n]);
    }
    if (Object.keys(increments).length > 0) await trx('cleanup_tallies').where('workflow_id', workflowId).update({ ...increments, updated_at: now });
    const row = await trx('cleanup_tallies').where('workflow_id', workflowId).first<Record<string, number | string>>(Object.values(TALLY_COLUMN));
    return Object.fromEntries((Object.keys(TALLY_COLUMN) as Array<keyof CleanupTally>).map((field) => [field, Number(row[TALLY_COLUMN[field]])])) as unknown as CleanupTally;
  }

  return {
    async countOlderThan(table: RetainedTable, cutoff: Date): Promise<number> {
      const row = await db(table).where(AGE_COLUMN[table], '<', cutoff).count<{ n: number }[]>({ n: '*' });
      return Number(row[0].n);
    },
    /** Deletes up to batchSize of the oldest rows; returns how many went and the run's tally including them. */
    async deleteBatchOlderThan(
      workflowId: string,
      table: RetainedTable,
      cutoff: Date,
      batchSize: number,
    ): Promise<{ deleted: number; tally: CleanupTally }> {
      const ids = await db(table)
        .where(AGE_COLUMN[table], '<', cutoff)
        .orderBy(AGE_COLUMN[table])
        .orderBy('id')
        .limit(batchSize)
        .pluck('id');
      return db.transaction(async (trx) => {
        const deleted = ids.length === 0 ? 0 : await trx(table).whereIn('id', ids).where(AGE_COLUMN[table], '<', cutoff).del();
        return { deleted, tally: await addToTally(trx, workflowId, { [TALLY_FIELD[table]]: deleted }) };
      });
    },
    /** Deletes up to batchSize of the per-minute job metrics rows older than the cutoff (RETENTION_METRICS_DAYS); returns how many went. */
    async deleteMetricsBatchOlderThan(cutoff: Date, batchSize: number): Promise<number> {
      const ids = await db('job_metrics').where('minute', '<', cutoff).orderBy('id').limit(batchSize).pluck('id');
      return ids.length === 0 ? 0 : db('job_metrics').whereIn('id', ids).del();
    },
    async expiredReports(cutoff: Date, limit: number): Promise<Array<{ id: number; fileName: string | null }>> {
      const rows = await db('reports')
        .where('created_at', '<', cutoff)
        .whereIn('status', FINISHED_REPORT_STATUSES)
        .orderBy('id')
        .limit(limit)
        .select('id', 'file_name');
      return rows.map((r: { id: number; file_name: string | null }) => ({ id: Number(r.id), fileName: r.file_name }));
    },
    async countExpiredReports(cutoff: Date): Promise<{ rows: number; files: number }> {
      const [row] = await db('reports')
        .where('created_at', '<', cutoff)
        .whereIn('status', FINISHED_REPORT_STATUSES)
        .select(db.raw('count(*) as n'), db.raw('count(file_name) as files'));
      return { rows: Number(row.n), files: Number(row.files) };
    },
    /** Deletes report rows whose files are already gone; returns how many rows went and the run's tally including them. */
    async deleteReports(workflowId: string, ids: number[], filesRemoved: number): Promise<{ deleted: number; tally: CleanupTally }> {
      return db.transaction(async (trx) => {
        const deleted = ids.length === 0 ? 0 : await trx('reports').whereIn('id', ids).del();
        return { deleted, tally: await addToTally(trx, workflowId, { reports: deleted, reportFiles: filesRemoved }) };
      });
    },
    async referencedReportFiles(): Promise<Set<string>> {
      const names = await db('reports').whereNotNull('file_name').pluck('file_name');
      return new Set(names as string[]);
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;
