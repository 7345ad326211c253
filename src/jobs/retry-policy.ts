/**
 * The retry policy of every job step, from the original design: 3 retries after the first attempt,
 * waiting 10 s, 30 s, 60 s. No imports: the workflow bundle reads it.
 */
export const RETRY_POLICY = {
  initialInterval: '10s',
  backoffCoefficient: 3,
  maximumInterval: '60s',
  maximumAttempts: 4,
} as const;
