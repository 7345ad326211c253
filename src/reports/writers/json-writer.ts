import type { Writable } from 'node:stream';
import type { ReportRow } from '../columns';
import { batchedWriter, cachedEncoder, type ReportHeader, type ReportWriter } from './report-writer';

const FLUSH_BYTES = 64 * 1024;
const text = JSON.stringify;
/** what JSON.stringify escapes in a string: quotes, backslashes, control characters and lone surrogates (pairs taken along) */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(value) of a string, without the call for most text (it costs more than the rest of a cell) */
export function jsonString(value: string): string {
  return ESCAPED.test(value) ? text(value) : `"${value}"`;
}

/**
 * An instant as the row readers write it (toISOString's shape, see isoInstant): with a four-digit year it holds
 * nothing to escape, as the CSV writer's csvInstant relies on too; a test per character cost more than the rest of it.
 */
function jsonInstant(value: string | null): string {
  if (value === null) return 'null';
  const first = value.charCodeAt(0);
  return first >= 48 && first <= 57 ? `"${value}"` : text(value);
}

/** JSON.stringify(value) of a number: NaN and the infinities are null */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/** A row as JSON with the keys in the one column order (REPORT_COLUMN_KEYS), as JSON.stringify would write that object. */
export function rowJson(row: ReportRow): string {
  return (
    `{"id":${text(row.id)},"subject":${text(row.subject)},"status":${text(row.status)},"priority":${text(row.priority)},` +
    `"company":${text(row.company)},"companyId":${text(row.companyId)},"requester":${text(row.requester)},` +
    `"assignee":${text(row.assignee)},"createdAt":${text(row.createdAt)},"closedAt":${text(row.closedAt)}}`
  );
}

/** One JSON document `{generatedAt, filters, rowCount, rows}` written piece by piece. */
export function createJsonWriter(out: Writable, header: ReportHeader): ReportWriter {
  const word = cachedEncoder(jsonString);
  const company = cachedEncoder(jsonString);
  const person = cachedEncoder(jsonString);
  // rowJson, with the repeating columns encoded once per value
  const record = (row: ReportRow) =>
    `{"id":${jsonNumber(row.id)},"subject":${jsonString(row.subject)},"status":${word(row.status)},"priority":${word(row.priority)},` +
    `"company":${company(row.company)},"companyId":${jsonNumber(row.companyId)},"requester":${person(row.requester)},` +
    `"assignee":${row.assignee === null ? 'null' : person(row.assignee)},"createdAt":${jsonInstant(row.createdAt)},"closedAt":${jsonInstant(row.closedAt)}}`;
  return batchedWriter(out, {
    head: `{"generatedAt":${text(header.generatedAt.toISOString())},"filters":${text(header.filters)},"rowCount":${header.rowCount},"rows":[`,
    tail: (rowsWritten) => (rowsWritten === 0 ? ']}\n' : '\n]}\n'),
    flushBytes: FLUSH_BYTES,
    record: (row, index) => (index === 0 ? '\n' : ',\n') + record(row),
  });
}
