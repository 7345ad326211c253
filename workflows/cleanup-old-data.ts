import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CleanupPlan } from '../activities/cleanup';
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
  let counts: CleanupCounts;
  if (plan.dryRun) {
    counts = await countExpiredData(plan);
  } else {
    // real runs started before this patch asked for the counts they never used: they replay that step
    if (!patched('cleanup-real-run-skips-count')) await countExpiredData(plan);
    counts = await deleteExpiredData(plan);
  }
  const result: CleanupResult = { dryRun: plan.dryRun, cutoffs: plan.cutoffs, counts };
  await recordCleanupRun({ workflowId: workflowInfo().workflowId, requestedBy: input.requestedBy ?? null, result });
  return result;
}

/** Each delete step answers with the run's totals so far, so the last answer per table is what went. */
async function deleteExpiredData(plan: CleanupPlan): Promise<CleanupCounts> {
  const { cutoffs, batchSize } = plan;
  let activityLogs;
  do activityLogs = await deleteExpiredRows({ table: 'activity_logs', cutoff: cutoffs.activityLogs, batchSize });
  while (!activityLogs.done);
  let failedJobs;
  do failedJobs = await deleteExpiredRows({ table: 'failed_jobs', cutoff: cutoffs.failedJobs, batchSize });
  while (!failedJobs.done);
  let reports;
  do reports = await deleteExpiredReports({ cutoff: cutoffs.reports, batchSize });
  while (!reports.done);
  return {
    activityLogs: activityLogs.deleted,
    failedJobs: failedJobs.deleted,
    reports: reports.reports,
    reportFiles: reports.files,
    orphanFiles: await removeOrphanReportFiles(),
  };
}
