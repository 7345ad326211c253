import { ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import { notFound } from '../../errors';
import { ALERT_SCHEDULE_ID, CLEANUP_SCHEDULE_ID, JOB_TYPES } from '../contract';
import { jobSearchAttributes } from '../search-attributes';
import type { GatewayContext } from './context';

/**
 * Creates the nightly cleanup schedule, or brings an existing one in line with the config. A run missed
 * while Temporal was down is still started if it comes back within the catch-up window.
 */
/** The schedule's own memo cannot be changed by an update; the action's can: the cron expression as written travels there. */
export const CLEANUP_CRON_MEMO = 'cleanupCron';
export const CLEANUP_TIME_ZONE = 'UTC';

export async function ensureCleanupSchedule(gw: GatewayContext, options: { cron: string; catchupMinutes: number }): Promise<'created' | 'updated'> {
  const cleanup = gw.registry.get(JOB_TYPES.cleanup);
  const spec = { cronExpressions: [options.cron], timezone: CLEANUP_TIME_ZONE };
  const action = {
    // Temporal answers a cron spec with its calendar form: the expression as configured is kept beside it
    memo: { [CLEANUP_CRON_MEMO]: options.cron },
    type: 'startWorkflow' as const,
    workflowType: cleanup.workflowType,
    workflowId: CLEANUP_SCHEDULE_ID,
    taskQueue: cleanup.taskQueue,
    args: [{ dryRun: false }],
    typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes({ jobType: cleanup.jobType })),
  };
  const policies = { overlap: 'SKIP' as const, catchupWindow: `${options.catchupMinutes} minutes` as Duration };
  try {
    await gw.withDeadline(() => gw.client.schedule.create({ scheduleId: CLEANUP_SCHEDULE_ID, spec, action, policies }));
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw gw.translate(err);
  }
  await gw.withDeadline(() =>
    gw.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies })),
  );
  return 'updated';
}

export async function describeCleanupSchedule(gw: GatewayContext): Promise<ScheduleDescription | undefined> {
  try {
    return await gw.withDeadline(() => gw.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).describe());
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw gw.translate(err);
  }
}

/** The cleanup runs the schedule has started (running or recent), by workflow id. */
function startedRuns(description: ScheduleDescription | undefined): Set<string> {
  const ids = new Set<string>();
  for (const a of description?.info.runningActions ?? []) ids.add(a.workflow.workflowId);
  for (const a of description?.info.recentActions ?? []) ids.add(a.action.workflow.workflowId);
  return ids;
}

const TRIGGER_SEEN_WITHIN_MS = 3_000;

/**
 * Pause, resume or trigger. A trigger answers the id of the workflow it started, once the schedule lists it
 * (within a few seconds), or null when none showed up in that time (skipped beside a run in progress).
 */
export async function controlCleanupSchedule(gw: GatewayContext, action: 'pause' | 'resume' | 'trigger', note: string): Promise<string | null> {
  const handle = gw.client.schedule.getHandle(CLEANUP_SCHEDULE_ID);
  try {
    const before = action === 'trigger' ? startedRuns(await gw.withDeadline(() => handle.describe())) : new Set<string>();
    await gw.withDeadline(() =>
      // a manual trigger obeys the same overlap rule as the schedule: skipped while a run is in progress
      action === 'pause' ? handle.pause(note) : action === 'resume' ? handle.unpause(note) : handle.trigger('SKIP'),
    );
    if (action !== 'trigger') return null;
    const deadline = Date.now() + TRIGGER_SEEN_WITHIN_MS;
    while (Date.now() < deadline) {
      const started = [...startedRuns(await gw.withDeadline(() => handle.describe()))].find((id) => !before.has(id));
      if (started) return started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return null;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notFound('Schedule');
    throw gw.translate(err);
  }
}

/**
 * Creates the alert-check schedule, or brings an existing one in line with ALERT_CHECK_INTERVAL_SECONDS. A check
 * skipped while the previous one still runs, or missed while Temporal was down, is not caught up: the next one
 * reads the same state.
 */
export async function ensureAlertSchedule(gw: GatewayContext, options: { intervalSeconds: number }): Promise<'created' | 'updated'> {
  const check = gw.registry.get(JOB_TYPES.alertCheck);
  const spec = { intervals: [{ every: `${options.intervalSeconds} seconds` as Duration }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: check.workflowType,
    workflowId: ALERT_SCHEDULE_ID,
    taskQueue: check.taskQueue,
    args: [{}],
    typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes({ jobType: check.jobType })),
  };
  const policies = { overlap: 'SKIP' as const, catchupWindow: `${Math.max(options.intervalSeconds, 60)} seconds` as Duration };
  try {
    await gw.withDeadline(() => gw.client.schedule.create({ scheduleId: ALERT_SCHEDULE_ID, spec, action, policies }));
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw gw.translate(err);
  }
  await gw.withDeadline(() => gw.client.schedule.getHandle(ALERT_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies })));
  return 'updated';
}

export async function describeAlertSchedule(gw: GatewayContext): Promise<ScheduleDescription | undefined> {
  try {
    return await gw.withDeadline(() => gw.client.schedule.getHandle(ALERT_SCHEDULE_ID).describe());
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw gw.translate(err);
  }
}
