import { z } from 'zod';
import { createCleanupActivities } from '../../../../activities/cleanup';
import { JOB_TYPES, TASK_QUEUES, WORKFLOW_TYPES, workflowIds, type CleanupInput } from '../../contract';
import { defineJob } from '../../job-definition';

export function cleanupRetryWorkflowId(failedJobId: number): string {
  return `cleanup-retry-${failedJobId}`;
}

/** The data cleanup (workflows/cleanup-old-data.ts): nightly by schedule, or started by an admin. */
export const cleanupJob = defineJob<CleanupInput>({
  jobType: JOB_TYPES.cleanup,
  workflowType: WORKFLOW_TYPES.cleanupOldData,
  taskQueue: TASK_QUEUES.default,
  input: z.object({ dryRun: z.boolean().optional(), requestedBy: z.number().int().positive().optional() }),
  permission: 'manage_queues',
  workflowId: (_input, context) => workflowIds.manualCleanup(context.at ?? new Date()),
  tags: (input) => ({ requestedBy: input.requestedBy ?? null }),
  retry: {
    // a failed run is simply run again for real: it deletes what is still expired
    notRetryableReason: () => null,
    plan: (job, _context, requestedBy) => ({
      workflowId: cleanupRetryWorkflowId(job.id),
      input: { dryRun: false, requestedBy },
      tags: { requestedBy },
    }),
  },
  activities: createCleanupActivities,
  workflowTaskSlots: 2,
  historyPrefix: 'cleanup-old-data',
});
