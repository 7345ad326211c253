import { z } from 'zod';
import type { AlertRule } from '../../../alerts/rules';
import type { AlertKind } from '../../../db/repositories/alerts';
import { JOB_TYPES, TASK_QUEUES, WORKFLOW_TYPES, workflowIds } from '../../contract';
import { defineJob } from '../../job-definition';
import { createAlertActivities } from './activities';

/** Started by the alert-check schedule (no input), or by hand. */
export interface AlertCheckInput {
  /** who started it by hand; absent for scheduled runs */
  requestedBy?: number;
}

/** One message still owed: 'webhook' or 'email:<address>'. */
export interface PendingAlertNotification {
  episodeId: number;
  kind: AlertKind;
  channel: string;
}

export type AlertNotificationOutcome = 'sent' | 'skipped';

export interface AlertCheckEvaluation {
  checkedAt: string;
  rules: AlertRule[];
  /** `<rule>:<subject>` of every reading over its threshold */
  firing: string[];
  opened: number;
  resolved: number;
  notifications: PendingAlertNotification[];
}

export interface AlertCheckResult extends Omit<AlertCheckEvaluation, 'notifications'> {
  /** messages sent by this run; skipped: another run or attempt had claimed them; failed: after the step's retries */
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * The alert check (src/jobs/types/alerts/workflow.ts): every ALERT_CHECK_INTERVAL_SECONDS by the `alert-check`
 * schedule, on the default queue (the cleanup worker's process runs it; no process of its own).
 */
export const alertCheckJob = defineJob<AlertCheckInput>({
  jobType: JOB_TYPES.alertCheck,
  workflowType: WORKFLOW_TYPES.checkAlerts,
  taskQueue: TASK_QUEUES.default,
  input: z.object({ requestedBy: z.number().int().positive().optional() }),
  permission: 'manage_queues',
  workflowId: (_input, context) => workflowIds.manualAlertCheck(context.at ?? new Date()),
  tags: (input) => ({ requestedBy: input.requestedBy ?? null }),
  retry: { notRetryable: 'The alert schedule checks again within a minute; a past check has nothing to redo.' },
  activities: createAlertActivities,
  workflowTaskSlots: 2,
  historyPrefix: 'check-alerts',
});
