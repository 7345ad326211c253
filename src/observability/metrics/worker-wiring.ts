import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { Db } from '../../db/knex';
import type { Logger } from '../../logger';
import { stepMetricsInterceptor } from './activity-interceptor';
import { createJobMetricsRecorder, type JobMetricsRecorder } from './recorder';
import { createJobMetricsStore } from './store';
import { projectCountersInterceptor } from './worker-telemetry';
import { TRACING_WORKFLOW_MODULE, tracingWorkerOptions } from '../tracing';
import type { JobMetricsSinks } from './workflow-interceptor';

/** The workflow interceptor modules every bundle of the workflows must include (bundleWorkflowCode's workflowInterceptorModules). */
export const WORKFLOW_INTERCEPTOR_MODULES: string[] = [require.resolve('./workflow-interceptor'), TRACING_WORKFLOW_MODULE];

const recorders = new WeakMap<Db, JobMetricsRecorder>();

/** One recorder per database handle: all workers of a process add into the same minute rows. */
export function jobMetricsRecorder(db: Db, logger: Logger, flushMs = 10_000): JobMetricsRecorder {
  let recorder = recorders.get(db);
  if (!recorder) {
    recorder = createJobMetricsRecorder(createJobMetricsStore(db), logger, flushMs);
    recorders.set(db, recorder);
  }
  return recorder;
}

/** Writes what the process's workers recorded so far (tests, and before a worker process exits). */
export async function flushJobMetrics(db: Db): Promise<void> {
  await recorders.get(db)?.flush();
}

/** The Worker.create options that make a worker record its jobs and steps into the per-minute metrics and trace them (src/observability/tracing.ts). */
export function jobMetricsWorkerOptions(
  recorder: JobMetricsRecorder,
  jobTypeOf: (workflowType: string) => string,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const tracing = tracingWorkerOptions();
  const sinks: InjectedSinks<JobMetricsSinks> & typeof tracing.sinks = {
    ...tracing.sinks,
    jobMetrics: {
      jobFinished: {
        fn(info, sample) {
          recorder.record({
            at: new Date(),
            queue: info.taskQueue,
            jobType: jobTypeOf(info.workflowType),
            step: '',
            outcome: sample.outcome,
            attempt: info.attempt,
            durationMs: sample.durationMs,
            waitMs: sample.waitMs,
          });
        },
        callDuringReplay: false,
      },
    },
  };
  return {
    interceptors: {
      activity: [...tracing.activity, stepMetricsInterceptor(recorder, jobTypeOf), projectCountersInterceptor()],
      workflowModules: WORKFLOW_INTERCEPTOR_MODULES,
    },
    sinks,
  };
}
