import type { Knex } from 'knex';
import type { ReportFilters, TicketPriority, TicketStatus } from '../jobs/contract';
import { REPORT_SELECT } from './columns';
import { createdAtRange } from './filters';

/** The filtered ticket set; count, summary and export all start from here so they always agree. */
export function filteredTickets(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  const { from, to, empty } = createdAtRange(filters);
  const query = db('tickets as t')
    .join('companies as c', 'c.id', 't.company_id')
    .join('users as r', 'r.id', 't.requester_id')
    .leftJoin('users as a', 'a.id', 't.assignee_id');
  if (empty) query.whereRaw('1 = 0');
  if (from) query.where('t.created_at', '>=', from);
  if (to) query.where('t.created_at', '<=', to);
  if (filters.companyIds?.length) query.whereIn('t.company_id', filters.companyIds);
  if (filters.statuses?.length) query.whereIn('t.status', filters.statuses);
  if (filters.priorities?.length) query.whereIn('t.priority', filters.priorities);
  return query;
}

export function reportRowsQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return filteredTickets(db, filters).select(REPORT_SELECT).orderBy('t.created_at').orderBy('t.id');
}

export function reportCountQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return filteredTickets(db, filters).count({ n: '*' });
}

export function reportSummaryQuery(db: Knex | Knex.Transaction, filters: ReportFilters): Knex.QueryBuilder {
  return filteredTickets(db, filters)
    .select('t.status as status', 't.priority as priority')
    .count({ n: '*' })
    .groupBy('t.status', 't.priority');
}

export interface ReportSummary {
  total: number;
  byStatus: Partial<Record<TicketStatus, number>>;
  byPriority: Partial<Record<TicketPriority, number>>;
}

export function toSummary(rows: Array<{ status: TicketStatus; priority: TicketPriority; n: unknown }>): ReportSummary {
  const summary: ReportSummary = { total: 0, byStatus: {}, byPriority: {} };
  for (const row of rows) {
    const n = Number(row.n);
    summary.total += n;
    summary.byStatus[row.status] = (summary.byStatus[row.status] ?? 0) + n;
    summary.byPriority[row.priority] = (summary.byPriority[row.priority] ?? 0) + n;
  }
  return summary;
}

export async function countReportRows(db: Knex, filters: ReportFilters): Promise<number> {
  const [row] = await reportCountQuery(db, filters);
  return Number((row as { n: unknown }).n);
}
