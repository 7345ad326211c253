import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  JOB_TYPES,
  NOTIFICATION_FAILURES,
  TASK_QUEUES,
  type NotificationRecipient,
  type RecipientOutcome,
  type ResolvedNotification,
  type TicketNotificationInput,
} from '../src/jobs/contract';
import { classifySmtpError } from '../src/mail/smtp-errors';
import { composeNotificationMail, messageIdFor, type DigestEntry } from '../src/notifications/compose';
import { createSendGate } from '../src/notifications/send-gate';
import { unsubscribeUrl } from '../src/notifications/unsubscribe-links';
import { loadEventData, MissingEventDataError, type EventData, RefusedEventDataError, resolveDigestRecipients, resolveRecipients } from '../src/notifications/event-data';
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
    ...(input.digest ? { digest: input.digest } : {}),
  };
}

/** The ledger's event ids for one recipient's mail: the event itself, or the digest's events this recipient is told about. */
function ledgerEventIds(input: TicketNotificationInput, recipient: NotificationRecipient): string[] {
  if (!input.digest) return [input.eventId];
  return recipient.eventIds ?? input.digest.map((e) => e.eventId);
}

/**
 * The part of the send step's startToCloseTimeout kept for the SMTP conversation itself (the transport's connect,
 * greeting and socket timeouts); a step that waited longer than the rest for a free connection is retried instead.
 */
export const SMTP_CONVERSATION_BUDGET_MS = 20_000;

/** How long one worker process reuses what an event refers to for the other recipients of the same event. */
export const EVENT_DATA_REUSE_MS = 2000;

