import { randomUUID } from 'node:crypto';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { badRequest, conflict, Forbidden, NotFound, notFound } from '../errors';
import type { AuthContext } from '../auth/auth-context';
import type { Config } from '../config';
import type { Repositories } from '../db/repositories';
import type { NotificationDelivery } from '../db/repositories/notification-deliveries';
import type { Ticket } from '../db/repositories/tickets';
import {
  JOB_TYPES,
  TASK_QUEUES,
  WORKFLOW_TYPES,
  workflowIds,
  type FieldChange,
  type NotificationDeliveryState,
  type TicketEventType,
  type TicketNotificationInput,
} from '../jobs/contract';
import type { JobsGateway, StartedJob } from '../jobs/gateway';
import { checkEventData, MissingEventDataError, RefusedEventDataError, trustedUser } from './event-data';
import { isCoalesced, signalTicketUpdate, ticketUpdatesState } from './coalescing';
import { deliveryNote, deliveryStateOf } from './delivery-state';
import { previousAssigneeId } from './recipients';

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
  /** MAIL_REDELIVERY_HOURS (0: dead-lettered after the send step's own attempts) and NOTIFY_COALESCE_SECONDS */
  config: { mail: Pick<Config['mail'], 'redeliveryHours' | 'coalesceSeconds'> };
}

/** One workflow run of an event: the first, then each retry from the dead-letter list. */
export interface EventRun {
  workflowId: string;
  runId: string;
  status: string;
  startTime: string;
  closeTime: string | null;
  /** a running run's delivery state (not part of the answer's `runs`: the top-level `delivery` summarises it) */
  delivery: NotificationDeliveryState | null;
}

/** At most this many runs are followed for one event (each retry of a failed retry adds one). */
const MAX_EVENT_RUNS = 50;

const isClient = (auth: AuthContext) => auth.user.role === 'client';

/**
 * The ticket, if the caller may see it. For a client another company's ticket is answered exactly like one
 * that does not exist, so ids cannot be probed across companies.
 */
async function visibleTicket(repos: Repositories, auth: AuthContext, ticketId: number): Promise<Ticket | undefined> {
  const ticket = await repos.tickets.findById(ticketId);
  return ticket && mayView(auth, ticket) ? ticket : undefined;
}

function mayView(auth: AuthContext, ticket: Ticket): boolean {
  return !isClient(auth) || auth.user.companyId === ticket.companyId;
}

/**
 * What a client may post, checked before anything is looked up: only what it did itself (staff and the help
 * desk backend's token post on behalf of whoever acted), and never an assignment.
 */
function assertClientEvent(auth: AuthContext, request: TicketEventRequest): void {
  if (!isClient(auth)) return;
  if (request.type === 'assigned') {
    throw new Forbidden('A client cannot post assigned events', [
      { field: 'type', message: 'assigned events are posted by staff only' },
    ]);
  }
  if (auth.user.id !== request.actorId) {
    throw new Forbidden('A client can only post events it did itself', [
      { field: 'actorId', message: `must be your own user id (${auth.user.id})` },
    ]);
  }
}

function ticketNotFound(): NotFound {
  return new NotFound('Ticket not found', [{ field: 'ticketId', message: 'Ticket not found' }]);
}

function eventDataToHttp(err: unknown): never {
  if (err instanceof MissingEventDataError) {
    const what = { ticketId: 'Ticket', actorId: 'Actor', commentId: 'Comment' }[err.field];
    throw new NotFound(`${what} not found`, [{ field: err.field, message: `${what} not found` }]);
  }
  if (err instanceof RefusedEventDataError) {
    throw badRequest(`Invalid ${err.field}`, [{ field: err.field, message: err.reason }]);
  }
  throw err;
}

/** The previous assignee of an `assigned` event must be a staff user: anyone else would be mailed about a ticket not theirs. */
function untrustedPreviousAssignee(request: TicketEventRequest): Error {
  const key = request.changes?.assigneeId !== undefined ? 'assigneeId' : 'assignee_id';
  return badRequest('Invalid previous assignee', [{ field: `changes.${key}.from`, message: 'must be the id of a staff user (admin or agent)' }]);
}

