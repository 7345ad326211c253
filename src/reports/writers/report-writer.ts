import type { Writable } from 'node:stream';
import type { ReportFilters, ReportFormat } from '../../jobs/contract';
import type { ReportRow } from '../columns';
import type { ReportSummary } from '../query';
import { Utf8Pieces } from './utf8-pieces';
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
 * A text format written in pieces: each row's record is encoded into the piece being filled as it is formatted, and
 * the output gets the pieces once about `flushBytes` have gathered (a write per row would cost more than formatting it).
 */
export function batchedWriter(
  out: Writable,
  format: { head: string; tail: string | ((rowsWritten: number) => string); flushBytes: number; record: (row: ReportRow, index: number) => string },
): ReportWriter {
  const pieces = new Utf8Pieces(format.flushBytes);
  pieces.add(format.head);
  let rowsWritten = 0;
  const writeRows = async (rows: readonly ReportRow[]) => {
    for (let i = 0; i < rows.length; i++) pieces.add(format.record(rows[i], rowsWritten + i));
    rowsWritten += rows.length;
    if (pieces.length >= format.flushBytes) {
      for (const piece of pieces.take()) await writeChunk(out, piece);
    }
  };
  return {
    writeRows,
    write: (row) => writeRows([row]),
    async finish() {
      pieces.add(typeof format.tail === 'string' ? format.tail : format.tail(rowsWritten));
      const rest = pieces.take();
      const last = rest.pop() ?? Buffer.alloc(0);
      for (const piece of rest) await writeChunk(out, piece);
      await endOutput(out, last);
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
