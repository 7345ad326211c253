import type { Repositories } from '../db/repositories';
import { recordAdminAction } from '../admin/audit-trail';
import { conflict, notFound } from '../errors';
import { CLEANUP_SCHEDULE_ID, WORKFLOW_TYPES, type CleanupResult } from '../jobs/contract';
import type { JobsGateway } from '../jobs/gateway';
import { CLEANUP_CRON_MEMO, CLEANUP_TIME_ZONE } from '../jobs/gateway/schedules';

export type ScheduleAction = 'pause' | 'resume' | 'trigger';

/** Manual runs are `cleanup-manual-<ms>`; the schedule appends an RFC 3339 time: `cleanup-old-data-2025-01-01T03:00:00Z`. */
const CLEANUP_RUN_ID = /^cleanup-[\w:.+-]{1,180}$/;
const RUNNING_CLEANUPS = `WorkflowType = '${WORKFLOW_TYPES.cleanupOldData}' AND ExecutionStatus = 'Running'`;

export function createCleanupService(jobs: JobsGateway, repos: Repositories) {
  // real runs started by this process, maybe not yet in the (eventually consistent) visibility list
  const startedHere = new Set<string>();
  let startQueue: Promise<unknown> = Promise.resolve();

  /** One check-then-start at a time in this process, so a double click cannot start two runs. */
  function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const next = startQueue.then(fn, fn);
    startQueue = next.catch(() => undefined);
    return next;
  }

  /** The id of a cleanup workflow in progress, scheduled or manual, confirmed by describing it. */
  async function runningCleanup(): Promise<string | undefined> {
    const candidates = new Set(startedHere);
    const schedule = await jobs.describeCleanupSchedule();
    for (const action of schedule?.info.runningActions ?? []) candidates.add(action.workflow.workflowId);
    for (const execution of (await jobs.listWorkflowPage(RUNNING_CLEANUPS, 10)).executions) candidates.add(execution.workflowId);
    for (const workflowId of candidates) {
      const description = await jobs.describe(workflowId);
      if (description?.status.name === 'RUNNING') return workflowId;
      startedHere.delete(workflowId);
    }
    return undefined;
  }

  return {
    /** A dry run only counts, so it may run beside anything; a run that deletes never starts beside another run. */
    runNow(userId: number, dryRun: boolean) {
      return oneAtATime(async () => {
        if (!dryRun) {
          const running = await runningCleanup();
          if (running) throw conflict(`Cleanup run ${running} is in progress; start another once it has finished`);
        }
        const started = await jobs.startCleanup({ dryRun, requestedBy: userId });
        if (!dryRun) startedHere.add(started.workflowId);
        await recordAdminAction(repos, {
          userId,
          verb: 'cleanup_started',
          subjectType: 'workflow',
          subjectId: started.workflowId,
          properties: { dryRun },
        });
        return started;
      });
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
      let startedWorkflowId: string | null = null;
      const runningWorkflowId =
        action === 'trigger'
          ? await oneAtATime(async () => {
              const running = await runningCleanup();
              if (!running) startedWorkflowId = await jobs.controlCleanupSchedule(action, note);
              return running ?? null;
            })
          : await jobs.controlCleanupSchedule(action, note).then(() => null);
      const outcome = { alreadyRunning: runningWorkflowId !== null, runningWorkflowId, startedWorkflowId };
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
