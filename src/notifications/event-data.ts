import type { Repositories } from '../db/repositories';
import type { Ticket, TicketComment } from '../db/repositories/tickets';
import type { User } from '../db/repositories/users';
import { NOTIFICATION_FAILURES, type ResolvedNotification, type TicketNotificationInput } from '../jobs/contract';
import { candidateRecipients, selectRecipients } from './recipients';

export type MissingDataType =
  | (typeof NOTIFICATION_FAILURES)['ticketNotFound']
  | (typeof NOTIFICATION_FAILURES)['actorNotFound']
  | (typeof NOTIFICATION_FAILURES)['commentNotFound'];

/** The event names a ticket, actor or comment that does not exist. */
export class MissingEventDataError extends Error {
  constructor(
    readonly type: MissingDataType,
    readonly field: 'ticketId' | 'actorId' | 'commentId',
  ) {
    super(`${field} does not exist`);
    this.name = 'MissingEventDataError';
  }
}

export interface EventData {
  ticket: Ticket;
  actor: User;
  comment: TicketComment | undefined;
}

type EventRefs = Pick<TicketNotificationInput, 'ticketId' | 'actorId' | 'commentId'>;

/** Loads what an event refers to; the API checks this before starting a workflow, the activity again when it runs. */
export async function loadEventData(repos: Repositories, refs: EventRefs): Promise<EventData> {
  const ticket = await repos.tickets.findById(refs.ticketId);
  if (!ticket) throw new MissingEventDataError(NOTIFICATION_FAILURES.ticketNotFound, 'ticketId');
  const actor = await repos.users.findById(refs.actorId);
  if (!actor) throw new MissingEventDataError(NOTIFICATION_FAILURES.actorNotFound, 'actorId');
  let comment: TicketComment | undefined;
  if (refs.commentId !== undefined) {
    comment = await repos.tickets.findComment(refs.ticketId, refs.commentId);
    if (!comment) throw new MissingEventDataError(NOTIFICATION_FAILURES.commentNotFound, 'commentId');
  }
  return { ticket, actor, comment };
}

/** Who gets a mail for this event, by the rules in recipients.ts. */
export async function resolveRecipients(repos: Repositories, input: TicketNotificationInput): Promise<ResolvedNotification> {
  const { ticket, comment } = await loadEventData(repos, input);
  const needsTriage = input.type === 'created' && ticket.assigneeId === null;
  const companyAgents = needsTriage ? await repos.users.activeAgentsOfCompany(ticket.companyId) : [];
  const admins = needsTriage && companyAgents.length === 0 ? await repos.users.activeAdmins() : [];
  const candidates = candidateRecipients({
    type: input.type,
    ticket,
    watcherIds: await repos.tickets.watcherIds(ticket.id),
    changes: input.changes,
    companyAgentIds: companyAgents.map((u) => u.id),
    adminIds: admins.map((u) => u.id),
  });
  const users = await repos.users.findByIds(candidates.map((c) => c.userId));
  const selected = selectRecipients(candidates, new Map(users.map((u) => [u.id, u])), {
    actorId: input.actorId,
    internalComment: input.type === 'commented' && comment?.isInternal === true,
  });
  return {
    ticketId: ticket.id,
    companyId: ticket.companyId,
    recipients: selected.map(({ user, reason }) => ({ userId: user.id, email: user.email.trim().toLowerCase(), reason })),
  };
}
