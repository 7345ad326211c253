/**
 * What every benchmark suite gives `npm run bench` (bench/run.ts): goals, each a ratio of the project's figure to a
 * baseline measured in the same run, baseline and project interleaved, the median of at least five pairs.
 */

export interface BenchContext {
  /** BENCH_QUICK=1: smaller workloads and fewer pairs so the whole command ends in under three minutes */
  quick: boolean;
  /** how many interleaved baseline/project pairs to run: 5, or 3 with BENCH_QUICK=1 */
  pairs: number;
  /** the database the suite measures on: MariaDB (mysql://...) or a SQLite file */
  database: { client: 'mysql2'; url: string } | { client: 'better-sqlite3'; filename: string };
  /** a scratch directory for this run (seeded databases, outputs), removed afterwards */
  workDir: string;
  log(line: string): void;
}

export interface GoalResult {
  /** short id, e.g. "notifications.throughput" */
  id: string;
  /** what the line says, e.g. "mail throughput vs pooled nodemailer (3 connections)" */
  title: string;
  /** the project's median (after `unit`) and the baseline's median in the same unit */
  project: number;
  baseline: number;
  unit: string;
  /** project / baseline, or its inverse where smaller is better, so that the target reads as written */
  ratio: number;
  /** how the ratio is judged, e.g. ">= 0.8" or "<= 1.2" */
  target: string;
  met: boolean;
  /** every pair as measured, for RESULTS.md and the JSON file */
  samples: { project: number; baseline: number }[];
  notes?: string;
  /** the same measure at 1/10 of the size, where the goal has a size (absent: an idle process, a single event) */
  scaling?: Scaling;
}

/**
 * How the project's cost grows with the size of the work: the same run at full size and at 1/10 of it.
 * `factor` = cost at full size / cost at 1/10: 10 is linear; below 10 a fixed part (start-up, warm-up) weighs on
 * the small run; above 10 the cost grows faster than the size. For a memory growth, ~1 says it does not grow.
 */
export interface Scaling {
  /** what grows: "rows", "events", "requests" */
  sizeUnit: string;
  size: number;
  tenthSize: number;
  /** the cost measured at each size, e.g. "s" or "MB" (medians of the runs in `full` and `tenth`) */
  costUnit: string;
  full: number;
  tenth: number;
  /** null when the 1/10 run cost nothing measurable (no RSS growth at all): no factor to give */
  factor: number | null;
}

/** The scaling of a goal from the costs measured at full size and at 1/10 (medians of each). */
export function scalingOf(input: { sizeUnit: string; size: number; costUnit: string; full: readonly number[]; tenth: readonly number[] }): Scaling {
  const full = median(input.full);
  const tenth = median(input.tenth);
  return {
    sizeUnit: input.sizeUnit,
    size: input.size,
    tenthSize: tenthOf(input.size),
    costUnit: input.costUnit,
    full,
    tenth,
    factor: tenth > 0 ? full / tenth : null,
  };
}

/** 1/10 of a workload's size, at least 1. */
export function tenthOf(size: number): number {
  return Math.max(1, Math.round(size / 10));
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): Promise<GoalResult[]>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A goal from interleaved pairs: medians of each side, ratio taken as `higherIsBetter` says, judged against `target`. */
export function goalFromPairs(input: {
  id: string;
  title: string;
  unit: string;
  samples: { project: number; baseline: number }[];
  /** true: ratio = project / baseline (throughput); false: ratio = project / baseline too, but the target is an upper bound (time, latency) */
  higherIsBetter: boolean;
  threshold: number;
  notes?: string;
  scaling?: Scaling;
}): GoalResult {
  const project = median(input.samples.map((s) => s.project));
  const baseline = median(input.samples.map((s) => s.baseline));
  const ratio = baseline === 0 ? Number.POSITIVE_INFINITY : project / baseline;
  const met = input.higherIsBetter ? ratio >= input.threshold : ratio <= input.threshold;
  return {
    id: input.id,
    title: input.title,
    project,
    baseline,
    unit: input.unit,
    ratio,
    target: `${input.higherIsBetter ? '>=' : '<='} ${input.threshold}`,
    met,
    samples: input.samples,
    notes: input.notes,
    ...(input.scaling ? { scaling: input.scaling } : {}),
  };
}

/** A goal with no baseline (an absolute bound such as RSS in MB): ratio = value / limit, met when <= 1. */
export function goalWithinLimit(input: { id: string; title: string; unit: string; values: number[]; limit: number; notes?: string; scaling?: Scaling }): GoalResult {
  const project = median(input.values);
  return {
    id: input.id,
    title: input.title,
    project,
    baseline: input.limit,
    unit: input.unit,
    ratio: project / input.limit,
    target: `<= 1 (limit ${input.limit} ${input.unit})`,
    met: project <= input.limit,
    samples: input.values.map((value) => ({ project: value, baseline: input.limit })),
    notes: input.notes,
    ...(input.scaling ? { scaling: input.scaling } : {}),
  };
}
