import { createHash } from 'node:crypto';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { badRequest, notFound } from '../errors';
import type { HistoryEvent, JobExecutionSummary, JobsGateway } from '../jobs/gateway';
import { localActivityOf } from '../jobs/local-activity-marker';
import { deliveryNote } from '../notifications/delivery-state';
import type { FailedJob, FailedJobFilter } from '../db/repositories/failed-jobs';
import { buildJobQuery, temporalUiLink, WORKFLOW_ID_PATTERN, type DeadLetterRun, type JobSearch } from './job-query';

export { WORKFLOW_ID_PATTERN };

/** How many of an error type's most recent dead-letter entries a search by error type looks at. */
export const ERROR_TYPE_SEARCH_LIMIT = 100;

export type JobSearchRequest = Omit<JobSearch, 'deadLetters'> & {
  /** a failure's error type, as the dead-letter list (failed_jobs) records it */
  errorType?: string;
};

function tagsOf(execution: Pick<WorkflowExecutionInfo, 'typedSearchAttributes'>): Record<string, unknown> {
  return Object.fromEntries(execution.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]));
}

function summary(execution: JobExecutionSummary) {
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    type: execution.type,
    taskQueue: execution.taskQueue,
    status: execution.status.name,
    startTime: execution.startTime.toISOString(),
    closeTime: execution.closeTime?.toISOString() ?? null,
    tags: tagsOf(execution),
    /** e.g. "waiting to redeliver, next try at …" for a notification run riding out a mail server outage */
    note: deliveryNote(execution.memo),
  };
}

function failureOf(failure: { message?: string | null; applicationFailureInfo?: { type?: string | null } | null; cause?: unknown } | null | undefined) {
  if (!failure) return null;
  const cause = failure.cause as typeof failure | undefined;
  return {
    message: failure.message ?? '',
    type: failure.applicationFailureInfo?.type ?? cause?.applicationFailureInfo?.type ?? null,
    cause: cause ? { message: cause.message ?? '', type: cause.applicationFailureInfo?.type ?? null } : null,
  };
}

/** Attempts per activity type (local activities included) and the most recent failure, read from the history. */
function attemptsAndFailure(events: HistoryEvent[]) {
  const typeBySchedule = new Map<string, string>();
  const attempts: Record<string, { scheduled: number; maxAttempt: number; failed: number }> = {};
  let lastFailure: ReturnType<typeof failureOf> = null;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? 'unknown';
      typeBySchedule.set(String(event.eventId), type);
      attempts[type] ??= { scheduled: 0, maxAttempt: 0, failed: 0 };
      attempts[type].scheduled++;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeBySchedule.get(String(started.scheduledEventId)) ?? 'unknown';
      attempts[type] ??= { scheduled: 0, maxAttempt: 0, failed: 0 };
      attempts[type].maxAttempt = Math.max(attempts[type].maxAttempt, started.attempt ?? 1);
      if (started.lastFailure) lastFailure = failureOf(started.lastFailure);
    }
    const failed = event.activityTaskFailedEventAttributes;
    if (failed) {
      const type = typeBySchedule.get(String(failed.scheduledEventId)) ?? 'unknown';
      if (attempts[type]) attempts[type].failed++;
      lastFailure = failureOf(failed.failure);
    }
    const local = event.markerRecordedEventAttributes ? localActivityOf(event.markerRecordedEventAttributes) : null;
    if (local) {
      // one marker per local activity, written when it ends: its last attempt, with the failure if it failed
      attempts[local.type] ??= { scheduled: 0, maxAttempt: 0, failed: 0 };
      attempts[local.type].scheduled++;
      attempts[local.type].maxAttempt = Math.max(attempts[local.type].maxAttempt, local.attempt);
      if (local.failure) {
        attempts[local.type].failed++;
        lastFailure = failureOf(local.failure);
      }
    }
    if (event.workflowExecutionFailedEventAttributes) lastFailure = failureOf(event.workflowExecutionFailedEventAttributes.failure);
  }
  return { attempts, lastFailure };
}

/** A small view of a job's result: counts, never whole recipient lists or payloads. */
export function summarizeResult(result: unknown): Record<string, unknown> | null {
  if (!result || typeof result !== 'object') return result === undefined ? null : { value: result };
  const value = result as Record<string, unknown>;
  if (Array.isArray(value.recipients)) {
    const byStatus: Record<string, number> = {};
    for (const r of value.recipients as Array<{ status?: string }>) byStatus[r.status ?? 'unknown'] = (byStatus[r.status ?? 'unknown'] ?? 0) + 1;
    return { eventId: value.eventId, ticketId: value.ticketId, recipients: value.recipients.length, byStatus };
  }
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v === null || typeof v !== 'object' || !Array.isArray(v)));
}

