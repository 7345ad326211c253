/**
 * Bundled into the workflow code (workflow interceptor module): records each job's outcome, duration and wait
 * through the `jobMetrics` sink. Sinks are not commands: histories stay the same, and replays do not call them.
 * Imports only @temporalio/workflow (it runs in the workflow sandbox).
 */
import {
  ContinueAsNew,
  isCancellation,
  proxySinks,
  workflowInfo,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type Next,
} from '@temporalio/workflow';

export interface JobFinishedSample {
  outcome: 'completed' | 'failed' | 'cancelled';
  durationMs: number;
  /** from the run's start to its first workflow task: how long it waited for a worker */
  waitMs: number;
}

export interface JobMetricsSinks extends Sinks {
  jobMetrics: { jobFinished(sample: JobFinishedSample): void };
}

const { jobMetrics } = proxySinks<JobMetricsSinks>();

class JobMetricsInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const runStart = workflowInfo().runStartTime.getTime();
    const firstTask = Date.now();
    // a replay already recorded its outcome when it happened (and replay-only workers, e.g. the replay test, have no sink)
    const finish = (outcome: JobFinishedSample['outcome']) => {
      if (!workflowInfo().unsafe.isReplaying) jobMetrics.jobFinished({ outcome, durationMs: Date.now() - runStart, waitMs: firstTask - runStart });
    };
    try {
      const result = await next(input);
      finish('completed');
      return result;
    } catch (err) {
      if (!(err instanceof ContinueAsNew)) finish(isCancellation(err) ? 'cancelled' : 'failed');
      throw err;
    }
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new JobMetricsInbound()] });
