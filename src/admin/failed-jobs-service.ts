import { AppError, conflict, notFound } from '../api/errors';
import type { Repositories } from '../db/repositories';
import type { FailedJob, FailedJobFilter, RetryStatus } from '../db/repositories/failed-jobs';
import { JOB_TYPES, TASK_QUEUES, WORKFLOW_TYPES, workflowIds, type CleanupInput } from '../jobs/contract';
import type { JobsGateway, StartedJob } from '../jobs/gateway';
import { retryTicketNotification } from '../notifications/ticket-events-service';
import { recordAdminAction } from './audit-trail';

interface Deps {
  repos: Repositories;
  jobs: JobsGateway;
}

/** At most this many entries per bulk retry, so one request cannot flood the queues. */
export const BULK_RETRY_LIMIT = 100;

export function cleanupRetryWorkflowId(failedJobId: number): string {
  return `cleanup-retry-${failedJobId}`;
}

function retryStatusOf(workflowStatus: string): RetryStatus {
  if (workflowStatus === 'COMPLETED') return 'succeeded';
  if (workflowStatus === 'RUNNING' || workflowStatus === 'CONTINUED_AS_NEW') return 'running';
  return 'failed';
}

function present(job: FailedJob) {
  return {
    id: job.id,
    jobType: job.jobType,
    workflowId: job.workflowId,
    runId: job.runId,
    taskQueue: job.taskQueue,
    errorType: job.errorType,
    errorMessage: job.errorMessage,
    ticketId: job.ticketId,
    companyId: job.companyId,
    payload: job.payload,
    failedAt: job.failedAt.toISOString(),
    retry: job.retryWorkflowId
      ? { workflowId: job.retryWorkflowId, status: job.retryStatus, retriedAt: job.retriedAt?.toISOString() ?? null }
      : null,
  };
}

export type FailedJobView = ReturnType<typeof present>;

