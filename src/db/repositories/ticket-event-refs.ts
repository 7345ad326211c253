import type { Knex } from 'knex';
import type { Db } from '../knex';
import { toBool, toDate } from '../normalize';
import { toTicket, type Ticket, type TicketComment } from './tickets';
import { toUser, type User } from './users';

/** What a ticket event names, as the database has it: the ticket, and the users and comment the event refers to. */
export interface TicketEventRefs {
  ticket: Ticket;
  actor: User | undefined;
  /** the comment with that id on this ticket (another ticket's comment is not found) */
  comment: TicketComment | undefined;
  previousAssignee: User | undefined;
}

const TICKET_COLUMNS = ['id', 'company_id', 'requester_id', 'assignee_id', 'subject', 'description', 'status', 'priority', 'created_at', 'updated_at', 'closed_at'];
const USER_FIELDS = ['id', 'company_id', 'name', 'email', 'is_active', 'notifications_enabled', 'created_at'];
const COMMENT_COLUMNS = ['id', 'ticket_id', 'author_id', 'body', 'is_internal', 'created_at'];

/** `{ a_id: 1, a_name: 'x', t_id: 2 }` with prefix `a_` → `{ id: 1, name: 'x' }` */
function columnsOf(row: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  return out;
}

function userOf(row: Record<string, unknown>, prefix: string): User | undefined {
  const columns = columnsOf(row, prefix);
  return columns.id === null || columns.id === undefined ? undefined : toUser(columns as unknown as Parameters<typeof toUser>[0]);
}

/** Joins a user (with its role name) on a given id, under the alias `alias` (its role as `alias`r). */
function joinUser(query: Knex.QueryBuilder, alias: string, id: number): Knex.QueryBuilder {
  return query
    .leftJoin(`users as ${alias}`, (on) => on.onVal(`${alias}.id`, '=', id))
    .leftJoin(`roles as ${alias}r`, `${alias}r.id`, `${alias}.role_id`)
    .select([...USER_FIELDS.map((c) => `${alias}.${c} as ${alias}_${c}`), `${alias}r.name as ${alias}_role`]);
}

export function createTicketEventRefsRepository(db: Db) {
  return {
    /**
     * In one round trip: the ticket and, beside it, the actor, the comment (on this ticket) and the previous assignee the
     * event names; undefined when the ticket does not exist.
     */
    async find(refs: { ticketId: number; actorId: number; commentId?: number; previousAssigneeId?: number | null }): Promise<TicketEventRefs | undefined> {
      let query = db('tickets as t')
        .where('t.id', refs.ticketId)
        .select(TICKET_COLUMNS.map((c) => `t.${c} as t_${c}`));
      query = joinUser(query, 'a', refs.actorId);
      if (refs.commentId !== undefined) {
        const commentId = refs.commentId;
        query = query
          .leftJoin('ticket_comments as c', (on) => on.on('c.ticket_id', '=', 't.id').andOnVal('c.id', '=', commentId))
          .select(COMMENT_COLUMNS.map((c) => `c.${c} as c_${c}`));
      }
      if (refs.previousAssigneeId !== undefined && refs.previousAssigneeId !== null) query = joinUser(query, 'p', refs.previousAssigneeId);
      const [row] = (await query.limit(1)) as Array<Record<string, unknown> | undefined>;
      if (!row) return undefined;
      const comment = columnsOf(row, 'c_');
      return {
        ticket: toTicket(columnsOf(row, 't_')),
        actor: userOf(row, 'a_'),
        comment:
          comment.id === null || comment.id === undefined
            ? undefined
            : {
                id: Number(comment.id),
                ticketId: Number(comment.ticket_id),
                authorId: Number(comment.author_id),
                body: String(comment.body),
                isInternal: toBool(comment.is_internal),
                createdAt: toDate(comment.created_at),
              },
        previousAssignee: userOf(row, 'p_'),
      };
    },
  };
}

export type TicketEventRefsRepository = ReturnType<typeof createTicketEventRefsRepository>;
