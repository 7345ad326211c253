import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertMemo,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
// only the activity types: the implementations (knex, nodemailer) stay out of the workflow bundle
import type { Activities } from '../activities';
import {
  NOTIFICATION_FAILURES,
  REDELIVERY_SCHEDULE_MS,
  isPermanentNotificationFailure,
  type NotificationDeliveryState,
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
/**
 * The same lookup as a local activity: run by the worker that runs the workflow task, recorded as a marker, without
 * the server's scheduling, dispatch and a workflow task for its result. Side by side on the bench (BENCH_ONLY=notifications,
 * one run each way): Temporal dev server CPU per mail 18.2 -> 13.5 ms, mail throughput 0.77x -> 0.93x the pooled ceiling.
 * Its attempts and failure still show on the job's page (read from the marker) and in the Temporal UI.
 */
const { resolveNotificationRecipients: resolveRecipientsLocally } = proxyLocalActivities<Activities>(lookupStep);
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

/** What the event status endpoint and the Jobs page show while a run waits for its next redelivery. */
export const notificationStateQuery = defineQuery<NotificationDeliveryState>('notificationDeliveryState');

/**
 * Tries the recipients whose send failed for a transient reason again on durable timers (REDELIVERY_SCHEDULE_MS,
 * then its last step), the last try no later than `hours` after the first failure. Answers the final outcomes.
 */
async function redeliver(
  input: TicketNotificationInput,
  outcomes: RecipientOutcome[],
  recipients: NotificationRecipient[],
  hours: number,
  state: NotificationDeliveryState,
): Promise<RecipientOutcome[]> {
  const results = [...outcomes];
  const deadline = Date.now() + hours * 3_600_000;
  for (let round = 0; ; round++) {
    const pending = results.flatMap((r, i) => (r.status === 'failed' && !isPermanentNotificationFailure(r.errorType) ? [i] : []));
    if (pending.length === 0) break;
    const now = Date.now();
    if (now >= deadline) break;
    const wait = Math.min(REDELIVERY_SCHEDULE_MS[Math.min(round, REDELIVERY_SCHEDULE_MS.length - 1)], deadline - now);
    const nextTryAt = new Date(now + wait).toISOString();
    Object.assign(state, { phase: 'waiting_to_redeliver', nextTryAt, redeliveryRound: round + 1, waitingFor: pending.map((i) => results[i].userId) });
    upsertMemo({ deliveryState: { ...state } });
    await sleep(wait);
    Object.assign(state, { phase: 'sending', nextTryAt: null });
    upsertMemo({ deliveryState: { ...state } });
    const retried = await mapBounded(pending, SEND_CONCURRENCY, (i) => sendOne(input, recipients[i]));
    pending.forEach((i, k) => {
      results[i] = retried[k];
    });
  }
  return results;
}

/**
 * Mails every recipient of one ticket event once. A recipient the mail server turned away for a transient reason
 * is tried again on durable timers for `redeliverForHours`; only then (or at once for permanent refusals) does the
 * run end Failed with a failed_jobs row.
 */
export async function ticketNotificationWorkflow(input: TicketNotificationInput): Promise<TicketNotificationResult> {
  const { workflowId, runId } = workflowInfo();
  const state: NotificationDeliveryState = { phase: 'sending', nextTryAt: null, redeliveryRound: 0, waitingFor: [] };
  setHandler(notificationStateQuery, () => state);
  let resolved;
  try {
    // runs started before the lookup became local replay its activity (CONTRIBUTING.md, "Changing a workflow")
    resolved = patched('notification-resolve-local') ? await resolveRecipientsLocally(input) : await resolveNotificationRecipients(input);
  } catch (err) {
    // a step's failure arrives as ActivityFailure; the local lookup's as the failure it ended with (its own
    // ApplicationFailure, or a TimeoutFailure)
    if (err instanceof ActivityFailure || err instanceof ApplicationFailure || err instanceof TimeoutFailure) {
      await recordNotificationFailure({ input, workflowId, runId, companyId: null, failed: [], errorType: failureType(err) });
    }
    throw err;
  }

  let recipients = await mapBounded(resolved.recipients, SEND_CONCURRENCY, (recipient) => sendOne(input, recipient));
  const hours = input.redeliverForHours ?? 0;
  const transient = recipients.some((r) => r.status === 'failed' && !isPermanentNotificationFailure(r.errorType));
  // runs started before redelivery existed carry no redeliverForHours and never reach patched()
  if (hours > 0 && transient && patched('notification-redelivery')) {
    recipients = await redeliver(input, recipients, resolved.recipients, hours, state);
    Object.assign(state, { phase: 'done', nextTryAt: null, waitingFor: [] });
    upsertMemo({ deliveryState: { ...state } });
  }
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
