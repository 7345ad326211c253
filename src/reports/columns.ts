import { toDate } from '../db/normalize';
import type { TicketPriority, TicketStatus } from '../jobs/contract';
import { createIsoFormatter, isoFromMysqlDateTime } from './iso-time';

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

/** The SQL select list matching ReportRow, in REPORT_COLUMNS order (rows read as arrays rely on it); aliases follow tickets t, companies c, users r (requester), a (assignee). */
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

/** A row as the drivers hand it over with rows as arrays (mysql2 `rowsAsArray`, better-sqlite3 `raw()`), in REPORT_SELECT order. */
export type RawReportRow = readonly unknown[];

/**
 * The ticket columns alone, for a reader that resolves the company and people from their ids (SQLite: see
 * row-source.ts): tickets t only. REPORT_TICKET_SELECT_INDEX names the positions.
 */
export const REPORT_TICKET_SELECT = [
  't.id',
  't.subject',
  't.status',
  't.priority',
  't.company_id',
  't.requester_id',
  't.assignee_id',
  't.created_at',
  't.closed_at',
];

/** A row of REPORT_TICKET_SELECT as an array. */
export type RawTicketRow = readonly unknown[];

export function isoInstant(value: unknown, fromEpochMs: (ms: number) => string): string {
  if (typeof value === 'number') return fromEpochMs(value);
  if (typeof value === 'string') return isoFromMysqlDateTime(value);
  return toDate(value).toISOString();
}

/**
 * Normalises raw rows into ReportRows: SQLite's epoch-ms numbers and MySQL's DATETIME text (`dateStrings`)
 * become ISO 8601 instants. Made once per export: it remembers the day of the previous row's dates.
 */
export function createReportRowReader(): (raw: RawReportRow) => ReportRow {
  const createdIso = createIsoFormatter();
  const closedIso = createIsoFormatter();
  return (raw) => ({
    id: Number(raw[0]),
    subject: String(raw[1]),
    status: raw[2] as TicketStatus,
    priority: raw[3] as TicketPriority,
    company: String(raw[4]),
    companyId: Number(raw[5]),
    requester: String(raw[6]),
    assignee: raw[7] === null || raw[7] === undefined ? null : String(raw[7]),
    createdAt: isoInstant(raw[8], createdIso),
    closedAt: raw[9] === null || raw[9] === undefined ? null : isoInstant(raw[9], closedIso),
  });
}

/** Names by id, as the report's joins would find them (undefined: no such row, which an inner join drops). */
export interface ReportNameLookup {
  companyName(id: unknown): unknown;
  userEmail(id: unknown): unknown;
}

/**
 * Reads REPORT_TICKET_SELECT rows into the very ReportRows createReportRowReader makes of the joined REPORT_SELECT
 * rows: the company and the requester through an inner join (no such row: the row is dropped, undefined here), the
 * assignee through a left join (none: null). Made once per export, like createReportRowReader.
 */
export function createTicketRowReader(names: ReportNameLookup): (raw: RawTicketRow) => ReportRow | undefined {
  const createdIso = createIsoFormatter();
  const closedIso = createIsoFormatter();
  return (raw) => {
    const company = names.companyName(raw[4]);
    if (company === undefined) return undefined;
    const requester = names.userEmail(raw[5]);
    if (requester === undefined) return undefined;
    const assignee = raw[6] === null || raw[6] === undefined ? null : names.userEmail(raw[6]);
    return {
      id: Number(raw[0]),
      subject: String(raw[1]),
      status: raw[2] as TicketStatus,
      priority: raw[3] as TicketPriority,
      company: String(company),
      companyId: Number(raw[4]),
      requester: String(requester),
      assignee: assignee === null || assignee === undefined ? null : String(assignee),
      createdAt: isoInstant(raw[7], createdIso),
      closedAt: raw[8] === null || raw[8] === undefined ? null : isoInstant(raw[8], closedIso),
    };
  };
}
