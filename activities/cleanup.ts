import fs from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { CleanupCounts, CleanupResult } from '../src/jobs/contract';
import type { RetainedTable } from '../src/db/repositories/retention';
import type { ActivityDeps } from './deps';

export interface CleanupPlan {
  dryRun: boolean;
  batchSize: number;
  cutoffs: CleanupResult['cutoffs'];
}

export interface BatchProgress {
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

export function createCleanupActivities(deps: ActivityDeps) {
  const { retention } = deps.repos;

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

    /** Deletes in batches, heartbeating after each, for up to one slice of time. */
    async deleteExpiredRows(input: { table: RetainedTable; cutoff: string; batchSize: number }): Promise<BatchProgress> {
      const context = Context.current();
      const started = Date.now();
      let deleted = 0;
      for (;;) {
        const n = await retention.deleteBatchOlderThan(input.table, new Date(input.cutoff), input.batchSize);
        deleted += n;
        context.heartbeat({ table: input.table, deleted });
        if (n < input.batchSize) return { deleted, done: true };
        if (Date.now() - started > SLICE_MS) return { deleted, done: false };
      }
    },

    /** Removes expired report rows and their files: the file first, so a retry never leaves a file without a row. */
    async deleteExpiredReports(input: { cutoff: string; batchSize: number }): Promise<{ reports: number; files: number; done: boolean }> {
      const context = Context.current();
      const started = Date.now();
      let reports = 0;
      let files = 0;
      for (;;) {
        const batch = await retention.expiredReports(new Date(input.cutoff), Math.min(input.batchSize, 500));
        for (const report of batch) if (report.fileName && (await removeReportFile(deps, report.fileName))) files++;
        reports += await retention.deleteReports(batch.map((r) => r.id));
        context.heartbeat({ reports, files });
        if (batch.length === 0 || batch.length < Math.min(input.batchSize, 500)) return { reports, files, done: true };
        if (Date.now() - started > SLICE_MS) return { reports, files, done: false };
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
