import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
// only types: the activities and the definition stay out of the workflow bundle
import type { DeadLetterActivities } from '../../../../activities/dead-letter';
import { JOB_TYPES } from '../../contract';
import { RETRY_POLICY } from '../../retry-policy';
import type { AlertActivities } from './activities';
import type { AlertCheckInput, AlertCheckResult, PendingAlertNotification } from './definition';

const checkStep = { startToCloseTimeout: '60s', retry: RETRY_POLICY } as const;
// a mail or a webhook call; each message has its own step, so a dead webhook never holds back the mails
const notifyStep = { startToCloseTimeout: '30s', retry: RETRY_POLICY } as const;

const { evaluateAlerts, recordFailedJob } = proxyActivities<AlertActivities & DeadLetterActivities>(checkStep);
const { sendAlertEmail, postAlertWebhook } = proxyActivities<AlertActivities>(notifyStep);

export async function checkAlertsWorkflow(input: AlertCheckInput = {}): Promise<AlertCheckResult> {
  let evaluation;
  try {
    evaluation = await evaluateAlerts();
  } catch (err) {
    if (!isCancellation(err)) await deadLetter(input, err);
    throw err;
  }
  const { notifications, ...checked } = evaluation;
  const outcomes = await Promise.allSettled(notifications.map(notify));
  const sent = outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'sent').length;
  const skipped = outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'skipped').length;
  // a message that failed for good is marked failed in the ledger (the Jobs page shows it); the check itself succeeded
  return { ...checked, sent, skipped, failed: outcomes.length - sent - skipped };
}

function notify(notification: PendingAlertNotification) {
  return notification.channel === 'webhook' ? postAlertWebhook(notification) : sendAlertEmail(notification);
}

async function deadLetter(input: AlertCheckInput, err: unknown): Promise<void> {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const { workflowId, runId, taskQueue } = workflowInfo();
  await recordFailedJob({
    jobType: JOB_TYPES.alertCheck,
    workflowId,
    runId,
    taskQueue,
    errorType: cause instanceof ApplicationFailure ? cause.type ?? 'ApplicationFailure' : cause instanceof Error ? cause.name : 'Error',
    errorMessage: cause instanceof Error ? cause.message : String(cause),
    payload: { requestedBy: input.requestedBy ?? null },
  });
}
