import type { Repositories } from '../db/repositories';
import { recordAdminAction } from '../admin/audit-trail';
import { conflict, notFound } from '../errors';
import { CLEANUP_SCHEDULE_ID, JOB_TYPES, TASK_QUEUES, WORKFLOW_TYPES, type CleanupInput, type CleanupResult } from '../jobs/contract';
import type { JobsGateway } from '../jobs/gateway';
import { CLEANUP_CRON_MEMO, CLEANUP_TIME_ZONE } from '../jobs/gateway/schedules';

export type ScheduleAction = 'pause' | 'resume' | 'trigger';

/** Manual runs are `cleanup-manual` (deleting) or `cleanup-manual-<ms>` (dry); the schedule appends an RFC 3339 time: `cleanup-old-data-2025-01-01T03:00:00Z`. */
const CLEANUP_RUN_ID = /^cleanup-[\w:.+-]{1,180}$/;
const RUNNING_CLEANUPS = `WorkflowType = '${WORKFLOW_TYPES.cleanupOldData}' AND ExecutionStatus = 'Running'`;

/**
 * Every deleting manual run has this one workflow id: Temporal itself refuses a second one while it runs
 * (whichever API process asks), and lets the next one start once it has closed. Dry runs keep their own ids.
 */
export const MANUAL_CLEANUP_WORKFLOW_ID = 'cleanup-manual';

export function createCleanupService(jobs: JobsGateway, repos: Repositories) {
  /** The id of a cleanup workflow in progress, scheduled or manual, confirmed by describing it (no process memory). */
  async function runningCleanup(): Promise<string | undefined> {
    const candidates = new Set([MANUAL_CLEANUP_WORKFLOW_ID]);
    const schedule = await jobs.describeCleanupSchedule();
    for (const action of schedule?.info.runningActions ?? []) candidates.add(action.workflow.workflowId);
    for (const execution of (await jobs.listWorkflowPage(RUNNING_CLEANUPS, 10)).executions) candidates.add(execution.workflowId);
    for (const workflowId of candidates) {
      const description = await jobs.describe(workflowId);
      if (description?.type === WORKFLOW_TYPES.cleanupOldData && description.status.name === 'RUNNING') return workflowId;
    }
    return undefined;
  }

  async function startDeletingRun(userId: number) {
    const input: CleanupInput = { dryRun: false, requestedBy: userId };
    const started = await jobs.startRetry({
      workflowType: WORKFLOW_TYPES.cleanupOldData,
      workflowId: MANUAL_CLEANUP_WORKFLOW_ID,
      taskQueue: TASK_QUEUES.default,
      args: [input],
      tags: { jobType: JOB_TYPES.cleanup, requestedBy: userId },
      reusableId: true,
    });
    // refused by Temporal: another request (maybe on another API process) started it first
    if (!started.started) throw conflict(`Cleanup run ${started.workflowId} is in progress; start another once it has finished`);
    return started;
  }

  return {
    /** A dry run only counts, so it may run beside anything; a run that deletes never starts beside another run. */
    async runNow(userId: number, dryRun: boolean) {
      if (!dryRun) {
        const running = await runningCleanup();
        if (running) throw conflict(`Cleanup run ${running} is in progress; start another once it has finished`);
      }
      const started = dryRun ? await jobs.startCleanup({ dryRun, requestedBy: userId }) : await startDeletingRun(userId);
      await recordAdminAction(repos, {
        userId,
        verb: 'cleanup_started',
        subjectType: 'workflow',
        subjectId: started.workflowId,
        properties: { dryRun },
      });
      return started;
    },

    async run(workflowId: string) {
      if (!CLEANUP_RUN_ID.test(workflowId)) throw notFound('Cleanup run');
      const description = await jobs.describe(workflowId);
      if (!description || description.type !== WORKFLOW_TYPES.cleanupOldData) throw notFound('Cleanup run');
      const result = description.status.name === 'COMPLETED' ? await jobs.result<CleanupResult>(workflowId) : null;
      return {
        workflowId,
        runId: description.runId,
        status: description.status.name,
        startTime: description.startTime.toISOString(),
        closeTime: description.closeTime?.toISOString() ?? null,
        result,
      };
    },

    async lastRuns(limit: number) {
      const entries = await repos.activityLogs.list({ action: 'cleanup.run', limit });
      const dry = await repos.activityLogs.list({ action: 'cleanup.dry_run', limit });
      return [...entries, ...dry]
        .sort((a, b) => b.id - a.id)
        .slice(0, limit)
        .map((entry) => ({
          workflowId: entry.subjectId,
          finishedAt: entry.createdAt.toISOString(),
          requestedBy: entry.userId,
          ...(entry.properties as unknown as CleanupResult),
        }));
    },

    /** The schedule in a person's terms: the cron expression as configured, its time zone, paused or not, the next five runs. */
    async schedule() {
      const description = await jobs.describeCleanupSchedule();
      if (!description) throw notFound('Schedule');
      const memo = description.action.type === 'startWorkflow' ? description.action.memo : undefined;
      const cron = typeof memo?.[CLEANUP_CRON_MEMO] === 'string' ? (memo[CLEANUP_CRON_MEMO] as string) : null;
      return {
        scheduleId: description.scheduleId,
        cron,
        timeZone: description.spec.timezone ?? CLEANUP_TIME_ZONE,
        paused: description.state.paused,
        note: description.state.note ?? null,
        overlap: description.policies.overlap,
        nextRunTimes: description.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString()),
        recentActions: description.info.recentActions.map((a) => ({
          scheduledAt: a.scheduledAt.toISOString(),
          workflowId: a.action.workflow.workflowId,
        })),
        runningWorkflowIds: description.info.runningActions.map((a) => a.workflow.workflowId),
      };
    },

    /** A trigger while any cleanup is in progress starts nothing and names the run going on. */
    async controlSchedule(
      userId: number,
      action: ScheduleAction,
    ): Promise<{ alreadyRunning: boolean; runningWorkflowId: string | null; startedWorkflowId: string | null }> {
      const note = `${action} by user ${userId}`;
      // the schedule's overlap policy (SKIP) keeps a second scheduled run out; a manual one is checked here
      const running = action === 'trigger' ? await runningCleanup() : undefined;
      const startedWorkflowId = running ? null : await jobs.controlCleanupSchedule(action, note);
      const runningWorkflowId = running ?? null;
      const outcome = { alreadyRunning: runningWorkflowId !== null, runningWorkflowId, startedWorkflowId: action === 'trigger' ? startedWorkflowId : null };
      await recordAdminAction(repos, {
        userId,
        verb: `schedule_${action}`,
        subjectType: 'schedule',
        subjectId: CLEANUP_SCHEDULE_ID,
        properties: action === 'trigger' ? outcome : undefined,
      });
      return outcome;
    },
  };
}

export type CleanupService = ReturnType<typeof createCleanupService>;
