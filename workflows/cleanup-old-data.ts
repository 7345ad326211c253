import { ActivityFailure, ApplicationFailure, isCancellation, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CleanupPlan } from '../activities/cleanup';
import { JOB_TYPES, type CleanupCounts, type CleanupInput, type CleanupResult } from '../src/jobs/contract';
import { RETRY_POLICY } from '../src/jobs/retry-policy';

const quickStep = {
  startToCloseTimeout: '60s',
  retry: RETRY_POLICY,
} as const;

// long deletes heartbeat per batch; a retry after a crash simply deletes what is still there
const batchStep = {
  startToCloseTimeout: '300s',
  heartbeatTimeout: '30s',
  retry: RETRY_POLICY,
} as const;

const { planCleanup, countExpiredData, removeOrphanReportFiles, recordCleanupRun, recordFailedJob } = proxyActivities<Activities>(quickStep);
const { deleteExpiredRows, deleteExpiredReports } = proxyActivities<Activities>(batchStep);

export async function cleanupOldDataWorkflow(input: CleanupInput = {}): Promise<CleanupResult> {
  try {
    return await runCleanup(input);
  } catch (err) {
    // a failed run lands in the dead-letter list like every job type; runs recorded before this step replay without it
    if (!isCancellation(err) && patched('cleanup-dead-letter')) await deadLetter(input, err);
    throw err;
  }
}

async function deadLetter(input: CleanupInput, err: unknown): Promise<void> {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const { workflowId, runId, taskQueue } = workflowInfo();
  await recordFailedJob({
    jobType: JOB_TYPES.cleanup,
    workflowId,
    runId,
    taskQueue,
    errorType: cause instanceof ApplicationFailure ? cause.type ?? 'ApplicationFailure' : cause instanceof Error ? cause.name : 'Error',
    errorMessage: cause instanceof Error ? cause.message : String(cause),
    payload: { dryRun: input.dryRun === true },
  });
}

async function runCleanup(input: CleanupInput): Promise<CleanupResult> {
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
