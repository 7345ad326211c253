import type { Knex } from 'knex';
import { TICKET_PRIORITIES, TICKET_STATUSES, type ReportFilters, type TicketPriority, type TicketStatus } from '../jobs/contract';
import { REPORT_SELECT, REPORT_TICKET_SELECT } from './columns';
import { createdAtRange } from './filters';

/** The filtered tickets, without their company and people: what the counts read. */
export function matchingTickets(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  const { from, to, empty } = createdAtRange(filters);
  const query = db('tickets as t');
  if (empty) query.whereRaw('1 = 0');
  if (from) query.where('t.created_at', '>=', from);
  if (to) query.where('t.created_at', '<=', to);
  if (filters.companyIds?.length) query.whereIn('t.company_id', filters.companyIds);
  if (filters.statuses?.length) query.whereIn('t.status', filters.statuses);
  if (filters.priorities?.length) query.whereIn('t.priority', filters.priorities);
  return query;
}

/** The filtered tickets with their company, requester and assignee: the rows of the report. */
export function filteredTickets(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return matchingTickets(db, filters)
    .join('companies as c', 'c.id', 't.company_id')
    .join('users as r', 'r.id', 't.requester_id')
    .leftJoin('users as a', 'a.id', 't.assignee_id');
}

export function reportRowsQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return filteredTickets(db, filters).select(REPORT_SELECT).orderBy('t.created_at').orderBy('t.id');
}

/**
 * reportRowsQuery without its joins: the same tickets in the same order (the joins add no row, see below), with the
 * ids of their company and people in place of the names (a reader resolves them, once per id).
 */
export function reportTicketRowsQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return matchingTickets(db, filters).select(REPORT_TICKET_SELECT).orderBy('t.created_at').orderBy('t.id');
}

/**
 * Counts count the tickets alone: every ticket has its company and its requester (NOT NULL foreign keys) and the
 * assignee is a left join, so the joins add no row and remove none, and without them the planner reads the filter's
 * index (with them MariaDB counted a million tickets through the requester index, in as long as the export took).
 * The export still checks that it wrote as many rows as were counted.
 */
export function reportCountQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return matchingTickets(db, filters).count({ n: '*' });
}

/**
 * The counts by status and by priority, and the total, in one row: sums of conditions scan the rows once, where
 * GROUP BY status, priority also sorted them (a temporary B-tree on SQLite, a temporary table on MariaDB).
 */
export function reportSummaryQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  const query = matchingTickets(db, filters).count({ n: '*' });
  TICKET_STATUSES.forEach((status, i) => query.select(db.raw('sum(case when t.status = ? then 1 else 0 end) as ??', [status, `status${i}`])));
  TICKET_PRIORITIES.forEach((priority, i) => query.select(db.raw('sum(case when t.priority = ? then 1 else 0 end) as ??', [priority, `priority${i}`])));
  return query;
}

export interface ReportSummary {
  total: number;
  byStatus: Partial<Record<TicketStatus, number>>;
  byPriority: Partial<Record<TicketPriority, number>>;
}

/** The one row of reportSummaryQuery (sums are NULL over no rows, DECIMAL text on some drivers). */
export function toSummary(row: Record<string, unknown>): ReportSummary {
  const summary: ReportSummary = { total: Number(row.n), byStatus: {}, byPriority: {} };
  TICKET_STATUSES.forEach((status, i) => (summary.byStatus[status] = Number(row[`status${i}`] ?? 0)));
  TICKET_PRIORITIES.forEach((priority, i) => (summary.byPriority[priority] = Number(row[`priority${i}`] ?? 0)));
  return summary;
}

export async function countReportRows(db: Knex, filters: ReportFilters): Promise<number> {
  const [row] = await reportCountQuery(db, filters);
  return Number((row as { n: unknown }).n);
}
