import type { Config } from '../config';
import type { JobRegistry } from '../jobs/registry';
import { BULK_RETRY_LIMIT } from './failed-jobs-service';

/** Limits the admin pages show and respect; the API enforces the same values. */
export const ADMIN_LIMITS = {
  /** entries one bulk retry starts at most */
  bulkRetry: BULK_RETRY_LIMIT,
  /** page sizes of the failed-job list and the job search */
  failedJobsPage: { default: 50, max: 100 },
  jobSearchPage: { default: 20, max: 100 },
} as const;

/** What the admin pages need to know about the job types: names, queues, permissions and limits, from the registry. */
export function describeJobTypes(registry: JobRegistry, workers: Pick<Config['workers'], 'concurrency'>) {
  return {
    jobTypes: registry.definitions.map((definition) => ({
      jobType: definition.jobType,
      workflowType: definition.workflowType,
      taskQueue: definition.taskQueue,
      permission: definition.permission,
      retryable: !('notRetryable' in definition.retry),
    })),
    queues: registry.queues.map((queue) => ({
      queue,
      jobTypes: registry.onQueue(queue).map((definition) => definition.jobType),
      activitySlotsPerWorker: workers.concurrency[queue],
    })),
    limits: ADMIN_LIMITS,
  };
}
