import { BUCKET_COUNT, quantileOf } from './histogram';
import type { JobMetricsStore, MetricRow } from './store';

export const CHART_WINDOWS = { '1h': { minutes: 60, bucketMinutes: 1 }, '24h': { minutes: 1440, bucketMinutes: 15 } } as const;
export type ChartWindow = keyof typeof CHART_WINDOWS;

export interface SeriesPoint {
  /** the bucket's start (ISO) */
  t: string;
  completed: number;
  failed: number;
  cancelled: number;
  /** jobs that ended (completed, failed, cancelled) per minute over the bucket */
  perMinute: number;
  /** failed / ended, null when none ended */
  failureRate: number | null;
  runtimeP50Ms: number | null;
  runtimeP95Ms: number | null;
  waitP95Ms: number | null;
}

export interface Series {
  queue: string;
  jobType: string;
  points: SeriesPoint[];
}

interface Acc {
  completed: number;
  failed: number;
  cancelled: number;
  duration: number[];
  wait: number[];
  durationMax: number;
  waitMax: number;
}

const MINUTE_MS = 60_000;
const emptyAcc = (): Acc => ({ completed: 0, failed: 0, cancelled: 0, duration: new Array<number>(BUCKET_COUNT).fill(0), wait: new Array<number>(BUCKET_COUNT).fill(0), durationMax: 0, waitMax: 0 });

/**
 * Job-level series (step '') per queue and job type over a window ending now: one point per bucket, every bucket
 * present (zeros when nothing ended), so charts and their tables line up.
 */
export function buildSeries(rows: MetricRow[], window: ChartWindow, now: Date): { window: ChartWindow; bucketMinutes: number; from: string; to: string; series: Series[] } {
  const { minutes, bucketMinutes } = CHART_WINDOWS[window];
  const bucketMs = bucketMinutes * MINUTE_MS;
  const end = Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs;
  const start = end - Math.ceil(minutes / bucketMinutes) * bucketMs;
  const groups = new Map<string, { queue: string; jobType: string; buckets: Map<number, Acc> }>();
  for (const row of rows) {
    if (row.step !== '' || row.outcome === 'retried') continue;
    const at = row.minute.getTime();
    if (at < start || at >= end) continue;
    const key = `${row.queue}\u0000${row.jobType}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { queue: row.queue, jobType: row.jobType, buckets: new Map() }));
    const bucket = Math.floor((at - start) / bucketMs);
    let acc = group.buckets.get(bucket);
    if (!acc) group.buckets.set(bucket, (acc = emptyAcc()));
    acc[row.outcome as 'completed' | 'failed' | 'cancelled'] += row.count;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      acc.duration[i] += row.durationBuckets[i];
      acc.wait[i] += row.waitBuckets[i];
    }
    acc.durationMax = Math.max(acc.durationMax, row.durationMsMax);
    acc.waitMax = Math.max(acc.waitMax, row.waitMsMax);
  }
  const series = [...groups.values()]
    .sort((a, b) => a.queue.localeCompare(b.queue) || a.jobType.localeCompare(b.jobType))
    .map((group) => ({
      queue: group.queue,
      jobType: group.jobType,
      points: Array.from({ length: (end - start) / bucketMs }, (_, i): SeriesPoint => {
        const acc = group.buckets.get(i) ?? emptyAcc();
        const ended = acc.completed + acc.failed + acc.cancelled;
        return {
          t: new Date(start + i * bucketMs).toISOString(),
          completed: acc.completed,
          failed: acc.failed,
          cancelled: acc.cancelled,
          perMinute: ended / bucketMinutes,
          failureRate: ended === 0 ? null : acc.failed / ended,
          runtimeP50Ms: quantileOf(acc.duration, 0.5, acc.durationMax),
          runtimeP95Ms: quantileOf(acc.duration, 0.95, acc.durationMax),
          waitP95Ms: quantileOf(acc.wait, 0.95, acc.waitMax),
        };
      }),
    }));
  return { window, bucketMinutes, from: new Date(start).toISOString(), to: new Date(end).toISOString(), series };
}

/** Reads the window's rows (optionally one queue or job type) and builds its series. */
export async function jobSeries(store: JobMetricsStore, filter: { window: ChartWindow; queue?: string; jobType?: string }, now = new Date()) {
  const since = new Date(now.getTime() - (CHART_WINDOWS[filter.window].minutes + CHART_WINDOWS[filter.window].bucketMinutes) * MINUTE_MS);
  const rows = await store.rows({ since, queue: filter.queue, jobType: filter.jobType, step: '' });
  return buildSeries(rows, filter.window, now);
}
