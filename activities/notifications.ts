import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  JOB_TYPES,
  TASK_QUEUES,
  type NotificationRecipient,
  type RecipientOutcome,
  type ResolvedNotification,
  type TicketNotificationInput,
} from '../src/jobs/contract';
import { classifySmtpError } from '../src/mail/smtp-errors';
import { composeNotificationMail, messageIdFor } from '../src/notifications/compose';
import { unsubscribeUrl } from '../src/notifications/unsubscribe-links';
import { loadEventData, MissingEventDataError, RefusedEventDataError, resolveRecipients } from '../src/notifications/event-data';
import type { ActivityDeps } from './deps';

export interface SendTicketNotificationInput {
  input: TicketNotificationInput;
  recipient: NotificationRecipient;
}

export interface RecordNotificationFailureInput {
  input: TicketNotificationInput;
  workflowId: string;
  runId: string;
  companyId: number | null;
  failed: RecipientOutcome[];
  errorType: string;
}

function asFailure(err: unknown): never {
  if (err instanceof MissingEventDataError || err instanceof RefusedEventDataError) {
    throw ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true });
  }
  throw err;
}

/** The event as stored in failed_jobs: ids and the small change list, enough to run it again. */
function eventPayload(input: TicketNotificationInput) {
  return {
    eventId: input.eventId,
    type: input.type,
    ticketId: input.ticketId,
    actorId: input.actorId,
    occurredAt: input.occurredAt,
    ...(input.changes ? { changes: input.changes } : {}),
    ...(input.commentId !== undefined ? { commentId: input.commentId } : {}),
  };
}

export function createNotificationActivities(deps: ActivityDeps) {
  const { repos, logger } = deps;
  const ledger = repos.notificationDeliveries;

  return {
    async resolveNotificationRecipients(input: TicketNotificationInput): Promise<ResolvedNotification> {
      try {
        return await resolveRecipients(repos, input);
      } catch (err) {
        return asFailure(err);
      }
    },

    /** Sends one recipient's mail unless the ledger says it was already sent. */
    async sendTicketNotification({ input, recipient }: SendTicketNotificationInput): Promise<RecipientOutcome> {
      const { attempt, workflowExecution } = Context.current().info;
      const log = logger.child({ workflowId: workflowExecution?.workflowId, ticketId: input.ticketId, userId: recipient.userId, attempt });
      const messageId = messageIdFor(deps.config.api.appUrl, input.ticketId, input.eventId, recipient.userId);
      const delivery = await ledger.open({
        eventId: input.eventId,
        ticketId: input.ticketId,
        userId: recipient.userId,
        email: recipient.email,
        messageId,
      });
      if (delivery.status === 'sent') {
        log.info('notification already sent; skipped');
        return { userId: recipient.userId, email: recipient.email, status: 'already_sent', messageId: delivery.messageId };
      }

      const data = await loadEventData(repos, input).catch(asFailure);
      const user = await repos.users.findById(recipient.userId);
      const assignee = data.ticket.assigneeId === null ? undefined : await repos.users.findById(data.ticket.assigneeId);
      const mail = await composeNotificationMail({
        appUrl: deps.config.api.appUrl,
        event: input,
        ticket: data.ticket,
        actorName: data.actor.name,
        assigneeName: assignee?.name ?? null,
        comment: data.comment,
        recipient: { ...recipient, name: user?.name ?? recipient.email },
        timeZone: deps.config.mail.timeZone,
        unsubscribeUrl: unsubscribeUrl(deps.config, recipient.userId),
      });

      // the window between the SMTP server's acceptance and markSent is where a crash can cause a resend;
      // the resend carries the same Message-ID, which mail clients and many servers deduplicate
      if (delivery.inFlightSince) {
        log.warn(
          { messageId, inFlightSince: delivery.inFlightSince.toISOString() },
          'the previous attempt was cut off mid-send with an unknown outcome; sending again under the same Message-ID',
        );
      }
      await ledger.startAttempt(delivery.id);
      try {
        await deps.mailer.send(mail);
      } catch (err) {
        const failure = classifySmtpError(err);
        await ledger.recordError(delivery.id, { type: failure.type, message: failure.message, final: !failure.retryable });
        log.warn({ errorType: failure.type, responseCode: failure.responseCode, code: failure.code }, 'notification send failed');
        throw ApplicationFailure.create({
          type: failure.type,
          message: failure.message,
          nonRetryable: !failure.retryable,
          details: [{ responseCode: failure.responseCode ?? null, code: failure.code ?? null }],
        });
      }
      await ledger.markSent(delivery.id);
      log.info({ messageId }, 'notification sent');
      return { userId: recipient.userId, email: recipient.email, status: 'sent', messageId };
    },

    /** Dead-letters the event: marks the given recipients failed and writes one failed_jobs row per run. */
    async recordNotificationFailure(failure: RecordNotificationFailureInput): Promise<number> {
      await ledger.markFailed(
        failure.input.ticketId,
        failure.input.eventId,
        failure.failed.map((f) => f.email),
      );
      const existing = (await repos.failedJobs.listByWorkflowId(failure.workflowId)).find((job) => job.runId === failure.runId);
      if (existing) return existing.id;
      const id = await repos.failedJobs.record({
        jobType: JOB_TYPES.notification,
        workflowId: failure.workflowId,
        runId: failure.runId,
        taskQueue: TASK_QUEUES.notifications,
        errorType: failure.errorType,
        errorMessage:
          failure.failed.length > 0
            ? `${failure.failed.length} recipient(s) could not be served: ${failure.failed.map((f) => `user ${f.userId} (${f.errorType})`).join(', ')}`
            : `the notification could not be prepared (${failure.errorType})`,
        payload: {
          input: eventPayload(failure.input),
          failedRecipients: failure.failed.map((f) => ({ userId: f.userId, errorType: f.errorType ?? null })),
        },
        ticketId: failure.input.ticketId,
        companyId: failure.companyId ?? undefined,
      });
      logger.warn({ workflowId: failure.workflowId, failedJobId: id, errorType: failure.errorType }, 'notification dead-lettered');
      return id;
    },
  };
}
