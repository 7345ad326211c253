import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { toDate } from '../../db/normalize';
import { BUCKET_COUNT } from './histogram';

export const JOB_OUTCOMES = ['completed', 'failed', 'retried', 'cancelled'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** One minute's aggregate for one queue, job type, step ('' = the job itself), outcome and attempt. */
export interface MetricRow {
  minute: Date;
  queue: string;
  jobType: string;
  step: string;
  outcome: JobOutcome;
  attempt: number;
  count: number;
  durationMsSum: number;
  durationMsMax: number;
  waitMsSum: number;
  waitMsMax: number;
  /** BUCKET_COUNT counts each */
  durationBuckets: number[];
  waitBuckets: number[];
}

export type MetricKey = Pick<MetricRow, 'minute' | 'queue' | 'jobType' | 'step' | 'outcome' | 'attempt'>;

const KEY_COLUMNS = ['minute', 'queue', 'job_type', 'step', 'outcome', 'attempt'];
const indexes = Array.from({ length: BUCKET_COUNT }, (_, i) => i);

function fromDb(row: Record<string, unknown>): MetricRow {
  return {
    minute: toDate(row.minute),
    queue: String(row.queue),
    jobType: String(row.job_type),
    step: String(row.step),
    outcome: row.outcome as JobOutcome,
    attempt: Number(row.attempt),
    count: Number(row.count),
    durationMsSum: Number(row.duration_ms_sum),
    durationMsMax: Number(row.duration_ms_max),
    waitMsSum: Number(row.wait_ms_sum),
    waitMsMax: Number(row.wait_ms_max),
    durationBuckets: indexes.map((i) => Number(row[`d_${i}`])),
    waitBuckets: indexes.map((i) => Number(row[`w_${i}`])),
  };
}

/** The per-minute metrics table (job_metrics): workers add into it, the Jobs page and the alerts read it, the cleanup trims it. */
export function createJobMetricsStore(db: Db) {
  const greatest = db.client.config.client === 'mysql2' ? 'GREATEST' : 'MAX';

  return {
    /** Adds each delta into its row (created when missing), all or none: concurrent workers never lose a count. */
    async add(deltas: MetricRow[]): Promise<void> {
      await db.transaction(async (trx) => {
      for (const d of deltas) {
        const values: Record<string, unknown> = {
          minute: d.minute,
          queue: d.queue,
          job_type: d.jobType,
          step: d.step,
          outcome: d.outcome,
          attempt: d.attempt,
          count: d.count,
          duration_ms_sum: d.durationMsSum,
          duration_ms_max: d.durationMsMax,
          wait_ms_sum: d.waitMsSum,
          wait_ms_max: d.waitMsMax,
        };
        const merge: Record<string, Knex.Raw> = {
          count: db.raw('?? + ?', ['count', d.count]),
          duration_ms_sum: db.raw('?? + ?', ['duration_ms_sum', d.durationMsSum]),
          wait_ms_sum: db.raw('?? + ?', ['wait_ms_sum', d.waitMsSum]),
          duration_ms_max: db.raw(`${greatest}(??, ?)`, ['duration_ms_max', d.durationMsMax]),
          wait_ms_max: db.raw(`${greatest}(??, ?)`, ['wait_ms_max', d.waitMsMax]),
        };
        for (const i of indexes) {
          values[`d_${i}`] = d.durationBuckets[i];
          values[`w_${i}`] = d.waitBuckets[i];
          if (d.durationBuckets[i]) merge[`d_${i}`] = db.raw('?? + ?', [`d_${i}`, d.durationBuckets[i]]);
          if (d.waitBuckets[i]) merge[`w_${i}`] = db.raw('?? + ?', [`w_${i}`, d.waitBuckets[i]]);
        }
        await trx('job_metrics').insert(values).onConflict(KEY_COLUMNS).merge(merge);
      }
      });
    },

    /** The rows from `since` (inclusive) to `until` (exclusive), optionally of one queue, job type or step. */
    async rows(filter: { since: Date; until?: Date; queue?: string; jobType?: string; step?: string }): Promise<MetricRow[]> {
      const query = db('job_metrics').where('minute', '>=', filter.since).orderBy('minute').orderBy('id');
      if (filter.until) query.where('minute', '<', filter.until);
      if (filter.queue) query.where('queue', filter.queue);
      if (filter.jobType) query.where('job_type', filter.jobType);
      if (filter.step !== undefined) query.where('step', filter.step);
      return (await query.select('*')).map(fromDb);
    },
  };
}

export type JobMetricsStore = ReturnType<typeof createJobMetricsStore>;