const queryTag = (query: string) => createHash('sha256').update(query).digest('base64url').slice(0, 12);

/**
 * The API's page token binds Temporal's token to its query, so a token from another search is refused here. A search
 * by error type also carries the newest dead-letter entry its first page read (`d`), so later pages read the same
 * entries even when new failures of that type arrive meanwhile.
 */
function encodePageToken(query: string, token: Uint8Array, deadLettersUpTo?: number): string {
  return Buffer.from(JSON.stringify({ q: queryTag(query), t: Buffer.from(token).toString('base64'), d: deadLettersUpTo })).toString('base64');
}

const invalidPageToken = () => badRequest('Invalid job search', [{ field: 'query.nextPageToken', message: 'does not belong to this search' }]);

function parsePageToken(pageToken: string): { q?: unknown; t?: unknown; d?: unknown } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(pageToken, 'base64').toString('utf8'));
    if (parsed && typeof parsed === 'object') return parsed;
  } catch {
    // the 400 below
  }
  throw invalidPageToken();
}

function temporalToken(query: string, parsed: { q?: unknown; t?: unknown }): Buffer {
  if (parsed.q === queryTag(query) && typeof parsed.t === 'string') return Buffer.from(parsed.t, 'base64');
  throw invalidPageToken();
}

export function createJobsService(deps: {
  jobs: JobsGateway;
  uiUrl: string;
  failedJobs: { list(filter: FailedJobFilter & { limit: number; beforeId?: number }): Promise<FailedJob[]> };
}) {
  const { jobs } = deps;
  return {
    async search(request: JobSearchRequest, pageSize: number, nextPageToken?: string) {
      const { errorType, ...search } = request;
      if (search.eventId !== undefined && search.ticketId === undefined) {
        throw badRequest('Invalid job search', [{ field: 'query.eventId', message: 'needs ticketId: event ids are scoped to their ticket' }]);
      }
      const token = nextPageToken === undefined ? undefined : parsePageToken(nextPageToken);
      // Temporal's visibility does not index why a run failed: the dead-letter list does, per run
      let deadLetters: DeadLetterRun[] | undefined;
      let deadLettersUpTo: number | undefined;
      if (errorType !== undefined) {
        const upTo = token && Number.isSafeInteger(token.d) ? (token.d as number) : undefined;
        const entries = await deps.failedJobs.list({ errorType, limit: ERROR_TYPE_SEARCH_LIMIT, beforeId: upTo === undefined ? undefined : upTo + 1 });
        deadLetters = entries.map((job) => ({ workflowId: job.workflowId, runId: job.runId }));
        deadLettersUpTo = upTo ?? entries[0]?.id ?? 0;
      }
      const query = buildJobQuery({ ...search, deadLetters });
      const page = await jobs.listWorkflowPage(query, pageSize, token ? temporalToken(query, token) : undefined);
      return {
        query,
        jobs: page.executions.map(summary),
        nextPageToken: page.nextPageToken ? encodePageToken(query, page.nextPageToken, deadLettersUpTo) : null,
        temporalUi: temporalUiLink(deps.uiUrl, jobs.namespace, query),
      };
    },

    async get(workflowId: string) {
      if (!WORKFLOW_ID_PATTERN.test(workflowId)) throw notFound('Job');
      const description = await jobs.describe(workflowId);
      if (!description) throw notFound('Job');
      const events = (await jobs.history(workflowId)) ?? [];
      const { attempts, lastFailure } = attemptsAndFailure(events);
      const pending = (description.raw.pendingActivities ?? []).map((a) => ({
        activityType: a.activityType?.name ?? null,
        attempt: a.attempt ?? 1,
        lastFailure: failureOf(a.lastFailure),
      }));
      const result = description.status.name === 'COMPLETED' ? summarizeResult(await jobs.result(workflowId)) : null;
      return {
        ...summary(description),
        historyLength: description.historyLength,
        attempts,
        pendingActivities: pending,
        lastFailure: pending.find((p) => p.lastFailure)?.lastFailure ?? lastFailure,
        result,
        temporalUi: `${deps.uiUrl}/namespaces/${encodeURIComponent(jobs.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
      };
    },
  };
}
