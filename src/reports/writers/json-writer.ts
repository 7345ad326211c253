import type { Writable } from 'node:stream';
import { REPORT_COLUMN_KEYS, type ReportRow } from '../columns';
import type { ReportHeader, ReportWriter } from './report-writer';
import { writeChunk } from './write-chunk';

const FLUSH_BYTES = 64 * 1024;

function rowJson(row: ReportRow): string {
  // keys in the one column order, whatever order the row object was built in
  const ordered: Record<string, unknown> = {};
  for (const key of REPORT_COLUMN_KEYS) ordered[key] = row[key];
  return JSON.stringify(ordered);
}

/** One JSON document `{generatedAt, filters, rowCount, rows}` written piece by piece. */
export function createJsonWriter(out: Writable, header: ReportHeader): ReportWriter {
  let pending =
    `{"generatedAt":${JSON.stringify(header.generatedAt.toISOString())},` +
    `"filters":${JSON.stringify(header.filters)},"rowCount":${header.rowCount},"rows":[`;
  let first = true;
  return {
    async write(row) {
      pending += (first ? '\n' : ',\n') + rowJson(row);
      first = false;
      if (pending.length >= FLUSH_BYTES) {
        const chunk = pending;
        pending = '';
        await writeChunk(out, chunk);
      }
    },
    async finish() {
      pending += first ? ']}\n' : '\n]}\n';
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(pending, () => resolve());
      });
    },
  };
}
