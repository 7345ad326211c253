import type { Repositories } from '../db/repositories';
import { notFound } from '../api/errors';
import type { CleanupResult } from '../jobs/contract';
import type { JobsGateway } from '../jobs/gateway';

export type ScheduleAction = 'pause' | 'resume' | 'trigger';

export function createCleanupService(jobs: JobsGateway, repos: Repositories) {
  return {
    async runNow(userId: number, dryRun: boolean) {
      const started = await jobs.startCleanup({ dryRun, requestedBy: userId });
      await repos.activityLogs.record({
        userId,
        action: 'admin.cleanup_started',
        subjectType: 'workflow',
        subjectId: started.workflowId,
        properties: { dryRun },
      });
      return started;
    },

    async run(workflowId: string) {
      if (!/^cleanup-[\w-]+$/.test(workflowId)) throw notFound('Cleanup run');
      const description = await jobs.describe(workflowId);
      if (!description) throw notFound('Cleanup run');
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

    async schedule() {
      const description = await jobs.describeCleanupSchedule();
      if (!description) throw notFound('Schedule');
      return {
        scheduleId: description.scheduleId,
        paused: description.state.paused,
        note: description.state.note ?? null,
        cron: description.spec,
        overlap: description.policies.overlap,
        nextActionTimes: description.info.nextActionTimes.map((d) => d.toISOString()),
        recentActions: description.info.recentActions.map((a) => ({
          scheduledAt: a.scheduledAt.toISOString(),
          workflowId: a.action.workflow.workflowId,
        })),
        runningWorkflowIds: description.info.runningActions.map((a) => a.workflow.workflowId),
      };
    },

    async controlSchedule(userId: number, action: ScheduleAction) {
      await jobs.controlCleanupSchedule(action, `${action} by user ${userId}`);
      await repos.activityLogs.record({ userId, action: `admin.schedule_${action}`, subjectType: 'schedule', subjectId: 'cleanup-old-data' });
    },
  };
}

export type CleanupService = ReturnType<typeof createCleanupService>;
