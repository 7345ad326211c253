import { toDate, toDateOrNull } from '../db/normalize';
import type { TicketPriority, TicketStatus } from '../jobs/contract';

/** One report line: the CSV header and the JSON keys are these property names, in this order. */
export interface ReportRow {
  id: number;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  company: string;
  companyId: number;
  requester: string;
  assignee: string | null;
  createdAt: string;
  closedAt: string | null;
}

export type ReportColumn = keyof ReportRow;

export interface ReportColumnSpec {
  key: ReportColumn;
  /** column title in the PDF table */
  title: string;
  /** relative width in the PDF table */
  pdfWidth: number;
}

export const REPORT_COLUMNS: readonly ReportColumnSpec[] = [
  { key: 'id', title: 'ID', pdfWidth: 5 },
  { key: 'subject', title: 'Subject', pdfWidth: 20 },
  { key: 'status', title: 'Status', pdfWidth: 6 },
  { key: 'priority', title: 'Priority', pdfWidth: 6 },
  { key: 'company', title: 'Company', pdfWidth: 12 },
  { key: 'companyId', title: 'Co. ID', pdfWidth: 5 },
  { key: 'requester', title: 'Requester', pdfWidth: 14 },
  { key: 'assignee', title: 'Assignee', pdfWidth: 14 },
  { key: 'createdAt', title: 'Created (UTC)', pdfWidth: 11 },
  { key: 'closedAt', title: 'Closed (UTC)', pdfWidth: 11 },
];

export const REPORT_COLUMN_KEYS: readonly ReportColumn[] = REPORT_COLUMNS.map((c) => c.key);

/** The SQL select list matching ReportRow; aliases follow tickets t, companies c, users r (requester), a (assignee). */
export const REPORT_SELECT = [
  't.id as id',
  't.subject as subject',
  't.status as status',
  't.priority as priority',
  'c.name as company',
  't.company_id as companyId',
  'r.email as requester',
  'a.email as assignee',
  't.created_at as createdAt',
  't.closed_at as closedAt',
];

/** Normalises a raw database row (SQLite epoch-ms numbers, MySQL Dates) into a ReportRow. */
export function toReportRow(raw: Record<string, unknown>): ReportRow {
  return {
    id: Number(raw.id),
    subject: String(raw.subject),
    status: raw.status as TicketStatus,
    priority: raw.priority as TicketPriority,
    company: String(raw.company),
    companyId: Number(raw.companyId),
    requester: String(raw.requester),
    assignee: raw.assignee === null || raw.assignee === undefined ? null : String(raw.assignee),
    createdAt: toDate(raw.createdAt).toISOString(),
    closedAt: toDateOrNull(raw.closedAt)?.toISOString() ?? null,
  };
}
