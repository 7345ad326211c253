import { conflict, DomainError, notFound, Unavailable } from '../errors';
import type { Repositories } from '../db/repositories';
import type { FailedJob, FailedJobFilter, RetryStatus } from '../db/repositories/failed-jobs';
import type { JobsGateway, StartedJob } from '../jobs/gateway';
import type { JobRegistry } from '../jobs/registry';
import { cleanupRetryWorkflowId } from '../jobs/types/cleanup/definition';
import { recordAdminAction } from './audit-trail';

interface Deps {
  repos: Repositories;
  jobs: JobsGateway;
}

const DAY_MS = 86_400_000;

/** At most this many entries per bulk retry, so one request cannot flood the queues. */
export const BULK_RETRY_LIMIT = 100;

export { cleanupRetryWorkflowId };

function retryStatusOf(workflowStatus: string): RetryStatus {
  if (workflowStatus === 'COMPLETED') return 'succeeded';
  if (workflowStatus === 'RUNNING' || workflowStatus === 'CONTINUED_AS_NEW') return 'running';
  return 'failed';
}

/** One recipient a failed notification could not serve: the address and the mail server's last reply (from the delivery ledger). */
export interface FailedRecipient {
  userId: number;
  email: string | null;
  errorType: string | null;
  /** e.g. "550 5.1.1 <x@fail.test>: Recipient address rejected" */
  reply: string | null;
  attempts: number | null;
}

function recordedRecipients(job: FailedJob): Array<{ userId: number; errorType: string | null }> {
  const payload = job.payload as { failedRecipients?: unknown } | null;
  if (!payload || !Array.isArray(payload.failedRecipients)) return [];
  return payload.failedRecipients
    .filter((r): r is { userId: number; errorType?: string | null } => typeof r === 'object' && r !== null && typeof (r as { userId?: unknown }).userId === 'number')
    .map((r) => ({ userId: r.userId, errorType: r.errorType ?? null }));
}

/** For failed notifications: who could not be served and why, read from the delivery ledger (empty for other jobs). */
async function failedRecipientsOf(repos: Repositories, job: FailedJob): Promise<FailedRecipient[]> {
  const recorded = recordedRecipients(job);
  if (recorded.length === 0) return [];
  const input = (job.payload as { input?: { eventId?: unknown; ticketId?: unknown } }).input;
  const deliveries =
    input && typeof input.eventId === 'string' && typeof input.ticketId === 'number'
      ? await repos.notificationDeliveries.listByEvent(input.ticketId, input.eventId)
      : [];
  return recorded.map((r) => {
    const delivery = deliveries.find((d) => d.userId === r.userId);
    return {
      userId: r.userId,
      email: delivery?.email ?? null,
      errorType: delivery?.errorType ?? r.errorType,
      reply: delivery?.lastError ?? null,
      attempts: delivery?.attempts ?? null,
    };
  });
}

function present(job: FailedJob, notRetryableReason: string | null, failedRecipients: FailedRecipient[] = []) {
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
    retryable: notRetryableReason === null,
    notRetryableReason,
    failedRecipients,
  };
}

export type FailedJobView = ReturnType<typeof present>;

/** What the retry checks of a page of entries need: per job type, what its definition loaded. */
interface RetryContext {
  byJobType: Map<string, unknown>;
  /** the failed_jobs entry a failed retry left, by the retry's workflow id */
  nextFailures: Map<string, FailedJob | undefined>;
}

/** Why retrying this entry cannot work, or null: the one set of checks behind both the retry path and the list's `retryable`. */
function notRetryableReason(registry: JobRegistry, job: FailedJob, context: RetryContext): string | null {
  if (job.retryStatus === 'succeeded') return `Failed job ${job.id} was already retried successfully (workflow ${job.retryWorkflowId})`;
  if (job.retryStatus === 'running') return `Failed job ${job.id} is being retried right now (workflow ${job.retryWorkflowId})`;
  if (job.retryStatus === 'failed') {
    const next = context.nextFailures.get(job.retryWorkflowId as string);
    return next
      ? `The retry of failed job ${job.id} failed too; retry failed job ${next.id} instead`
      : `The retry of failed job ${job.id} failed (workflow ${job.retryWorkflowId})`;
  }
  const definition = registry.find(job.jobType);
  if (!definition) return `Failed job ${job.id} is of job type "${job.jobType}", which this system no longer runs`;
  if ('notRetryable' in definition.retry) return definition.retry.notRetryable;
  return definition.retry.notRetryableReason(job, context.byJobType.get(job.jobType));
}

