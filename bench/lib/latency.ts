/** Latency figures of a load run: nearest-rank percentiles over every request's duration. */

/** The nearest-rank percentile (p in 0..100) of the values: the smallest value at least p % of them do not exceed. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not within 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * Runs `total` calls of `call`, at most `concurrency` at once, and returns each call's duration in ms (in completion
 * order). A call that throws fails the run: a latency figure that hides errors would flatter.
 */
export async function timeAtConcurrency(total: number, concurrency: number, call: (index: number) => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const index = next++;
      const started = performance.now();
      await call(index);
      durations.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return durations;
}
