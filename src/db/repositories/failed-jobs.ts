import type { Db } from '../knex';
import type { JobType, TaskQueueName } from '../../jobs/contract';
import { parseJson, toDate, toDateOrNull } from '../normalize';

export interface FailedJob {
  id: number;
  jobType: JobType;
  workflowId: string;
  runId: string | null;
  taskQueue: TaskQueueName;
  errorType: string;
  errorMessage: string;
  payload: Record<string, unknown>;
  ticketId: number | null;
  companyId: number | null;
  failedAt: Date;
  retriedAt: Date | null;
  retryWorkflowId: string | null;
  retryStatus: 'running' | 'succeeded' | 'failed' | null;
}

export interface NewFailedJob {
  jobType: JobType;
  workflowId: string;
  runId?: string;
  taskQueue: TaskQueueName;
  errorType: string;
  errorMessage: string;
  /** ids and statuses only: never mail bodies or file bytes */
  payload: Record<string, unknown>;
  ticketId?: number;
  companyId?: number;
}

function toFailedJob(row: Record<string, unknown>): FailedJob {
  return {
    id: Number(row.id),
    jobType: row.job_type as JobType,
    workflowId: String(row.workflow_id),
    runId: (row.run_id as string | null) ?? null,
    taskQueue: row.task_queue as TaskQueueName,
    errorType: String(row.error_type),
    errorMessage: String(row.error_message),
    payload: parseJson(row.payload, {}),
    ticketId: row.ticket_id === null ? null : Number(row.ticket_id),
    companyId: row.company_id === null ? null : Number(row.company_id),
    failedAt: toDate(row.failed_at),
    retriedAt: toDateOrNull(row.retried_at),
    retryWorkflowId: (row.retry_workflow_id as string | null) ?? null,
    retryStatus: (row.retry_status as FailedJob['retryStatus']) ?? null,
  };
}

export function createFailedJobsRepository(db: Db) {
  return {
    async record(job: NewFailedJob, at: Date = new Date()): Promise<number> {
      const [id] = await db('failed_jobs').insert({
        job_type: job.jobType,
        workflow_id: job.workflowId,
        run_id: job.runId ?? null,
        task_queue: job.taskQueue,
        error_type: job.errorType,
        error_message: job.errorMessage.slice(0, 4000),
        payload: JSON.stringify(job.payload),
        ticket_id: job.ticketId ?? null,
        company_id: job.companyId ?? null,
        failed_at: at,
      });
      return Number(id);
    },
    async findById(id: number): Promise<FailedJob | undefined> {
      const row = await db('failed_jobs').where({ id }).first();
      return row && toFailedJob(row);
    },
    async listByWorkflowId(workflowId: string): Promise<FailedJob[]> {
      const rows = await db('failed_jobs').where({ workflow_id: workflowId }).orderBy('id');
      return rows.map(toFailedJob);
    },
  };
}

export type FailedJobsRepository = ReturnType<typeof createFailedJobsRepository>;
