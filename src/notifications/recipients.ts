import { RECIPIENT_REASONS, type FieldChange, type RecipientReason, type TicketEventType } from '../jobs/contract';

/** The parts of a user the rules look at. */
export interface RecipientUser {
  id: number;
  companyId: number | null;
  email: string;
  role: 'admin' | 'agent' | 'client';
  isActive: boolean;
  notificationsEnabled: boolean;
}

/** Admins and agents work on every company's tickets. */
export function isStaff(user: Pick<RecipientUser, 'role'>): boolean {
  return user.role === 'admin' || user.role === 'agent';
}

/** Who may see a ticket: staff, and the users of the ticket's company. */
export function maySeeTicket(user: Pick<RecipientUser, 'role' | 'companyId'>, ticketCompanyId: number): boolean {
  return isStaff(user) || user.companyId === ticketCompanyId;
}

export interface Candidate {
  userId: number;
  reason: RecipientReason;
}

export interface CandidateInput {
  type: TicketEventType;
  ticket: { requesterId: number; assigneeId: number | null };
  watcherIds: number[];
  /** the assignee before an `assigned` event, once checked to be a staff user (see previousAssigneeId) */
  previousAssigneeId?: number | null;
  /** active agents of the ticket's company: told about a new ticket nobody owns yet */
  companyAgentIds: number[];
  /** active admins: told about a new unowned ticket when its company has no agent */
  adminIds: number[];
}

export interface RecipientFilterInput {
  actorId: number;
  /** only users who may see the ticket (staff, or this company's users) are ever mailed */
  ticketCompanyId: number;
  /** the event is a comment marked internal: clients never see it */
  internalComment: boolean;
}

/** The assignee before an `assigned` event, read from `changes.assigneeId` (or `assignee_id`). */
export function previousAssigneeId(changes: Record<string, FieldChange> | undefined): number | null {
  const change = changes?.assigneeId ?? changes?.assignee_id;
  const from = change?.from;
  const id = typeof from === 'string' && /^\d+$/.test(from) ? Number(from) : from;
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : null;
}

/** Everyone who may hear about the event, each with the strongest reason they qualify for. */
export function candidateRecipients(input: CandidateInput): Candidate[] {
  const found: Candidate[] = [{ userId: input.ticket.requesterId, reason: 'requester' }];
  if (input.ticket.assigneeId !== null) found.push({ userId: input.ticket.assigneeId, reason: 'assignee' });
  for (const userId of input.watcherIds) found.push({ userId, reason: 'watcher' });
  if (input.type === 'assigned') {
    const previous = input.previousAssigneeId ?? null;
    if (previous !== null && previous !== input.ticket.assigneeId) found.push({ userId: previous, reason: 'previous_assignee' });
  }
  if (input.type === 'created' && input.ticket.assigneeId === null) {
    if (input.companyAgentIds.length > 0) for (const userId of input.companyAgentIds) found.push({ userId, reason: 'company_agent' });
    else for (const userId of input.adminIds) found.push({ userId, reason: 'admin' });
  }
  const rank = (reason: RecipientReason) => RECIPIENT_REASONS.indexOf(reason);
  const best = new Map<number, Candidate>();
  for (const candidate of found) {
    const current = best.get(candidate.userId);
    if (!current || rank(candidate.reason) < rank(current.reason)) best.set(candidate.userId, candidate);
  }
  return [...best.values()].sort((a, b) => rank(a.reason) - rank(b.reason) || a.userId - b.userId);
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Applies the exclusions: the actor, unknown, inactive and opted-out users, users who may not see the ticket,
 * a previous assignee who is not staff, clients on internal notes, repeated addresses.
 */
export function selectRecipients<U extends RecipientUser>(
  candidates: Candidate[],
  users: ReadonlyMap<number, U>,
  filter: RecipientFilterInput,
): Array<{ user: U; reason: RecipientReason }> {
  const seenAddresses = new Set<string>();
  const selected: Array<{ user: U; reason: RecipientReason }> = [];
  for (const candidate of candidates) {
    const user = users.get(candidate.userId);
    if (!user || user.id === filter.actorId) continue;
    if (!user.isActive || !user.notificationsEnabled) continue;
    if (!maySeeTicket(user, filter.ticketCompanyId)) continue;
    if (candidate.reason === 'previous_assignee' && !isStaff(user)) continue;
    if (filter.internalComment && user.role === 'client') continue;
    const address = normaliseEmail(user.email);
    if (address === '' || seenAddresses.has(address)) continue;
    seenAddresses.add(address);
    selected.push({ user, reason: candidate.reason });
  }
  return selected;
}
