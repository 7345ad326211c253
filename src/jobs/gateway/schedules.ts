import { ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import { notFound } from '../../errors';
import { CLEANUP_SCHEDULE_ID, JOB_TYPES } from '../contract';
import { jobSearchAttributes } from '../search-attributes';
import type { GatewayContext } from './context';

/**
 * Creates the nightly cleanup schedule, or brings an existing one in line with the config. A run missed
 * while Temporal was down is still started if it comes back within the catch-up window.
 */
export async function ensureCleanupSchedule(gw: GatewayContext, options: { cron: string; catchupMinutes: number }): Promise<'created' | 'updated'> {
  const cleanup = gw.registry.get(JOB_TYPES.cleanup);
  const spec = { cronExpressions: [options.cron], timezone: 'UTC' };
  const action = {
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

export async function controlCleanupSchedule(gw: GatewayContext, action: 'pause' | 'resume' | 'trigger', note: string): Promise<void> {
  const handle = gw.client.schedule.getHandle(CLEANUP_SCHEDULE_ID);
  try {
    await gw.withDeadline(() =>
      // a manual trigger obeys the same overlap rule as the schedule: skipped while a run is in progress
      action === 'pause' ? handle.pause(note) : action === 'resume' ? handle.unpause(note) : handle.trigger('SKIP'),
    );
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notFound('Schedule');
    throw gw.translate(err);
  }
}
