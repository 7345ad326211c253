import type { Writable } from 'node:stream';
import type { ReportFilters, ReportFormat } from '../../jobs/contract';
import type { ReportRow } from '../columns';
import type { ReportSummary } from '../query';
import { endOutput, writeChunk } from './write-chunk';

export interface ReportHeader {
  reportId: number;
  generatedAt: Date;
  filters: ReportFilters;
  rowCount: number;
  /** counts by status and priority: the PDF prints them (the other formats need not pay for the query) */
  summary?: ReportSummary;
}

/** Turns rows into one file format. write() and writeRows() resolve once the output can take more. */
export interface ReportWriter {
  write(row: ReportRow): Promise<void>;
  writeRows(rows: readonly ReportRow[]): Promise<void>;
  /** writes the trailer and ends the output stream */
  finish(): Promise<void>;
}

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
};

/**
 * A text format written in pieces: rows are formatted a batch at a time into one string, and the output gets a
 * piece once about `flushChars` have gathered (a write per row would cost more than formatting it).
 */
export function batchedWriter(
  out: Writable,
  format: { head: string; tail: string | ((rowsWritten: number) => string); flushChars: number; format: (rows: readonly ReportRow[], rowsBefore: number) => string },
): ReportWriter {
  let pending = format.head;
  let rowsWritten = 0;
  const writeRows = async (rows: readonly ReportRow[]) => {
    pending += format.format(rows, rowsWritten);
    rowsWritten += rows.length;
    if (pending.length >= format.flushChars) {
      const chunk = pending;
      pending = '';
      await writeChunk(out, chunk);
    }
  };
  return {
    writeRows,
    write: (row) => writeRows([row]),
    async finish() {
      const tail = typeof format.tail === 'string' ? format.tail : format.tail(rowsWritten);
      const chunk = pending + tail;
      pending = '';
      await endOutput(out, chunk);
    },
  };
}

/**
 * `encode`, remembered for the values of a column that repeat from row to row (statuses, companies, people): a
 * report of a million rows names a few of them over and over, and a lookup costs less than encoding the cell.
 */
export function cachedEncoder(encode: (value: string) => string, limit = 10_000): (value: string) => string {
  const cache = new Map<string, string>();
  return (value) => {
    let text = cache.get(value);
    if (text === undefined) {
      if (cache.size >= limit) cache.clear();
      text = encode(value);
      cache.set(value, text);
    }
    return text;
  };
}
