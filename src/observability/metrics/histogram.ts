/**
 * Upper bounds (ms) of the duration and wait histograms kept per minute; one more bucket holds everything beyond
 * the last bound. Percentiles read from them are the upper bound of the bucket the rank falls in (like Prometheus).
 */
export const HISTOGRAM_BOUNDS_MS = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000] as const;

export const BUCKET_COUNT = HISTOGRAM_BOUNDS_MS.length + 1;

export function bucketOf(ms: number): number {
  const i = HISTOGRAM_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? HISTOGRAM_BOUNDS_MS.length : i;
}

/** The q-quantile (0..1) of a bucketed histogram, or null when it is empty; beyond the last bound answers maxMs. */
export function quantileOf(buckets: readonly number[], q: number, maxMs: number): number | null {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= rank) return i < HISTOGRAM_BOUNDS_MS.length ? Math.min(HISTOGRAM_BOUNDS_MS[i], maxMs) : maxMs;
  }
  return maxMs;
}
