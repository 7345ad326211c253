import type { Repositories } from '../db/repositories';
import type { Ticket, TicketComment } from '../db/repositories/tickets';
import type { User } from '../db/repositories/users';
import { NOTIFICATION_FAILURES, type NotificationRecipient, type ResolvedNotification, type TicketNotificationInput } from '../jobs/contract';
import { candidateRecipients, isStaff, maySeeTicket, previousAssigneeId, selectRecipients } from './recipients';

export type MissingDataType =
  | (typeof NOTIFICATION_FAILURES)['ticketNotFound']
  | (typeof NOTIFICATION_FAILURES)['actorNotFound']
  | (typeof NOTIFICATION_FAILURES)['commentNotFound'];

/** The event names a ticket, actor or comment that does not exist (or, for a client, an internal comment). */
export class MissingEventDataError extends Error {
  constructor(
    readonly type: MissingDataType,
    readonly field: 'ticketId' | 'actorId' | 'commentId',
  ) {
    super(`${field} does not exist`);
    this.name = 'MissingEventDataError';
  }
}

export type RefusedDataType = (typeof NOTIFICATION_FAILURES)['actorNotAllowed'] | (typeof NOTIFICATION_FAILURES)['commentNotByActor'];

/** The event's ids exist but do not fit together: an actor who may not see the ticket, a comment someone else wrote. */
export class RefusedEventDataError extends Error {
  constructor(
    readonly type: RefusedDataType,
    readonly field: 'actorId' | 'commentId',
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'RefusedEventDataError';
  }
}

export interface EventData {
  ticket: Ticket;
  actor: User;
  comment: TicketComment | undefined;
}

type EventRefs = Pick<TicketNotificationInput, 'ticketId' | 'actorId' | 'commentId'>;

/**
 * Loads what an event refers to and checks that it fits together; the API checks this before starting a
 * workflow, the activities again when they run (the workflow input carries the ids, whoever started it).
 */
export async function loadEventData(repos: Repositories, refs: EventRefs): Promise<EventData> {
  // read at the same time (one round trip's wait instead of three); checked in the same order as before
  const [ticket, actor, comment] = await Promise.all([
    repos.tickets.findById(refs.ticketId),
    repos.users.findById(refs.actorId),
    refs.commentId === undefined ? undefined : repos.tickets.findComment(refs.ticketId, refs.commentId),
  ]);
  if (!ticket) throw new MissingEventDataError(NOTIFICATION_FAILURES.ticketNotFound, 'ticketId');
  return checkEventData(refs, { ticket, actor, comment });
}

/**
 * The rules an event's data must meet, on data already loaded (`comment`: the one with that id on this ticket).
 * The actor must be someone who may see the ticket; a comment must belong to the ticket and be the actor's own;
 * an internal comment is, for a client actor, a comment that does not exist.
 */
export function checkEventData(
  refs: Pick<EventRefs, 'commentId'>,
  loaded: { ticket: Ticket; actor: User | undefined; comment: TicketComment | undefined },
): EventData {
  const { ticket, actor } = loaded;
  if (!actor) throw new MissingEventDataError(NOTIFICATION_FAILURES.actorNotFound, 'actorId');
  if (!maySeeTicket(actor, ticket.companyId)) {
    throw new RefusedEventDataError(NOTIFICATION_FAILURES.actorNotAllowed, 'actorId', 'must be a user who may see this ticket');
  }
  let comment: TicketComment | undefined;
  if (refs.commentId !== undefined) {
    comment = loaded.comment;
    if (!comment || (comment.isInternal && !isStaff(actor))) {
      throw new MissingEventDataError(NOTIFICATION_FAILURES.commentNotFound, 'commentId');
    }
    if (comment.authorId !== actor.id) {
      throw new RefusedEventDataError(NOTIFICATION_FAILURES.commentNotByActor, 'commentId', 'must be a comment written by the actor (actorId)');
    }
  }
  return { ticket, actor, comment };
}

/** The previous assignee named by an `assigned` event, if that user exists and is staff; anyone else is ignored. */
export async function trustedPreviousAssignee(repos: Repositories, input: Pick<TicketNotificationInput, 'type' | 'changes'>): Promise<User | undefined> {
  if (input.type !== 'assigned') return undefined;
  const id = previousAssigneeId(input.changes);
  if (id === null) return undefined;
  return trustedUser(await repos.users.findById(id));
}

/** A previous assignee is believed only when it is a staff user. */
export function trustedUser(user: User | undefined): User | undefined {
  return user && isStaff(user) ? user : undefined;
}

/** Who gets a mail for this event, by the rules in recipients.ts. */
export async function resolveRecipients(repos: Repositories, input: TicketNotificationInput): Promise<ResolvedNotification> {
  const { ticket, comment } = await loadEventData(repos, input);
  const needsTriage = input.type === 'created' && ticket.assigneeId === null;
  const [companyAgents, watcherIds, previousAssignee] = await Promise.all([
    needsTriage ? repos.users.activeAgentsOfCompany(ticket.companyId) : [],
    repos.tickets.watcherIds(ticket.id),
    trustedPreviousAssignee(repos, input),
  ]);
  const admins = needsTriage && companyAgents.length === 0 ? await repos.users.activeAdmins() : [];
  const candidates = candidateRecipients({
    type: input.type,
    ticket,
    watcherIds,
    previousAssigneeId: previousAssignee?.id ?? null,
    companyAgentIds: companyAgents.map((u) => u.id),
    adminIds: admins.map((u) => u.id),
  });
  const users = await repos.users.findByIds(candidates.map((c) => c.userId));
  const selected = selectRecipients(candidates, new Map(users.map((u) => [u.id, u])), {
    actorId: input.actorId,
    ticketCompanyId: ticket.companyId,
    internalComment: input.type === 'commented' && comment?.isInternal === true,
  });
  return {
    ticketId: ticket.id,
    companyId: ticket.companyId,
    recipients: selected.map(({ user, reason }) => ({ userId: user.id, email: user.email.trim().toLowerCase(), reason, name: user.name })),
  };
}

/**
 * Who gets a coalesced mail: for each event of the digest the recipients a single `updated` mail would have,
 * united; each recipient is told about the events they would have been mailed for (never their own).
 */
export async function resolveDigestRecipients(repos: Repositories, input: TicketNotificationInput): Promise<ResolvedNotification> {
  const byUser = new Map<number, NotificationRecipient & { eventIds: string[] }>();
  let resolved: ResolvedNotification | undefined;
  for (const event of input.digest ?? []) {
    const single: TicketNotificationInput = {
      eventId: event.eventId,
      type: input.type,
      ticketId: input.ticketId,
      actorId: event.actorId,
      occurredAt: event.occurredAt,
      ...(event.changes ? { changes: event.changes } : {}),
    };
    resolved = await resolveRecipients(repos, single);
    for (const recipient of resolved.recipients) {
      const seen = byUser.get(recipient.userId);
      if (seen) seen.eventIds.push(event.eventId);
      else byUser.set(recipient.userId, { ...recipient, eventIds: [event.eventId] });
    }
  }
  if (!resolved) return resolveRecipients(repos, input);
  return { ticketId: resolved.ticketId, companyId: resolved.companyId, recipients: [...byUser.values()] };
}
