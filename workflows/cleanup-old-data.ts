import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CleanupCounts, CleanupInput, CleanupResult } from '../src/jobs/contract';

const quickStep = {
  startToCloseTimeout: '60s',
  retry: { initialInterval: '10s', backoffCoefficient: 3, maximumInterval: '60s', maximumAttempts: 4 },
} as const;

// long deletes heartbeat per batch; a retry after a crash simply deletes what is still there
const batchStep = {
  startToCloseTimeout: '300s',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '10s', backoffCoefficient: 3, maximumInterval: '60s', maximumAttempts: 4 },
} as const;

const { planCleanup, countExpiredData, removeOrphanReportFiles, recordCleanupRun } = proxyActivities<Activities>(quickStep);
const { deleteExpiredRows, deleteExpiredReports } = proxyActivities<Activities>(batchStep);

export async function cleanupOldDataWorkflow(input: CleanupInput = {}): Promise<CleanupResult> {
  const plan = await planCleanup({ dryRun: input.dryRun === true });
  // rows older than a fixed cutoff only ever shrink, so counting first gives exact totals even when
  // a crashed delete step is retried
  const counts: CleanupCounts = await countExpiredData(plan);
  if (!plan.dryRun) {
    while (!(await deleteExpiredRows({ table: 'activity_logs', cutoff: plan.cutoffs.activityLogs, batchSize: plan.batchSize })).done);
    while (!(await deleteExpiredRows({ table: 'failed_jobs', cutoff: plan.cutoffs.failedJobs, batchSize: plan.batchSize })).done);
    while (!(await deleteExpiredReports({ cutoff: plan.cutoffs.reports, batchSize: plan.batchSize })).done);
    counts.orphanFiles = await removeOrphanReportFiles();
  }
  const result: CleanupResult = { dryRun: plan.dryRun, cutoffs: plan.cutoffs, counts };
  await recordCleanupRun({ workflowId: workflowInfo().workflowId, requestedBy: input.requestedBy ?? null, result });
  return result;
}
