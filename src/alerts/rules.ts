import { livePollers, type WorkerSighting } from '../admin/live-pollers';
import { BUCKET_COUNT, quantileOf } from '../observability/metrics/histogram';
import type { MetricRow } from '../observability/metrics/store';

export const ALERT_RULES = ['failed_jobs', 'wait_p95', 'no_worker', 'dead_letters'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/** What one rule measured for one subject (a job type, a queue, or '*' for the dead-letter list) at one check. */
export interface AlertReading {
  rule: AlertRule;
  subject: string;
  /** the measure: jobs, seconds, entries; null for a queue no worker was ever seen on */
  value: number | null;
  threshold: number;
  firing: boolean;
}

export interface AlertSettings {
  failedJobsThreshold: number;
  failedJobsWindowMinutes: number;
  waitP95Seconds: number;
  waitWindowMinutes: number;
  noPollerSeconds: number;
  deadLettersThreshold: number;
}

/** The rules whose threshold is set (0 turns a rule off). */
export function activeRules(settings: AlertSettings): AlertRule[] {
  const thresholds: Record<AlertRule, number> = {
    failed_jobs: settings.failedJobsThreshold,
    wait_p95: settings.waitP95Seconds,
    no_worker: settings.noPollerSeconds,
    dead_letters: settings.deadLettersThreshold,
  };
  return ALERT_RULES.filter((rule) => thresholds[rule] > 0);
}

const MINUTE_MS = 60_000;

/**
 * Where a window of `minutes` ending at `now` starts in the per-minute rows: at the start of the minute it begins in,
 * so the minute row it cuts through counts whole. A 1-minute window at 10:05:20 reads the rows of 10:04 and 10:05;
 * a job that ended at 10:04:59 is still in it, one at 10:03:59 no longer.
 */
export function windowStart(now: Date, minutes: number): Date {
  return new Date(Math.floor((now.getTime() - minutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS);
}

/** Jobs of each type that ended failed within the window (job-level rows, step ''), firing at `threshold` or more. */
export function failedJobsReadings(rows: MetricRow[], threshold: number): AlertReading[] {
  const failed = new Map<string, number>();
  for (const row of rows) {
    if (row.step !== '' || row.outcome !== 'failed') continue;
    failed.set(row.jobType, (failed.get(row.jobType) ?? 0) + row.count);
  }
  return [...failed.entries()].map(([jobType, count]) => ({ rule: 'failed_jobs', subject: jobType, value: count, threshold, firing: count >= threshold }));
}

/** Each queue's p95 wait (schedule-to-start, job-level rows) within the window, in seconds, firing above `thresholdSeconds`. */
export function waitP95Readings(rows: MetricRow[], thresholdSeconds: number): AlertReading[] {
  const byQueue = new Map<string, { buckets: number[]; max: number }>();
  for (const row of rows) {
    if (row.step !== '' || row.outcome === 'retried') continue;
    let acc = byQueue.get(row.queue);
    if (!acc) byQueue.set(row.queue, (acc = { buckets: new Array<number>(BUCKET_COUNT).fill(0), max: 0 }));
    for (let i = 0; i < BUCKET_COUNT; i++) acc.buckets[i] += row.waitBuckets[i];
    acc.max = Math.max(acc.max, row.waitMsMax);
  }
  const readings: AlertReading[] = [];
  for (const [queue, acc] of byQueue) {
    const p95Ms = quantileOf(acc.buckets, 0.95, acc.max);
    if (p95Ms === null) continue;
    const seconds = p95Ms / 1000;
    readings.push({ rule: 'wait_p95', subject: queue, value: seconds, threshold: thresholdSeconds, firing: seconds > thresholdSeconds });
  }
  return readings;
}

/**
 * A queue without a worker: no live poller (Temporal's pollers checked against the worker processes' heartbeats,
 * as on the overview), for `thresholdSeconds` since a worker was last seen there. A queue no worker was ever seen
 * on fires at once (value null).
 */
export function noWorkerReading(
  queue: string,
  pollers: Array<{ identity: string; lastAccessTime: Date | null }>,
  heartbeats: WorkerSighting[],
  now: Date,
  thresholdSeconds: number,
): AlertReading {
  const live = livePollers(pollers, heartbeats, now);
  const seen = [...pollers.map((p) => p.lastAccessTime?.getTime() ?? 0), ...heartbeats.map((h) => h.seenAt.getTime())].filter((t) => t > 0);
  const lastSeen = seen.length > 0 ? Math.max(...seen) : null;
  const without = lastSeen === null ? null : Math.max(0, Math.round((now.getTime() - lastSeen) / 1000));
  const firing = live.length === 0 && (without === null || without >= thresholdSeconds);
  return { rule: 'no_worker', subject: queue, value: live.length > 0 ? 0 : without, threshold: thresholdSeconds, firing };
}

/** Dead letters nobody has retried successfully (nor is retrying), firing at `threshold` or more. */
export function deadLettersReading(open: number, threshold: number): AlertReading {
  return { rule: 'dead_letters', subject: '*', value: open, threshold, firing: open >= threshold };
}

/** One line for people: the subject line of the mail and the webhook's text. */
export function describeReading(reading: Pick<AlertReading, 'rule' | 'subject' | 'value' | 'threshold'>, settings: Pick<AlertSettings, 'failedJobsWindowMinutes' | 'waitWindowMinutes'>): string {
  const value = reading.value;
  switch (reading.rule) {
    case 'failed_jobs':
      return `${value} failed ${reading.subject} jobs in the last ${settings.failedJobsWindowMinutes} min (threshold ${reading.threshold})`;
    case 'wait_p95':
      return `queue ${reading.subject}: jobs wait ${value} s before they start (p95 over ${settings.waitWindowMinutes} min, threshold ${reading.threshold} s)`;
    case 'no_worker':
      return value === null
        ? `queue ${reading.subject}: no worker has polled it (threshold ${reading.threshold} s)`
        : `queue ${reading.subject}: no worker for ${value} s (threshold ${reading.threshold} s)`;
    case 'dead_letters':
      return `${value} dead letters wait for triage (threshold ${reading.threshold})`;
  }
}

export const RULE_TITLES: Record<AlertRule, string> = {
  failed_jobs: 'Failed jobs',
  wait_p95: 'Long waits',
  no_worker: 'No worker',
  dead_letters: 'Dead letters',
};