export function createFailedJobsService(deps: Deps) {
  const { repos, jobs } = deps;

  /** A retry still marked running may have finished since: ask Temporal and store the outcome. */
  async function refreshRetryStatus(job: FailedJob): Promise<FailedJob> {
    if (!job.retryWorkflowId || job.retryStatus !== 'running') return job;
    const description = await jobs.describe(job.retryWorkflowId);
    if (!description) return job;
    const status = retryStatusOf(description.status.name);
    if (status !== job.retryStatus) await repos.failedJobs.setRetryStatus(job.id, status);
    return { ...job, retryStatus: status };
  }

  async function assertRetryable(job: FailedJob): Promise<void> {
    if (job.retryStatus === 'succeeded') {
      throw conflict(`Failed job ${job.id} was already retried successfully (workflow ${job.retryWorkflowId})`);
    }
    if (job.retryStatus === 'running') {
      throw conflict(`Failed job ${job.id} is being retried right now (workflow ${job.retryWorkflowId})`);
    }
    if (job.retryStatus === 'failed') {
      const [next] = await repos.failedJobs.listByWorkflowId(job.retryWorkflowId as string);
      throw conflict(
        next
          ? `The retry of failed job ${job.id} failed too; retry failed job ${next.id} instead`
          : `The retry of failed job ${job.id} failed (workflow ${job.retryWorkflowId})`,
      );
    }
  }

  /** A failed report runs again in place: same row, same filters, a new workflow linked through failed_jobs. */
  async function startReportRetry(job: FailedJob, userId: number): Promise<StartedJob> {
    const reportId = Number(job.payload.reportId);
    const report = Number.isInteger(reportId) ? await repos.reports.findById(reportId) : undefined;
    if (!report) throw conflict(`The report of failed job ${job.id} was deleted; nothing to retry`);
    if (report.status !== 'failed') throw conflict(`Report ${report.id} is ${report.status}; only a failed report can be retried`);
    return jobs.startRetry({
      workflowType: WORKFLOW_TYPES.generateReport,
      workflowId: workflowIds.reportRetry(report.id, job.id),
      taskQueue: TASK_QUEUES.reports,
      args: [{ reportId: report.id }],
      tags: { jobType: JOB_TYPES.report, companyId: report.companyId, requestedBy: userId },
    });
  }

  async function startRetry(job: FailedJob, userId: number): Promise<StartedJob> {
    if (job.jobType === JOB_TYPES.notification) return retryTicketNotification(deps, job.id, userId);
    if (job.jobType === JOB_TYPES.report) return startReportRetry(job, userId);
    const input: CleanupInput = { dryRun: false, requestedBy: userId };
    return jobs.startRetry({
      workflowType: WORKFLOW_TYPES.cleanupOldData,
      workflowId: cleanupRetryWorkflowId(job.id),
      taskQueue: TASK_QUEUES.default,
      args: [input],
      tags: { jobType: JOB_TYPES.cleanup, requestedBy: userId },
    });
  }

  async function retry(id: number, userId: number, via: 'single' | 'bulk') {
    const found = await repos.failedJobs.findById(id);
    if (!found) throw notFound('Failed job');
    const job = await refreshRetryStatus(found);
    await assertRetryable(job);
    const started = await startRetry(job, userId);
    await repos.failedJobs.markRetryStarted(job.id, started.workflowId);
    await recordAdminAction(repos, {
      userId,
      verb: 'failed_job_retried',
      subjectType: 'failed_job',
      subjectId: job.id,
      properties: { jobType: job.jobType, errorType: job.errorType, failedWorkflowId: job.workflowId, retryWorkflowId: started.workflowId, via },
    });
    return { id: job.id, failedWorkflowId: job.workflowId, retryWorkflowId: started.workflowId, runId: started.runId };
  }

  return {
    async list(filter: FailedJobFilter & { limit: number; beforeId?: number }) {
      const rows = await repos.failedJobs.list(filter);
      const refreshed = await Promise.all(rows.map(refreshRetryStatus));
      return {
        failedJobs: refreshed.map(present),
        nextBeforeId: rows.length === filter.limit ? rows[rows.length - 1].id : null,
      };
    },

    async groups(filter: FailedJobFilter) {
      const groups = await repos.failedJobs.groups(filter);
      return {
        groups: groups.map((g) => ({ ...g, lastFailedAt: g.lastFailedAt.toISOString() })),
        total: groups.reduce((sum, g) => sum + g.count, 0),
      };
    },

    async get(id: number) {
      const job = await repos.failedJobs.findById(id);
      if (!job) throw notFound('Failed job');
      return present(await refreshRetryStatus(job));
    },

    retry: (id: number, userId: number) => retry(id, userId, 'single'),

    /** One new workflow per matching entry never retried; entries that cannot be retried are listed with the reason. */
    async retryMany(filter: FailedJobFilter, userId: number) {
      // named ids are all answered (started or why not); a filter picks entries never retried
      const candidates = await repos.failedJobs.list({ ...filter, notRetried: !filter.ids, limit: BULK_RETRY_LIMIT });
      const started: Array<Awaited<ReturnType<typeof retry>>> = [];
      const skipped: Array<{ id: number; reason: string }> = [];
      for (const job of candidates.reverse()) {
        try {
          started.push(await retry(job.id, userId, 'bulk'));
        } catch (err) {
          if (!(err instanceof AppError) || err.status >= 500) throw err;
          skipped.push({ id: job.id, reason: err.message });
        }
      }
      await recordAdminAction(repos, {
        userId,
        verb: 'failed_jobs_bulk_retried',
        subjectType: 'failed_jobs',
        subjectId: started.map((s) => s.id).join(',').slice(0, 191) || '-',
        properties: { filter, started: started.length, skipped: skipped.length },
      });
      return { started, skipped, limit: BULK_RETRY_LIMIT };
    },
  };
}
