import type { Writable } from 'node:stream';
import type { ReportRow } from '../columns';
import { batchedWriter, type ReportHeader, type ReportWriter } from './report-writer';

const FLUSH_CHARS = 64 * 1024;
const text = JSON.stringify;

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
  return batchedWriter(out, {
    head: `{"generatedAt":${text(header.generatedAt.toISOString())},"filters":${text(header.filters)},"rowCount":${header.rowCount},"rows":[`,
    tail: (rowsWritten) => (rowsWritten === 0 ? ']}\n' : '\n]}\n'),
    flushChars: FLUSH_CHARS,
    format: (rows, rowsBefore) => {
      let out = '';
      for (let i = 0; i < rows.length; i++) out += (rowsBefore + i === 0 ? '\n' : ',\n') + rowJson(rows[i]);
      return out;
    },
  });
}
