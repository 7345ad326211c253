import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
// only the activity types: the implementations (knex, nodemailer) stay out of the workflow bundle
import type { Activities } from '../activities';
import {
  NOTIFICATION_FAILURES,
  type NotificationRecipient,
  type RecipientOutcome,
  type TicketNotificationInput,
  type TicketNotificationResult,
} from '../src/jobs/contract';
import { RETRY_POLICY } from '../src/jobs/retry-policy';

/** Recipients served at the same time; the worker's activity slots bound it further. */
export const SEND_CONCURRENCY = 5;

const retryPolicy = RETRY_POLICY;

// missing ticket, actor or comment: nothing to retry
const lookupStep: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    ...retryPolicy,
    nonRetryableErrorTypes: [NOTIFICATION_FAILURES.ticketNotFound, NOTIFICATION_FAILURES.actorNotFound, NOTIFICATION_FAILURES.commentNotFound],
  },
};

// SMTP timeouts (10 s connect, 20 s socket) stay under this, so a hung server becomes a classified retryable error;
// kept short so a send lost with a crashed worker is retried soon
const emailStep: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    ...retryPolicy,
    nonRetryableErrorTypes: [NOTIFICATION_FAILURES.smtpPermanent, NOTIFICATION_FAILURES.smtpAuth, NOTIFICATION_FAILURES.eventIdConflict],
  },
};

const bookkeepingStep = { startToCloseTimeout: '30s', retry: retryPolicy } as const;

const { resolveNotificationRecipients } = proxyActivities<Activities>(lookupStep);
const { sendTicketNotification } = proxyActivities<Activities>(emailStep);
const { recordNotificationFailure } = proxyActivities<Activities>(bookkeepingStep);

async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function failureType(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type) return err.cause.type;
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return 'UnknownFailure';
}

async function sendOne(input: TicketNotificationInput, recipient: NotificationRecipient): Promise<RecipientOutcome> {
  try {
    return await sendTicketNotification({ input, recipient });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return { userId: recipient.userId, email: recipient.email, status: 'failed', errorType: failureType(err) };
  }
}

/** Mails every recipient of one ticket event once; ends Failed (with a failed_jobs row) when some cannot be served. */
export async function ticketNotificationWorkflow(input: TicketNotificationInput): Promise<TicketNotificationResult> {
  const { workflowId, runId } = workflowInfo();
  let resolved;
  try {
    resolved = await resolveNotificationRecipients(input);
  } catch (err) {
    if (err instanceof ActivityFailure) {
      await recordNotificationFailure({ input, workflowId, runId, companyId: null, failed: [], errorType: failureType(err) });
    }
    throw err;
  }

  const recipients = await mapBounded(resolved.recipients, SEND_CONCURRENCY, (recipient) => sendOne(input, recipient));
  const failed = recipients.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    await recordNotificationFailure({
      input,
      workflowId,
      runId,
      companyId: resolved.companyId,
      failed,
      errorType: NOTIFICATION_FAILURES.deliveryFailed,
    });
    throw ApplicationFailure.create({
      type: NOTIFICATION_FAILURES.deliveryFailed,
      message: `${failed.length} of ${recipients.length} recipients could not be served`,
      nonRetryable: true,
      details: [{ failed: failed.map((f) => ({ userId: f.userId, errorType: f.errorType })) }],
    });
  }
  return { eventId: input.eventId, ticketId: input.ticketId, recipients };
}
