import type { z } from 'zod';
import type { ActivityDeps } from '../../activities/deps';
import type { Permission } from '../auth/permissions';
import type { Repositories } from '../db/repositories';
import type { FailedJob } from '../db/repositories/failed-jobs';
import type { TaskQueueName } from './contract';
import type { JobTags } from './search-attributes';

/** Who and when, next to the input, when a job is started. */
export interface StartContext {
  companyId?: number | null;
  requestedBy?: number | null;
  /** the start time, for ids made from it (manual cleanups) */
  at?: Date;
}

/** A new run of a dead-lettered job: a fresh workflow id, never deduplicated against the failed one. */
export interface RetryPlan<Input> {
  workflowId: string;
  input: Input;
  tags: Omit<JobTags, 'jobType'>;
}

/**
 * How an entry of the dead-letter list (failed_jobs) runs again. The service checks the generic part
 * (already retried, retry running) and that `plan(...).input` passes the job's input schema; the rest is here.
 */
export interface DeadLetterRetry<Input, Context> {
  /** what the checks need, loaded once for a page of this type's entries (e.g. one lookup per report) */
  load?(jobs: FailedJob[], repos: Repositories): Promise<Context>;
  /** why this entry cannot run again, or null */
  notRetryableReason(job: FailedJob, context: Context): string | null;
  plan(job: FailedJob, context: Context, requestedBy: number): RetryPlan<Input>;
}

export type ActivityFunctions = Record<string, (...args: any[]) => Promise<unknown>>;

/** Everything the system knows about one job type. The gateway, the workers, the admin API and the tests read it. */
export interface JobDefinition<Input = any, Context = any> {
  /** the JobType search attribute and failed_jobs.job_type */
  jobType: string;
  /** the exported workflow function's name in the bundle (workflows/index.ts) */
  workflowType: string;
  taskQueue: TaskQueueName;
  /** validates every start and every retry input read back from failed_jobs */
  input: z.ZodType<Input>;
  /** the permission a user needs to start this job type */
  permission: Permission;
  workflowId(input: Input, context: StartContext): string;
  /** the search attributes besides JobType (admins filter on them in the Temporal UI) */
  tags(input: Input, context: StartContext): Omit<JobTags, 'jobType'>;
  /** how a dead-lettered run is retried, or `{ notRetryable }` with the reason admins see */
  retry: DeadLetterRetry<Input, Context> | { notRetryable: string };
  /** this job type's activities; its queue's workers register them (plus the shared dead-letter activity) */
  activities(deps: ActivityDeps): ActivityFunctions;
  /** workflow task slots this job type wants per worker process (workflow tasks are short; activity slots come from WORKER_CONCURRENCY_*) */
  workflowTaskSlots: number;
  /** recorded histories in test/histories start with this name; the replay test replays them */
  historyPrefix: string;
}

/** Keeps the input type of a definition checked against its schema and functions. */
export function defineJob<Input, Context = undefined>(definition: JobDefinition<Input, Context>): JobDefinition<Input, Context> {
  return definition;
}