export function createFailedJobsService(deps: Deps) {
  const { repos, jobs } = deps;
  const registry = jobs.registry;

  /** A retry still marked running may have finished since: ask Temporal and store the outcome. */
  async function refreshRetryStatus(job: FailedJob): Promise<FailedJob> {
    if (!job.retryWorkflowId || job.retryStatus !== 'running') return job;
    const description = await jobs.describe(job.retryWorkflowId);
    if (!description) return job;
    const status = retryStatusOf(description.status.name);
    if (status !== job.retryStatus) await repos.failedJobs.setRetryStatus(job.id, status);
    return { ...job, retryStatus: status };
  }

  /** What the retry checks need, loaded once for a whole page of entries (each job type loads for its own entries). */
  async function loadRetryContext(failedJobs: FailedJob[]): Promise<RetryContext> {
    const jobTypes = [...new Set(failedJobs.map((job) => job.jobType))];
    const retryWorkflowIds = [...new Set(failedJobs.filter((job) => job.retryStatus === 'failed').map((job) => job.retryWorkflowId as string))];
    const [loaded, nextFailures] = await Promise.all([
      Promise.all(
        jobTypes.map(async (jobType) => {
          const retry = registry.find(jobType)?.retry;
          const load = retry && 'load' in retry ? retry.load : undefined;
          return [jobType, load ? await load(failedJobs.filter((job) => job.jobType === jobType), repos) : undefined] as const;
        }),
      ),
      Promise.all(retryWorkflowIds.map(async (id) => [id, (await repos.failedJobs.listByWorkflowId(id))[0]] as const)),
    ]);
    return { byJobType: new Map(loaded), nextFailures: new Map(nextFailures) };
  }

  async function assertRetryable(job: FailedJob): Promise<RetryContext> {
    const context = await loadRetryContext([job]);
    const reason = notRetryableReason(registry, job, context);
    if (reason) throw conflict(reason);
    return context;
  }

  /** A new run of the entry under a fresh workflow id; its job type's definition says which id, input and tags. */
  async function startRetry(job: FailedJob, context: RetryContext, userId: number): Promise<StartedJob> {
    const definition = registry.get(job.jobType);
    if ('notRetryable' in definition.retry) throw conflict(definition.retry.notRetryable);
    const plan = definition.retry.plan(job, context.byJobType.get(job.jobType), userId);
    // the same schema as every start: a payload the definition reads wrongly is refused, not started
    if (!definition.input.safeParse(plan.input).success) throw conflict(`Failed job ${job.id} does not hold a valid ${job.jobType} input to run again`);
    return jobs.startRetry({
      workflowType: definition.workflowType,
      workflowId: plan.workflowId,
      taskQueue: definition.taskQueue,
      args: [plan.input],
      tags: { jobType: definition.jobType, ...plan.tags },
    });
  }

  async function retry(id: number, userId: number, via: 'single' | 'bulk') {
    const found = await repos.failedJobs.findById(id);
    if (!found) throw notFound('Failed job');
    const job = await refreshRetryStatus(found);
    const context = await assertRetryable(job);
    const started = await startRetry(job, context, userId);
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
      const context = await loadRetryContext(refreshed);
      const recipients = await Promise.all(refreshed.map((job) => failedRecipientsOf(repos, job)));
      return {
        failedJobs: refreshed.map((job, i) => present(job, notRetryableReason(registry, job, context), recipients[i])),
        nextBeforeId: rows.length === filter.limit ? rows[rows.length - 1].id : null,
      };
    },

    async groups(filter: FailedJobFilter, now: Date = new Date()) {
      const [groups, last24h] = await Promise.all([repos.failedJobs.groups(filter), repos.failedJobs.countSince(new Date(now.getTime() - DAY_MS))]);
      return {
        groups: groups.map((g) => ({ ...g, lastFailedAt: g.lastFailedAt.toISOString() })),
        total: groups.reduce((sum, g) => sum + g.count, 0),
        /** per task queue, whatever the filter: failures of the last 24 h and how many of them were since retried successfully */
        last24h,
      };
    },

    async get(id: number) {
      const job = await repos.failedJobs.findById(id);
      if (!job) throw notFound('Failed job');
      const refreshed = await refreshRetryStatus(job);
      return present(refreshed, notRetryableReason(registry, refreshed, await loadRetryContext([refreshed])), await failedRecipientsOf(repos, refreshed));
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
          if (!(err instanceof DomainError) || err instanceof Unavailable) throw err;
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