export function createNotificationActivities(deps: ActivityDeps) {
  const { repos, logger } = deps;
  const ledger = repos.notificationDeliveries;

  // SMTP conversations at once: one per pooled connection (the outbox writes files and needs no gate)
  const gate = deps.mailer.kind === 'smtp' ? createSendGate(deps.config.mail.smtpMaxConnections) : undefined;

  // an event's recipients are sent at the same time (one step each): they read the ticket, actor, comment and
  // assignee once, instead of once per recipient; a retry a while later reads them again
  const eventDataCache = new Map<string, { expires: number; value: Promise<{ data: EventData; assigneeName: string | null }> }>();
  function eventDataFor(input: TicketNotificationInput): Promise<{ data: EventData; assigneeName: string | null }> {
    const now = Date.now();
    for (const [key, entry] of eventDataCache) if (entry.expires <= now) eventDataCache.delete(key);
    const key = `${input.ticketId}:${input.actorId}:${input.commentId ?? ''}`;
    const cached = eventDataCache.get(key);
    if (cached) return cached.value;
    const value = (async () => {
      const data = await loadEventData(repos, input);
      const assignee = data.ticket.assigneeId === null ? undefined : await repos.users.findById(data.ticket.assigneeId);
      return { data, assigneeName: assignee?.name ?? null };
    })();
    eventDataCache.set(key, { expires: now + EVENT_DATA_REUSE_MS, value });
    value.catch(() => eventDataCache.delete(key));
    return value;
  }

  /** The digest's events this recipient is told about, in order, with their actors' names. */
  async function digestFor(input: TicketNotificationInput, recipient: NotificationRecipient): Promise<DigestEntry[]> {
    const ids = new Set(ledgerEventIds(input, recipient));
    const events = (input.digest ?? []).filter((e) => ids.has(e.eventId));
    const actors = new Map((await repos.users.findByIds([...new Set(events.map((e) => e.actorId))])).map((u) => [u.id, u.name]));
    return events.map((e) => ({ actorName: actors.get(e.actorId) ?? `user ${e.actorId}`, occurredAt: e.occurredAt, changes: e.changes ?? {} }));
  }

  return {
    async resolveNotificationRecipients(input: TicketNotificationInput): Promise<ResolvedNotification> {
      try {
        return await (input.digest ? resolveDigestRecipients(repos, input) : resolveRecipients(repos, input));
      } catch (err) {
        return asFailure(err);
      }
    },

    /** Sends one recipient's mail unless the ledger says it was already sent. */
    async sendTicketNotification({ input, recipient }: SendTicketNotificationInput): Promise<RecipientOutcome> {
      const startedAt = Date.now();
      const { info } = Context.current();
      const { attempt, workflowExecution } = info;
      const log = logger.child({ workflowId: workflowExecution?.workflowId, ticketId: input.ticketId, userId: recipient.userId, attempt });
      const messageId = messageIdFor(deps.config.api.appUrl, input.ticketId, input.eventId, recipient.userId);
      // a coalesced mail has a ledger row per event it reports, all under the one Message-ID
      const deliveries = await Promise.all(
        ledgerEventIds(input, recipient).map((eventId) =>
          ledger.open({ eventId, ticketId: input.ticketId, userId: recipient.userId, email: recipient.email, messageId }),
        ),
      );
      const unsent = deliveries.filter((d) => d.status !== 'sent');
      if (unsent.length === 0) {
        log.info('notification already sent; skipped');
        return { userId: recipient.userId, email: recipient.email, status: 'already_sent', messageId: deliveries[0].messageId };
      }
      const delivery = unsent[0];

      const { data, assigneeName } = await eventDataFor(input).catch(asFailure);
      const name = recipient.name ?? (await repos.users.findById(recipient.userId))?.name ?? recipient.email;
      const mail = await composeNotificationMail({
        appUrl: deps.config.api.appUrl,
        event: input,
        ticket: data.ticket,
        actorName: data.actor.name,
        assigneeName,
        comment: data.comment,
        recipient: { ...recipient, name },
        timeZone: deps.config.mail.timeZone,
        unsubscribeUrl: unsubscribeUrl(deps.config, recipient.userId),
        ...(input.digest ? { digest: await digestFor(input, recipient) } : {}),
      });

      // the window between the SMTP server's acceptance and markSent is where a crash can cause a resend;
      // the resend carries the same Message-ID, which mail clients and many servers deduplicate
      if (delivery.inFlightSince) {
        log.warn(
          { messageId, inFlightSince: delivery.inFlightSince.toISOString() },
          'the previous attempt was cut off mid-send with an unknown outcome; sending again under the same Message-ID',
        );
      }
      // a connection of the pool first: the in-flight mark and the conversation only ever cover a mail really on the wire
      const release = gate ? await gate.acquire(startedAt + info.startToCloseTimeoutMs - SMTP_CONVERSATION_BUDGET_MS) : () => undefined;
      if (!release) {
        log.warn({ connections: deps.config.mail.smtpMaxConnections }, 'no SMTP connection came free in time; the step is retried');
        throw ApplicationFailure.create({
          type: NOTIFICATION_FAILURES.smtpTransient,
          message: `no SMTP connection came free within ${Math.round((info.startToCloseTimeoutMs - SMTP_CONVERSATION_BUDGET_MS) / 1000)} s`,
          nonRetryable: false,
        });
      }
      try {
        for (const d of unsent) await ledger.startAttempt(d.id);
      } catch (err) {
        release();
        throw err;
      }
      try {
        await deps.mailer.send(mail);
      } catch (err) {
        release();
        const failure = classifySmtpError(err);
        for (const d of unsent) await ledger.recordError(d.id, { type: failure.type, message: failure.message, final: !failure.retryable });
        log.warn({ errorType: failure.type, responseCode: failure.responseCode, code: failure.code }, 'notification send failed');
        throw ApplicationFailure.create({
          type: failure.type,
          message: failure.message,
          nonRetryable: !failure.retryable,
          details: [{ responseCode: failure.responseCode ?? null, code: failure.code ?? null }],
        });
      }
      release();
      for (const d of unsent) await ledger.markSent(d.id);
      log.info({ messageId }, 'notification sent');
      return { userId: recipient.userId, email: recipient.email, status: 'sent', messageId };
    },

    /** Dead-letters the event: marks the given recipients failed and writes one failed_jobs row per run. */
    async recordNotificationFailure(failure: RecordNotificationFailureInput): Promise<number> {
      for (const eventId of failure.input.digest?.map((e) => e.eventId) ?? [failure.input.eventId]) {
        await ledger.markFailed(
          failure.input.ticketId,
          eventId,
          failure.failed.map((f) => f.email),
        );
      }
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
