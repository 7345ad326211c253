import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { JobOutcome } from './store';
import type { JobMetricsRecorder } from './recorder';

/** What a failed attempt means for the step: retried by Temporal, or the step's final failure. */
export function stepFailureOutcome(err: unknown, info: Pick<Context['info'], 'attempt' | 'retryPolicy'>): JobOutcome {
  if (err instanceof CancelledFailure || (err instanceof Error && err.name === 'CancelledFailure')) return 'cancelled';
  if (err instanceof ApplicationFailure && err.nonRetryable) return 'failed';
  const type = err instanceof ApplicationFailure ? err.type : err instanceof Error ? err.name : undefined;
  const policy = info.retryPolicy;
  if (type && policy?.nonRetryableErrorTypes?.includes(type)) return 'failed';
  if (policy?.maximumAttempts && info.attempt >= policy.maximumAttempts) return 'failed';
  return 'retried';
}

/**
 * Records every step attempt (activity execution) of the worker: queue, job type, step, outcome, attempt,
 * duration and wait (schedule-to-start of this attempt). Runs in the worker, outside workflow histories.
 */
export function stepMetricsInterceptor(recorder: JobMetricsRecorder, jobTypeOf: (workflowType: string) => string): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const started = Date.now();
        const { info } = ctx;
        const record = (outcome: JobOutcome) =>
          recorder.record({
            at: new Date(),
            queue: info.taskQueue,
            jobType: jobTypeOf(info.workflowType ?? ''),
            step: info.activityType,
            outcome,
            attempt: info.attempt,
            durationMs: Date.now() - started,
            waitMs: started - info.currentAttemptScheduledTimestampMs,
          });
        try {
          const result = await next(input);
          record('completed');
          return result;
        } catch (err) {
          record(stepFailureOutcome(err, info));
          throw err;
        }
      },
    },
  });
}
