import type { Logger } from '../../logger';
import { BUCKET_COUNT, bucketOf } from './histogram';
import type { JobMetricsStore, JobOutcome, MetricRow } from './store';

/** One finished job (step '') or one finished step attempt, as the worker saw it. */
export interface MetricSample {
  /** when it finished */
  at: Date;
  queue: string;
  jobType: string;
  /** the activity type, or '' for the job (workflow) itself */
  step: string;
  outcome: JobOutcome;
  attempt: number;
  durationMs: number;
  /** schedule-to-start: how long it waited for a worker */
  waitMs: number;
}

export interface JobMetricsRecorder {
  record(sample: MetricSample): void;
  /** writes what was recorded since the last flush; a failed write keeps it for the next one */
  flush(): Promise<void>;
  /** stops the periodic flush and flushes once more */
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;

function keyOf(s: Pick<MetricRow, 'minute' | 'queue' | 'jobType' | 'step' | 'outcome' | 'attempt'>): string {
  return JSON.stringify([s.minute.getTime(), s.queue, s.jobType, s.step, s.outcome, s.attempt]);
}

function emptyRow(sample: MetricSample): MetricRow {
  return {
    minute: new Date(Math.floor(sample.at.getTime() / MINUTE_MS) * MINUTE_MS),
    queue: sample.queue,
    jobType: sample.jobType,
    step: sample.step,
    outcome: sample.outcome,
    attempt: sample.attempt,
    count: 0,
    durationMsSum: 0,
    durationMsMax: 0,
    waitMsSum: 0,
    waitMsMax: 0,
    durationBuckets: new Array<number>(BUCKET_COUNT).fill(0),
    waitBuckets: new Array<number>(BUCKET_COUNT).fill(0),
  };
}

function addInto(target: MetricRow, delta: MetricRow): void {
  target.count += delta.count;
  target.durationMsSum += delta.durationMsSum;
  target.waitMsSum += delta.waitMsSum;
  target.durationMsMax = Math.max(target.durationMsMax, delta.durationMsMax);
  target.waitMsMax = Math.max(target.waitMsMax, delta.waitMsMax);
  for (let i = 0; i < BUCKET_COUNT; i++) {
    target.durationBuckets[i] += delta.durationBuckets[i];
    target.waitBuckets[i] += delta.waitBuckets[i];
  }
}

/** Aggregates samples per minute in memory and adds them to the database every `flushMs`, so a busy queue costs one write per key per flush. */
export function createJobMetricsRecorder(store: JobMetricsStore, logger: Logger, flushMs: number): JobMetricsRecorder {
  let pending = new Map<string, MetricRow>();
  let flushing: Promise<void> = Promise.resolve();

  function merge(rows: Iterable<MetricRow>): void {
    for (const row of rows) {
      const key = keyOf(row);
      const existing = pending.get(key);
      if (existing) addInto(existing, row);
      else pending.set(key, row);
    }
  }

  async function writeOnce(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await store.add([...batch.values()]);
    } catch (err) {
      // add() is one transaction: nothing of the batch was counted, so it goes back for the next flush
      merge(batch.values());
      logger.warn({ err: err instanceof Error ? err.message : String(err), rows: batch.size }, 'job metrics not written, kept for the next flush');
    }
  }

  const flush = (): Promise<void> => (flushing = flushing.then(writeOnce));
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  return {
    record(sample) {
      const row = emptyRow(sample);
      const durationMs = Math.max(0, Math.round(sample.durationMs));
      const waitMs = Math.max(0, Math.round(sample.waitMs));
      row.count = 1;
      row.durationMsSum = durationMs;
      row.durationMsMax = durationMs;
      row.waitMsSum = waitMs;
      row.waitMsMax = waitMs;
      row.durationBuckets[bucketOf(durationMs)] = 1;
      row.waitBuckets[bucketOf(waitMs)] = 1;
      merge([row]);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
