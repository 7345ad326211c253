import type { Db } from '../knex';
import { toBool, toDate, toDateOrNull } from '../normalize';
import type { TicketPriority, TicketStatus } from '../../jobs/contract';

export interface Ticket {
  id: number;
  companyId: number;
  requesterId: number;
  assigneeId: number | null;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export interface TicketComment {
  id: number;
  ticketId: number;
  authorId: number;
  body: string;
  isInternal: boolean;
  createdAt: Date;
}

export function toTicket(row: Record<string, unknown>): Ticket {
  return {
    id: Number(row.id),
    companyId: Number(row.company_id),
    requesterId: Number(row.requester_id),
    assigneeId: row.assignee_id === null ? null : Number(row.assignee_id),
    subject: String(row.subject),
    description: String(row.description),
    status: row.status as TicketStatus,
    priority: row.priority as TicketPriority,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    closedAt: toDateOrNull(row.closed_at),
  };
}

export type NewTicket = Omit<Ticket, 'id' | 'createdAt' | 'updatedAt' | 'closedAt'> & {
  createdAt?: Date;
  closedAt?: Date | null;
};

export function createTicketsRepository(db: Db) {
  return {
    async findById(id: number): Promise<Ticket | undefined> {
      const row = await db('tickets').where({ id }).first();
      return row && toTicket(row);
    },
    async create(input: NewTicket): Promise<Ticket> {
      const createdAt = input.createdAt ?? new Date();
      const [id] = await db('tickets').insert({
        company_id: input.companyId,
        requester_id: input.requesterId,
        assignee_id: input.assigneeId,
        subject: input.subject,
        description: input.description,
        status: input.status,
        priority: input.priority,
        created_at: createdAt,
        updated_at: createdAt,
        closed_at: input.closedAt ?? null,
      });
      return (await this.findById(Number(id))) as Ticket;
    },
    async watcherIds(ticketId: number): Promise<number[]> {
      const rows = await db('ticket_watchers').where({ ticket_id: ticketId }).orderBy('user_id').select('user_id');
      return rows.map((r: { user_id: number }) => Number(r.user_id));
    },
    async addWatcher(ticketId: number, userId: number): Promise<void> {
      await db('ticket_watchers').insert({ ticket_id: ticketId, user_id: userId }).onConflict(['ticket_id', 'user_id']).ignore();
    },
    async findComment(ticketId: number, commentId: number): Promise<TicketComment | undefined> {
      const row = await db('ticket_comments').where({ id: commentId, ticket_id: ticketId }).first();
      return (
        row && {
          id: Number(row.id),
          ticketId: Number(row.ticket_id),
          authorId: Number(row.author_id),
          body: String(row.body),
          isInternal: toBool(row.is_internal),
          createdAt: toDate(row.created_at),
        }
      );
    },
    async addComment(input: { ticketId: number; authorId: number; body: string; isInternal: boolean; createdAt?: Date }) {
      const [id] = await db('ticket_comments').insert({
        ticket_id: input.ticketId,
        author_id: input.authorId,
        body: input.body,
        is_internal: input.isInternal,
        created_at: input.createdAt ?? new Date(),
      });
      return Number(id);
    },
  };
}

export type TicketsRepository = ReturnType<typeof createTicketsRepository>;
