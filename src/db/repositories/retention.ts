import type { Db } from '../knex';

export type RetainedTable = 'activity_logs' | 'failed_jobs';

const AGE_COLUMN: Record<RetainedTable, string> = { activity_logs: 'created_at', failed_jobs: 'failed_at' };
const FINISHED_REPORT_STATUSES = ['ready', 'failed', 'cancelled', 'expired'];

/** Age-based deletes for the nightly cleanup, in id-ordered batches so the tables stay usable. */
export function createRetentionRepository(db: Db) {
  return {
    async countOlderThan(table: RetainedTable, cutoff: Date): Promise<number> {
      const row = await db(table).where(AGE_COLUMN[table], '<', cutoff).count<{ n: number }[]>({ n: '*' });
      return Number(row[0].n);
    },
    /** Deletes up to batchSize of the oldest rows; returns how many went. */
    async deleteBatchOlderThan(table: RetainedTable, cutoff: Date, batchSize: number): Promise<number> {
      const ids = await db(table)
        .where(AGE_COLUMN[table], '<', cutoff)
        .orderBy(AGE_COLUMN[table])
        .orderBy('id')
        .limit(batchSize)
        .pluck('id');
      if (ids.length === 0) return 0;
      return db(table).whereIn('id', ids).where(AGE_COLUMN[table], '<', cutoff).del();
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
    async deleteReports(ids: number[]): Promise<number> {
      if (ids.length === 0) return 0;
      return db('reports').whereIn('id', ids).del();
    },
    async referencedReportFiles(): Promise<Set<string>> {
      const names = await db('reports').whereNotNull('file_name').pluck('file_name');
      return new Set(names as string[]);
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;
