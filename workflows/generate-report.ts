import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GenerateReportInput, GenerateReportResult } from '../src/jobs/contract';
import { RETRY_POLICY } from '../src/jobs/retry-policy';

const retry = RETRY_POLICY;

const reportStep = { startToCloseTimeout: '60s', retry } as const;

// the export heartbeats its progress; a dead worker is noticed after heartbeatTimeout and the retry starts a new temp file.
// WAIT_CANCELLATION_COMPLETED: the cleanup after a cancel runs only once the export has really stopped writing
const exportStep = {
  startToCloseTimeout: '300s',
  heartbeatTimeout: '20s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry,
} as const;

const { countReportRows, finishReport, discardReport, recordReportFailure } = proxyActivities<Activities>(reportStep);
const { exportReport } = proxyActivities<Activities>(exportStep);

function describeFailure(err: unknown): { errorType: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause ?? err : err;
  if (cause instanceof ApplicationFailure) return { errorType: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof Error) return { errorType: cause.name, message: cause.message };
  return { errorType: 'Error', message: String(cause) };
}

export async function generateReportWorkflow(input: GenerateReportInput): Promise<GenerateReportResult> {
  const { reportId } = input;
  try {
    await countReportRows({ reportId });
    const exported = await exportReport({ reportId });
    await finishReport({ reportId, ...exported });
    return { reportId, rowCount: exported.rowCount, fileSize: exported.fileSize, checksum: exported.checksum };
  } catch (err) {
    if (isCancellation(err) || CancellationScope.current().consideredCancelled) {
      await CancellationScope.nonCancellable(() => discardReport({ reportId }));
      throw isCancellation(err) ? err : new CancelledFailure('report cancelled');
    }
    const { errorType, message } = describeFailure(err);
    const { workflowId, runId } = workflowInfo();
    await recordReportFailure({ reportId, workflowId, runId, errorType, message });
    throw err;
  }
}
