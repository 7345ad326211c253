import type { Knex } from 'knex';
import type { Db } from '../knex';
import { NOTIFICATION_FAILURES, type JobType, type TaskQueueName } from '../../jobs/contract';
import { parseJson, toDate, toDateOrNull } from '../normalize';

export interface FailedJob {
  id: number;
  jobType: JobType | (string & {});
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
  /** a registered job type; a string so a job type added to the registry needs no change here */
  jobType: JobType | (string & {});
  workflowId: string;
  runId?: string;
  taskQueue: TaskQueueName | (string & {});
  errorType: string;
  errorMessage: string;
  /** ids and statuses only: never mail bodies or file bytes */
  payload: Record<string, unknown>;
  ticketId?: number;
  companyId?: number;
}

export type RetryStatus = NonNullable<FailedJob['retryStatus']>;

/**
 * How a failed notification failed, read from its recipients' error types: the kinds an admin triages
 * apart (credentials to fix, a template to repair, addresses refused for good, a server that kept deferring).
 * An entry takes the first kind in this order that one of its recipients had; the payload is our own
 * JSON.stringify, so a LIKE on it works the same on SQLite and MySQL.
 */
export const FAILURE_KINDS = ['smtp_auth', 'template', 'smtp_permanent', 'smtp_temporary', 'other'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
const KIND_PATTERNS: Array<[Exclude<FailureKind, 'other'>, string]> = [
  ['smtp_auth', `%"errorType":"${NOTIFICATION_FAILURES.smtpAuth}"%`],
  ['template', '%"errorType":"Template%'],
  ['smtp_permanent', `%"errorType":"${NOTIFICATION_FAILURES.smtpPermanent}"%`],
  ['smtp_temporary', `%"errorType":"${NOTIFICATION_FAILURES.smtpTransient}"%`],
];

function failureKindExpression(db: Db): Knex.Raw {
  const cases = KIND_PATTERNS.map(() => 'when payload like ? then ?').join(' ');
  return db.raw(`case when error_type <> ? then null ${cases} else 'other' end`, [
    NOTIFICATION_FAILURES.deliveryFailed,
    ...KIND_PATTERNS.flatMap(([kind, pattern]) => [pattern, kind]),
  ]);
}

function whereFailureKind(query: Knex.QueryBuilder, kind: FailureKind): void {
  query.where('error_type', NOTIFICATION_FAILURES.deliveryFailed);
  const index = KIND_PATTERNS.findIndex(([k]) => k === kind);
  const stronger = index === -1 ? KIND_PATTERNS : KIND_PATTERNS.slice(0, index);
  if (index !== -1) query.where('payload', 'like', KIND_PATTERNS[index][1]);
  for (const [, pattern] of stronger) query.whereNot('payload', 'like', pattern);
}

export interface FailedJobFilter {
  /** notification delivery failures only: the kind of failure (see FAILURE_KINDS) */
  failureKind?: FailureKind;
  jobType?: JobType;
  errorType?: string;
  ids?: number[];
  ticketId?: number;
  /** true: only entries never retried */
  notRetried?: boolean;
}

export interface FailedJobGroup {
  jobType: JobType;
  errorType: string;
  /** set on notification delivery failures, which are grouped by how they failed */
  failureKind: FailureKind | null;
  count: number;
  lastFailedAt: Date;
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

function applyFilter(query: Knex.QueryBuilder, filter: FailedJobFilter): Knex.QueryBuilder {
  if (filter.jobType) query.where('job_type', filter.jobType);
  if (filter.errorType) query.where('error_type', filter.errorType);
  if (filter.ids) query.whereIn('id', filter.ids);
  if (filter.ticketId) query.where('ticket_id', filter.ticketId);
  if (filter.notRetried) query.whereNull('retry_workflow_id');
  if (filter.failureKind) whereFailureKind(query, filter.failureKind);
  return query;
}

export function createFailedJobsRepository(db: Db) {
  return {
    /**
     * The one way a failure reaches the dead-letter list. Idempotent per run: recording the same
     * (workflowId, runId) again (a retried activity) keeps the first entry and answers its id.
     */
    async record(job: NewFailedJob, at: Date = new Date()): Promise<number> {
      const row = {
        job_type: job.jobType,
        workflow_id: job.workflowId,
        run_id: job.runId ?? null,
        task_queue: job.taskQueue,
        error_type: job.errorType.slice(0, 64),
        error_message: job.errorMessage.slice(0, 4000),
        payload: JSON.stringify(job.payload),
        ticket_id: job.ticketId ?? null,
        company_id: job.companyId ?? null,
        failed_at: at,
      };
      if (!job.runId) return Number((await db('failed_jobs').insert(row))[0]);
      // the insert's own id is unreliable when it was ignored (SQLite answers the connection's last rowid)
      await db('failed_jobs').insert(row).onConflict(['workflow_id', 'run_id']).ignore();
      const existing = await db('failed_jobs').where({ workflow_id: job.workflowId, run_id: job.runId }).first('id');
      return Number(existing.id);
    },
    async findById(id: number): Promise<FailedJob | undefined> {
      const row = await db('failed_jobs').where({ id }).first();
      return row && toFailedJob(row);
    },
    /** Newest first; `beforeId` is the cursor of the next page. */
    async list(filter: FailedJobFilter & { limit: number; beforeId?: number }): Promise<FailedJob[]> {
      const query = applyFilter(db('failed_jobs'), filter).orderBy('id', 'desc').limit(filter.limit);
      if (filter.beforeId) query.where('id', '<', filter.beforeId);
      return (await query).map(toFailedJob);
    },
    async groups(filter: FailedJobFilter = {}): Promise<FailedJobGroup[]> {
      const rows = await applyFilter(db('failed_jobs'), filter)
        .select('job_type', 'error_type', db.raw('? as failure_kind', [failureKindExpression(db)]))
        .count({ n: '*' })
        .max({ last_failed_at: 'failed_at' })
        .groupBy('job_type', 'error_type', 'failure_kind')
        .orderBy([{ column: 'n', order: 'desc' }, { column: 'job_type' }, { column: 'error_type' }, { column: 'failure_kind' }]);
      return rows.map((row: Record<string, unknown>) => ({
        jobType: row.job_type as JobType,
        errorType: String(row.error_type),
        failureKind: (row.failure_kind as FailureKind | null) ?? null,
        count: Number(row.n),
        lastFailedAt: toDate(row.last_failed_at),
      }));
    },
    /** Links the entry to its retry workflow (a new retry replaces a failed one). */
    async markRetryStarted(id: number, retryWorkflowId: string, at: Date = new Date()): Promise<void> {
      await db('failed_jobs').where({ id }).update({ retry_workflow_id: retryWorkflowId, retry_status: 'running', retried_at: at });
    },
    async setRetryStatus(id: number, status: RetryStatus): Promise<void> {
      await db('failed_jobs').where({ id }).update({ retry_status: status });
    },
    /** Per task queue: entries failed since `since`, and how many of them a retry has since completed. */
    async countSince(since: Date): Promise<Array<{ taskQueue: string; failed: number; retriedOk: number }>> {
      const rows = await db('failed_jobs')
        .where('failed_at', '>', since)
        .select('task_queue')
        .count({ n: '*' })
        .sum({ ok: db.raw("case when retry_status = 'succeeded' then 1 else 0 end") })
        .groupBy('task_queue')
        .orderBy('task_queue');
      return rows.map((row: Record<string, unknown>) => ({ taskQueue: String(row.task_queue), failed: Number(row.n), retriedOk: Number(row.ok ?? 0) }));
    },
    /** Entries still waiting for someone: never retried, or their retry failed (a running or succeeded retry is handled). */
    async countAwaitingTriage(): Promise<number> {
      const row = await db('failed_jobs').whereNull('retry_status').orWhere('retry_status', 'failed').count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
    async listByWorkflowId(workflowId: string): Promise<FailedJob[]> {
      const rows = await db('failed_jobs').where({ workflow_id: workflowId }).orderBy('id');
      return rows.map(toFailedJob);
    },
  };
}

export type FailedJobsRepository = ReturnType<typeof createFailedJobsRepository>;
