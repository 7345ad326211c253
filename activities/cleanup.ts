import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CleanupCounts, CleanupResult } from '../src/jobs/contract';
import type { RetainedTable } from '../src/db/repositories/retention';
import type { ActivityDeps } from './deps';

export interface CleanupPlan {
  dryRun: boolean;
  batchSize: number;
  cutoffs: CleanupResult['cutoffs'];
}

export interface BatchProgress {
  /** rows this run has deleted from the table so far */
  deleted: number;
  done: boolean;
}

/** An unreferenced file younger than this may be an export still being written. */
export const ORPHAN_GRACE_MS = 60 * 60_000;
/** One activity call deletes for at most this long, then hands back so no step nears the 300 s limit. */
const SLICE_MS = 60_000;

const DAY_MS = 86_400_000;

function reportsDir(deps: ActivityDeps): string {
  return deps.config.reports.dir;
}

async function orphanFiles(deps: ActivityDeps, now: Date): Promise<string[]> {
  const referenced = await deps.repos.retention.referencedReportFiles();
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(reportsDir(deps), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const orphans: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || referenced.has(entry.name)) continue;
    const stat = await fs.stat(path.join(reportsDir(deps), entry.name));
    if (now.getTime() - stat.mtimeMs > ORPHAN_GRACE_MS) orphans.push(entry.name);
  }
  return orphans;
}

async function removeReportFile(deps: ActivityDeps, fileName: string): Promise<boolean> {
  try {
    await fs.unlink(path.join(reportsDir(deps), path.basename(fileName)));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The run a delete step adds its counts to. */
function tallyKey(context: Context): string {
  const execution = context.info.workflowExecution;
  if (!execution) throw ApplicationFailure.create({ type: 'CleanupOutsideWorkflow', message: 'cleanup steps count per workflow run', nonRetryable: true });
  // the run, not just the id: manual deleting runs share one workflow id (one at a time), each counts on its own
  return `${execution.workflowId}:${execution.runId}`;
}

export function createCleanupActivities(deps: ActivityDeps) {
  const { retention } = deps.repos;

  /** Per-minute job metrics older than RETENTION_METRICS_DAYS (cut off when the step runs: they are aggregates, not records). */
  async function deleteExpiredMetrics(context: Context, batchSize: number): Promise<number> {
    const cutoff = new Date(Date.now() - deps.config.retention.metricsDays * DAY_MS);
    let deleted = 0;
    for (;;) {
      const n = await retention.deleteMetricsBatchOlderThan(cutoff, batchSize);
      deleted += n;
      context.heartbeat({ table: 'job_metrics', deleted });
      if (n < batchSize) break;
    }
    if (deleted > 0) deps.logger.info({ table: 'job_metrics', deleted, cutoff }, 'expired job metrics deleted');
    return deleted;
  }

  return {
    /** Fixes the cutoffs once per run: retries and restarts reuse them from history. */
    async planCleanup(input: { dryRun: boolean }): Promise<CleanupPlan> {
      const now = Date.now();
      const { activityLogDays, failedJobDays, reportDays } = deps.config.retention;
      return {
        dryRun: input.dryRun,
        batchSize: deps.config.cleanup.batchSize,
        cutoffs: {
          activityLogs: new Date(now - activityLogDays * DAY_MS).toISOString(),
          failedJobs: new Date(now - failedJobDays * DAY_MS).toISOString(),
          reports: new Date(now - reportDays * DAY_MS).toISOString(),
        },
      };
    },

    /** What a run would delete now: the answer of a dry run. */
    async countExpiredData(plan: CleanupPlan): Promise<CleanupCounts> {
      const reports = await retention.countExpiredReports(new Date(plan.cutoffs.reports));
      return {
        activityLogs: await retention.countOlderThan('activity_logs', new Date(plan.cutoffs.activityLogs)),
        failedJobs: await retention.countOlderThan('failed_jobs', new Date(plan.cutoffs.failedJobs)),
        reports: reports.rows,
        reportFiles: reports.files,
        orphanFiles: (await orphanFiles(deps, new Date())).length,
      };
    },

    /**
     * Deletes in batches, heartbeating after each, for up to one slice of time. `deleted` is what this run has
     * deleted from the table so far, across all calls and attempts, so a retried or resumed call still reports
     * the batches of an attempt whose worker died.
     */
    async deleteExpiredRows(input: { table: RetainedTable; cutoff: string; batchSize: number }): Promise<BatchProgress> {
      const context = Context.current();
      const workflowId = tallyKey(context);
      // the per-minute job metrics go with the failed jobs' step: the run's command sequence stays the same
      if (input.table === 'failed_jobs') await deleteExpiredMetrics(context, input.batchSize);
      const started = Date.now();
      for (;;) {
        const batch = await retention.deleteBatchOlderThan(workflowId, input.table, new Date(input.cutoff), input.batchSize);
        const deleted = input.table === 'activity_logs' ? batch.tally.activityLogs : batch.tally.failedJobs;
        context.heartbeat({ table: input.table, deleted });
        if (batch.deleted < input.batchSize) return { deleted, done: true };
        if (Date.now() - started > SLICE_MS) return { deleted, done: false };
      }
    },

    /**
     * Removes expired report rows and their files: the file first, so a retry never leaves a file without a row.
     * Like deleteExpiredRows it answers with the run's totals so far: rows deleted and files actually removed.
     */
    async deleteExpiredReports(input: { cutoff: string; batchSize: number }): Promise<{ reports: number; files: number; done: boolean }> {
      const context = Context.current();
      const workflowId = tallyKey(context);
      const started = Date.now();
      const limit = Math.min(input.batchSize, 500);
      for (;;) {
        const batch = await retention.expiredReports(new Date(input.cutoff), limit);
        let files = 0;
        for (const report of batch) if (report.fileName && (await removeReportFile(deps, report.fileName))) files++;
        const { tally } = await retention.deleteReports(workflowId, batch.map((r) => r.id), files);
        const progress = { reports: tally.reports, files: tally.reportFiles };
        context.heartbeat(progress);
        if (batch.length < limit) return { ...progress, done: true };
        if (Date.now() - started > SLICE_MS) return { ...progress, done: false };
      }
    },

    async removeOrphanReportFiles(): Promise<number> {
      let removed = 0;
      for (const name of await orphanFiles(deps, new Date())) if (await removeReportFile(deps, name)) removed++;
      return removed;
    },

    async recordCleanupRun(input: { workflowId: string; requestedBy: number | null; result: CleanupResult }): Promise<void> {
      deps.logger.info({ workflowId: input.workflowId, ...input.result }, 'cleanup finished');
      await deps.repos.activityLogs.record({
        userId: input.requestedBy,
        action: input.result.dryRun ? 'cleanup.dry_run' : 'cleanup.run',
        subjectType: 'workflow',
        subjectId: input.workflowId,
        properties: { ...input.result },
      });
    },
  };
}
