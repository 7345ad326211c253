import { randomUUID } from 'node:crypto';
import { AppError, badRequest, conflict, forbidden, notFound } from '../api/errors';
import type { AuthContext } from '../api/request-context';
import type { Repositories } from '../db/repositories';
import type { Ticket } from '../db/repositories/tickets';
import {
  JOB_TYPES,
  TASK_QUEUES,
  WORKFLOW_TYPES,
  workflowIds,
  type FieldChange,
  type TicketEventType,
  type TicketNotificationInput,
} from '../jobs/contract';
import type { JobsGateway, StartedJob } from '../jobs/gateway';
import { loadEventData, MissingEventDataError } from './event-data';

export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export interface TicketEventRequest {
  type: TicketEventType;
  actorId: number;
  eventId?: string;
  changes?: Record<string, FieldChange>;
  commentId?: number;
  occurredAt?: string;
}

interface Deps {
  repos: Repositories;
  jobs: JobsGateway;
}

/** A client-role user only ever touches its own company's tickets. */
function assertTicketScope(auth: AuthContext, ticket: Ticket): void {
  if (auth.user.role === 'client' && auth.user.companyId !== ticket.companyId) {
    throw forbidden("You can only post events for your own company's tickets");
  }
}

/**
 * A client-role user only reports what it did itself; staff (and the help desk backend's token) post
 * on behalf of whoever acted.
 */
function assertActor(auth: AuthContext, actorId: number): void {
  if (auth.user.role === 'client' && auth.user.id !== actorId) {
    throw new AppError(403, 'forbidden', 'A client can only post events it did itself', [
      { field: 'actorId', message: `must be your own user id (${auth.user.id})` },
    ]);
  }
}

function missingToHttp(err: unknown): never {
  if (err instanceof MissingEventDataError) {
    const what = { ticketId: 'Ticket', actorId: 'Actor', commentId: 'Comment' }[err.field];
    throw new AppError(404, 'not_found', `${what} not found`, [{ field: err.field, message: `${what} not found` }]);
  }
  throw err;
}

/** The workflow id of the n-th re-run of an event's notification (a retry from the dead-letter list). */
export function notificationRetryWorkflowId(ticketId: number, eventId: string, n: number): string {
  return `${workflowIds.notification(ticketId, eventId)}-retry-${n}`;
}

export function createTicketEventsService(deps: Deps) {
  const { repos, jobs } = deps;

  return {
    /** Checks everything the event refers to, then starts (or joins) the event's one workflow. */
    async post(auth: AuthContext, ticketId: number, request: TicketEventRequest, idempotencyKey: string | undefined) {
      if (idempotencyKey !== undefined && !EVENT_ID_PATTERN.test(idempotencyKey)) {
        throw badRequest('Invalid Idempotency-Key header', [
          { field: 'Idempotency-Key', message: 'must be 1-100 letters, digits, ".", "_", ":" or "-"' },
        ]);
      }
      if (idempotencyKey !== undefined && request.eventId !== undefined && idempotencyKey !== request.eventId) {
        throw badRequest('eventId and Idempotency-Key differ', [{ field: 'eventId', message: 'must equal the Idempotency-Key header' }]);
      }
      const eventId = request.eventId ?? idempotencyKey ?? randomUUID();

      const ticket = await repos.tickets.findById(ticketId);
      if (!ticket) missingToHttp(new MissingEventDataError('TicketNotFound', 'ticketId'));
      assertTicketScope(auth, ticket);
      assertActor(auth, request.actorId);
      await loadEventData(repos, { ticketId, actorId: request.actorId, commentId: request.commentId }).catch(missingToHttp);
      const usedBy = await repos.notificationDeliveries.ticketIdOfEvent(eventId);
      if (usedBy !== undefined && usedBy !== ticketId) throw conflict('This event id was already used for another ticket');

      const input: TicketNotificationInput = {
        eventId,
        type: request.type,
        ticketId,
        actorId: request.actorId,
        occurredAt: request.occurredAt ?? new Date().toISOString(),
        ...(request.changes ? { changes: request.changes } : {}),
        ...(request.commentId !== undefined ? { commentId: request.commentId } : {}),
      };
      const started = await jobs.startTicketNotification(input, { companyId: ticket.companyId, requestedBy: auth.user.id });
      return { eventId, ...started };
    },

    /** The workflow's state and each recipient's delivery. */
    async status(auth: AuthContext, ticketId: number, eventId: string) {
      const ticket = await repos.tickets.findById(ticketId);
      if (!ticket) throw notFound('Ticket');
      assertTicketScope(auth, ticket);
      if (!EVENT_ID_PATTERN.test(eventId)) throw notFound('Event');
      const workflowId = workflowIds.notification(ticketId, eventId);
      const description = await jobs.describe(workflowId);
      const deliveries = (await repos.notificationDeliveries.listByEvent(eventId)).filter((d) => d.ticketId === ticketId);
      if (!description && deliveries.length === 0) throw notFound('Event');
      return {
        eventId,
        ticketId,
        workflowId,
        runId: description?.runId ?? null,
        status: description?.status.name ?? null,
        startTime: description?.startTime.toISOString() ?? null,
        closeTime: description?.closeTime?.toISOString() ?? null,
        deliveries: deliveries.map((d) => ({
          userId: d.userId,
          recipient: d.email,
          status: d.status,
          attempts: d.attempts,
          interruptedAttempts: d.interruptedAttempts,
          messageId: d.messageId,
          errorType: d.errorType,
          lastError: d.lastError,
          sentAt: d.sentAt?.toISOString() ?? null,
        })),
      };
    },
  };
}

/**
 * Runs a dead-lettered notification again under a fresh workflow id; the ledger turns recipients
 * already served into no-ops, so only the others get mail. The admin API calls this for a failed_jobs row.
 */
export async function retryTicketNotification(deps: Deps, failedJobId: number, requestedBy: number): Promise<StartedJob> {
  const job = await deps.repos.failedJobs.findById(failedJobId);
  if (!job || job.jobType !== JOB_TYPES.notification) throw notFound('Failed notification job');
  const input = (job.payload as { input?: TicketNotificationInput }).input;
  if (!input || typeof input.eventId !== 'string' || typeof input.ticketId !== 'number') {
    throw conflict('This failed job does not hold a notification event to retry');
  }
  return deps.jobs.startRetry({
    workflowType: WORKFLOW_TYPES.ticketNotification,
    workflowId: notificationRetryWorkflowId(input.ticketId, input.eventId, failedJobId),
    taskQueue: TASK_QUEUES.notifications,
    args: [input],
    tags: { jobType: JOB_TYPES.notification, ticketId: input.ticketId, companyId: job.companyId, requestedBy },
  });
}
