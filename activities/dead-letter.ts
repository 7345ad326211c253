import type { NewFailedJob } from '../src/db/repositories/failed-jobs';
import type { ActivityDeps } from './deps';

/** What every job type records when it ends failed: the same fields for all, so the dead-letter list can retry any. */
export interface FailedJobRecord {
  jobType: string;
  workflowId: string;
  runId: string;
  taskQueue: string;
  errorType: string;
  errorMessage: string;
  /** what the job type's retry needs to run it again: ids and small values only */
  payload: Record<string, unknown>;
  ticketId?: number | null;
  companyId?: number | null;
}

/** Registered on every queue: any workflow dead-letters itself through it. */
export function createDeadLetterActivities(deps: ActivityDeps) {
  return {
    /** Idempotent per run: a retried attempt answers the entry the first one wrote. */
    async recordFailedJob(failure: FailedJobRecord): Promise<number> {
      const job: NewFailedJob = {
        jobType: failure.jobType,
        workflowId: failure.workflowId,
        runId: failure.runId,
        taskQueue: failure.taskQueue,
        errorType: failure.errorType,
        errorMessage: failure.errorMessage,
        payload: failure.payload,
        ticketId: failure.ticketId ?? undefined,
        companyId: failure.companyId ?? undefined,
      };
      const id = await deps.repos.failedJobs.record(job);
      deps.logger.warn({ workflowId: failure.workflowId, failedJobId: id, jobType: failure.jobType, errorType: failure.errorType }, 'job dead-lettered');
      return id;
    },
  };
}

export type DeadLetterActivities = ReturnType<typeof createDeadLetterActivities>;
