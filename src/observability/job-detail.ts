import type { temporal } from '@temporalio/proto';
import type { HistoryEvent, JobsGateway } from '../jobs/gateway';
import { localActivityOf } from '../jobs/local-activity-marker';
import { notFound } from '../errors';
import type { Repositories } from '../db/repositories';

type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;
type Failure = temporal.api.failure.v1.IFailure | null | undefined;

const millis = (ts: Timestamp): number | null => (ts && ts.seconds !== undefined && ts.seconds !== null ? Number(ts.seconds) * 1000 + Math.round((ts.nanos ?? 0) / 1e6) : null);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The failure's message and type, and the stack of the innermost failure that has one (the activity's own error). */
export function errorOf(failure: Failure): { type: string | null; message: string; stack: string | null } | null {
  if (!failure) return null;
  let type: string | null = null;
  let stack: string | null = null;
  const messages: string[] = [];
  for (let f: Failure = failure; f; f = f.cause) {
    if (f.message) messages.push(f.message);
    type = f.applicationFailureInfo?.type ?? (f.canceledFailureInfo ? 'CancelledFailure' : f.timeoutFailureInfo ? 'TimeoutFailure' : type);
    if (f.stackTrace) stack = f.stackTrace;
  }
  return { type, message: messages.at(-1) ?? '', stack };
}

export interface StepView {
  step: string;
  status: 'scheduled' | 'running' | 'completed' | 'failed' | 'timed_out' | 'cancelled';
  attempts: number;
  scheduledAt: string | null;
  startedAt: string | null;
  closedAt: string | null;
  durationMs: number | null;
  error: ReturnType<typeof errorOf>;
}

/** Each step (activity, local ones included) the history scheduled, with its attempts, times and failure. */
export function stepsOf(events: HistoryEvent[]): { steps: StepView[]; lastError: ReturnType<typeof errorOf> } {
  const bySchedule = new Map<string, StepView>();
  // steps in history order: a local activity's marker stands where it ended
  const order: StepView[] = [];
  let lastError: ReturnType<typeof errorOf> = null;
  const close = (scheduledEventId: unknown, status: StepView['status'], at: number | null, failure?: Failure) => {
    const step = bySchedule.get(String(scheduledEventId));
    if (!step) return;
    step.status = status;
    step.closedAt = iso(at);
    const started = step.startedAt ? Date.parse(step.startedAt) : null;
    step.durationMs = started !== null && at !== null ? at - started : null;
    if (failure) step.error = lastError = errorOf(failure);
  };
  for (const event of events) {
    const at = millis(event.eventTime as Timestamp);
    const record = event.markerRecordedEventAttributes ? localActivityOf(event.markerRecordedEventAttributes) : null;
    if (record) {
      const error = record.failure ? errorOf(record.failure) : null;
      if (error) lastError = error;
      const step: StepView = {
        step: record.type,
        status: record.failure ? 'failed' : 'completed',
        attempts: record.attempt,
        scheduledAt: iso(record.scheduledAtMs),
        startedAt: null,
        // the marker's complete_time is the workflow's own clock (the task's start), not when the lookup ended: the
        // marker event's time is when its result reached the server
        closedAt: iso(at),
        durationMs: record.scheduledAtMs !== null && at !== null && at >= record.scheduledAtMs ? at - record.scheduledAtMs : null,
        error,
      };
      order.push(step);
    }
    if (event.activityTaskScheduledEventAttributes) {
      const step: StepView = {
        step: event.activityTaskScheduledEventAttributes.activityType?.name ?? 'unknown',
        status: 'scheduled',
        attempts: 0,
        scheduledAt: iso(at),
        startedAt: null,
        closedAt: null,
        durationMs: null,
        error: null,
      };
      bySchedule.set(String(event.eventId), step);
      order.push(step);
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const step = bySchedule.get(String(started.scheduledEventId));
      if (step) Object.assign(step, { status: 'running', attempts: started.attempt ?? 1, startedAt: iso(at) });
      if (step && started.lastFailure) step.error = errorOf(started.lastFailure);
    }
    if (event.activityTaskCompletedEventAttributes) close(event.activityTaskCompletedEventAttributes.scheduledEventId, 'completed', at);
    if (event.activityTaskFailedEventAttributes) close(event.activityTaskFailedEventAttributes.scheduledEventId, 'failed', at, event.activityTaskFailedEventAttributes.failure);
    if (event.activityTaskTimedOutEventAttributes) close(event.activityTaskTimedOutEventAttributes.scheduledEventId, 'timed_out', at, event.activityTaskTimedOutEventAttributes.failure);
    if (event.activityTaskCanceledEventAttributes) close(event.activityTaskCanceledEventAttributes.scheduledEventId, 'cancelled', at);
    if (event.workflowExecutionFailedEventAttributes) lastError = errorOf(event.workflowExecutionFailedEventAttributes.failure);
  }
  return { steps: order, lastError };
}

