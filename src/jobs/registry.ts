import { ALL_TASK_QUEUES, type TaskQueueName } from './contract';
import type { JobDefinition } from './job-definition';
import { alertCheckJob } from './types/alerts/definition';
import { cleanupJob } from './types/cleanup/definition';
import { notificationJob } from './types/notification/definition';
import { reportJob } from './types/report/definition';

/**
 * Every job type, one line each. Adding one: a folder under src/jobs/types/ (workflow, activities,
 * definition), a line here, its workflow exported from workflows/index.ts (recipe in CONTRIBUTING.md).
 * Workflow code never imports this module: it pulls in the activities (knex, nodemailer).
 */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [
  notificationJob,
  reportJob,
  cleanupJob,
  alertCheckJob,
];

export interface JobRegistry {
  readonly definitions: readonly JobDefinition[];
  /** the definition of a job type, or undefined for a name no definition has (e.g. an old failed_jobs row) */
  find(jobType: string): JobDefinition | undefined;
  /** the definition of a job type the caller knows exists; throws otherwise */
  get(jobType: string): JobDefinition;
  /** the job types whose workflows and activities run on a queue */
  onQueue(queue: string): JobDefinition[];
  /** the queues some job type runs on (in the contract's order) */
  readonly queues: TaskQueueName[];
}

export function createJobRegistry(definitions: readonly JobDefinition[]): JobRegistry {
  const byType = new Map<string, JobDefinition>();
  for (const definition of definitions) {
    if (byType.has(definition.jobType)) throw new Error(`job type ${definition.jobType} is registered twice`);
    if (definitions.filter((d) => d.workflowType === definition.workflowType).length > 1) {
      throw new Error(`workflow type ${definition.workflowType} belongs to two job types`);
    }
    byType.set(definition.jobType, definition);
  }
  return {
    definitions,
    find: (jobType) => byType.get(jobType),
    get(jobType) {
      const definition = byType.get(jobType);
      if (!definition) throw new Error(`unknown job type ${jobType}`);
      return definition;
    },
    onQueue: (queue) => definitions.filter((d) => d.taskQueue === queue),
    queues: ALL_TASK_QUEUES.filter((queue) => definitions.some((d) => d.taskQueue === queue)),
  };
}

/** The job types this system runs. */
export const jobRegistry: JobRegistry = createJobRegistry(JOB_DEFINITIONS);