/** The workflow id of the n-th re-run of an event's notification (a retry from the dead-letter list). */
export function notificationRetryWorkflowId(ticketId: number, eventId: string, n: number): string {
  return `${workflowIds.notification(ticketId, eventId)}-retry-${n}`;
}

/** `ticket-42-event-digest-e1` → `digest-e1`, for a digest workflow id of this ticket. */
function digestOf(digestWorkflowId: string | undefined, ticketId: number): string | null {
  const prefix = workflowIds.notification(ticketId, '');
  return digestWorkflowId?.startsWith(prefix) ? digestWorkflowId.slice(prefix.length) : null;
}

/** The digest a coalesced event went out in, read from the Message-ID its ledger rows share (`<event-digest-e1.ticket-…>`). */
function digestFromMessageIds(deliveries: NotificationDelivery[]): string | null {
  for (const d of deliveries) {
    const match = /^<event-(digest-[A-Za-z0-9._-]+)\.ticket-\d+\.user-\d+@/.exec(d.messageId ?? '');
    if (match) return match[1];
  }
  return null;
}

export function createTicketEventsService(deps: Deps) {
  const { repos, jobs } = deps;

  /**
   * Every run of the event, oldest first: its own workflow, then each retry started from a dead-letter entry
   * that one of its runs left (found through failed_jobs, described by Temporal).
   */
  async function eventRuns(ticketId: number, eventId: string): Promise<EventRun[]> {
    const base = workflowIds.notification(ticketId, eventId);
    const workflowIdsFound = [base];
    for (let i = 0; i < workflowIdsFound.length && workflowIdsFound.length < MAX_EVENT_RUNS; i++) {
      for (const job of await repos.failedJobs.listByWorkflowId(workflowIdsFound[i])) {
        if (job.jobType !== JOB_TYPES.notification) continue;
        const retryId = notificationRetryWorkflowId(ticketId, eventId, job.id);
        if (!workflowIdsFound.includes(retryId)) workflowIdsFound.push(retryId);
      }
    }
    const descriptions = await Promise.all(workflowIdsFound.map((id) => jobs.describe(id)));
    const found = descriptions
      .filter((d): d is NonNullable<typeof d> => d !== undefined)
      .sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    return found.map((d) => ({
      workflowId: d.workflowId,
      runId: d.runId,
      status: d.status.name,
      startTime: d.startTime.toISOString(),
      closeTime: d.closeTime?.toISOString() ?? null,
      delivery: d.status.name === 'RUNNING' ? deliveryStateOf(d.memo) : null,
    }));
  }

  /** The event as it was posted, read from the first event of a run's history; undefined once Temporal no longer has it. */
  async function postedEvent(runs: EventRun[]): Promise<TicketNotificationInput | undefined> {
    for (const run of runs) {
      const history = await jobs.history(run.workflowId);
      const payloads = history?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      if (!payloads || payloads.length === 0) continue;
      try {
        return await decodeFromPayloadsAtIndex<TicketNotificationInput>(jobs.client.options.loadedDataConverter, 0, payloads);
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /**
   * A client sees its company's events except internal notes. Once Temporal forgot the event, only its own
   * delivery proves it was one the client could see (internal notes never reach a client).
   */
  async function clientMaySee(auth: AuthContext, ticketId: number, runs: EventRun[], deliveries: NotificationDelivery[]): Promise<boolean> {
    const posted = await postedEvent(runs);
    if (!posted) return deliveries.some((d) => d.userId === auth.user.id);
    if (posted.type !== 'commented' || posted.commentId === undefined) return true;
    const comment = await repos.tickets.findComment(ticketId, posted.commentId);
    return comment !== undefined && !comment.isInternal;
  }

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

      assertClientEvent(auth, request);
      // one round trip for everything the event names; the checks are those the activities make again when they run
      const previousAssignee = request.type === 'assigned' ? previousAssigneeId(request.changes) : null;
      const refs = await repos.ticketEventRefs.find({ ticketId, actorId: request.actorId, commentId: request.commentId, previousAssigneeId: previousAssignee });
      const ticket = refs && mayView(auth, refs.ticket) ? refs.ticket : undefined;
      if (!refs || !ticket) throw ticketNotFound();
      try {
        checkEventData(request, refs);
      } catch (err) {
        eventDataToHttp(err);
      }
      if (previousAssignee !== null && !trustedUser(refs.previousAssignee)) throw untrustedPreviousAssignee(request);

      const input: TicketNotificationInput = {
        eventId,
        type: request.type,
        ticketId,
        actorId: request.actorId,
        occurredAt: request.occurredAt ?? new Date().toISOString(),
        ...(request.changes ? { changes: request.changes } : {}),
        ...(request.commentId !== undefined ? { commentId: request.commentId } : {}),
        ...(deps.config.mail.redeliveryHours > 0 ? { redeliverForHours: deps.config.mail.redeliveryHours } : {}),
      };
      const tags = { companyId: ticket.companyId, requestedBy: auth.user.id };
      const coalesceSeconds = deps.config.mail.coalesceSeconds;
      // `updated` events wait in the ticket's workflow for the coalescing window; the others are mailed at once
      const started = isCoalesced(input.type, coalesceSeconds)
        ? await signalTicketUpdate(jobs, input, coalesceSeconds, tags)
        : await jobs.startTicketNotification(input, tags);
      return { eventId, ...started };
    },

    /**
     * The event's state across all its runs (the latest run decides `status`) and each recipient's delivery.
     * A client sees only events it may see, and only its own delivery.
     */
    async status(auth: AuthContext, ticketId: number, eventId: string) {
      const ticket = await visibleTicket(repos, auth, ticketId);
      if (!ticket) throw notFound('Ticket');
      if (!EVENT_ID_PATTERN.test(eventId)) throw notFound('Event');
      let workflowId = workflowIds.notification(ticketId, eventId);
      let runs = await eventRuns(ticketId, eventId);
      let deliveries = await repos.notificationDeliveries.listByEvent(ticketId, eventId);
      // an `updated` event coalesced into a digest: held by the ticket's workflow, or mailed by the digest's run
      let coalescing: { workflowId: string; sendsAt: string | null } | null = null;
      let digestEventId: string | null = null;
      if (runs.length === 0) {
        const updates = await ticketUpdatesState(jobs, ticketId);
        const held = updates?.held.find((h) => h.eventId === eventId);
        if (held) coalescing = { workflowId: workflowIds.ticketUpdates(ticketId), sendsAt: held.sendsAt };
        digestEventId = digestOf(updates?.sentIn[eventId], ticketId) ?? digestFromMessageIds(deliveries);
        if (digestEventId) {
          workflowId = workflowIds.notification(ticketId, digestEventId);
          runs = await eventRuns(ticketId, digestEventId);
        }
      }
      if (runs.length === 0 && deliveries.length === 0 && !coalescing) throw notFound('Event');
      if (isClient(auth)) {
        // a coalesced event is an `updated` one, which every client of the ticket's company may see
        if (!coalescing && !digestEventId && !(await clientMaySee(auth, ticketId, runs, deliveries))) throw notFound('Event');
        deliveries = deliveries.filter((d) => d.userId === auth.user.id);
      }
      const first = runs.find((run) => run.workflowId === workflowId);
      const latest = runs.at(-1);
      const waiting = latest?.delivery?.phase === 'waiting_to_redeliver' ? latest.delivery : null;
      const note = waiting ? deliveryNote({ deliveryState: waiting }) : null;
      return {
        eventId,
        ticketId,
        workflowId,
        runId: first?.runId ?? null,
        status: latest?.status ?? (coalescing ? 'HELD' : null),
        startTime: runs[0]?.startTime ?? null,
        closeTime: latest?.closeTime ?? null,
        /** e.g. "waiting to redeliver, next try at 2026-01-05T09:05:00.000Z" while the mail server turns mail away */
        delivery: waiting && note ? { state: 'waiting_to_redeliver', nextTryAt: waiting.nextTryAt, summary: note } : null,
        /** an `updated` event held for coalescing: the ticket's workflow holding it and when its mail goes out */
        coalescing,
        /** the coalesced mail (digest) this event went out in; its Message-ID is each delivery's messageId */
        mail: digestEventId ? { digestId: digestEventId, workflowId } : null,
        runs: runs.map(({ delivery: _state, ...run }) => run),
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
export async function retryTicketNotification(deps: Pick<Deps, 'repos' | 'jobs'>, failedJobId: number, requestedBy: number): Promise<StartedJob> {
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