type Pending = temporal.api.workflow.v1.IPendingActivityInfo;

/** What a pending step is doing now, in words: "retrying, attempt 2 of 4, next try in 30 s". */
export function liveStateOf(pending: Pending, now: number): string {
  const attempt = pending.attempt ?? 1;
  const of = pending.maximumAttempts ? ` of ${pending.maximumAttempts}` : '';
  const next = millis(pending.nextAttemptScheduleTime as Timestamp);
  if (next !== null && attempt > 1) return `retrying, attempt ${attempt}${of}, next try in ${Math.max(0, Math.ceil((next - now) / 1000))} s`;
  const state = String(pending.state ?? '');
  if (state === '2' || state.endsWith('STARTED')) return `running, attempt ${attempt}${of}`;
  return `waiting for a worker, attempt ${attempt}${of}`;
}

/**
 * A job's detail for the Jobs page: type, status, ids and tags (never inputs or mail bodies), each step with attempts
 * and durations, the last error with its stack, live state of pending steps, report progress, the Temporal UI link.
 */
export function createJobDetailService(deps: { jobs: JobsGateway; repos: Pick<Repositories, 'reports'>; uiUrl: string }) {
  return {
    async detail(workflowId: string, now = Date.now()) {
      const description = await deps.jobs.describe(workflowId);
      if (!description) throw notFound('Job');
      const { steps, lastError } = stepsOf((await deps.jobs.history(workflowId)) ?? []);
      const pending = (description.raw.pendingActivities ?? []).map((p) => ({
        step: p.activityType?.name ?? 'unknown',
        attempt: p.attempt ?? 1,
        maximumAttempts: p.maximumAttempts || null,
        nextAttemptAt: iso(millis(p.nextAttemptScheduleTime as Timestamp)),
        live: liveStateOf(p, now),
        lastError: errorOf(p.lastFailure),
      }));
      const reportId = /^report-(\d+)$/.exec(workflowId)?.[1];
      const report = reportId ? await deps.repos.reports.findById(Number(reportId)) : undefined;
      return {
        workflowId,
        runId: description.runId,
        type: description.type,
        jobType: description.typedSearchAttributes.getAll().find((pair) => pair.key.name === 'JobType')?.value ?? null,
        taskQueue: description.taskQueue,
        status: description.status.name,
        startTime: description.startTime.toISOString(),
        closeTime: description.closeTime?.toISOString() ?? null,
        tags: Object.fromEntries(description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value])),
        steps,
        pending,
        lastError: pending.find((p) => p.lastError)?.lastError ?? lastError,
        progress: report ? { rowsWritten: report.rowsWritten, totalRows: report.totalRows } : null,
        temporalUi: `${deps.uiUrl}/namespaces/${encodeURIComponent(deps.jobs.namespace)}/workflows/${encodeURIComponent(workflowId)}`,
      };
    },
  };
}
