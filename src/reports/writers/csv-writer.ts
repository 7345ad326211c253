import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { REPORT_COLUMN_KEYS, type ReportRow } from '../columns';
import type { ReportWriter } from './report-writer';
import { writeChunk } from './write-chunk';

const FORMULA_START = /^[=+\-@\t\r]/;

/** Spreadsheets run cells that start like a formula; a leading apostrophe makes them plain text. */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvCells(row: ReportRow): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const key of REPORT_COLUMN_KEYS) {
    const value = row[key];
    cells[key] = value === null ? '' : neutralizeCell(String(value));
  }
  return cells;
}

/** Neutralised cells are always quoted, and so is any cell holding a line break of any kind. */
export const CSV_QUOTED_MATCH: readonly RegExp[] = [/^'[=+\-@\t\r]/, /[\r\n]/];

/**
 * RFC 4180: CRLF line ends, fields quoted when needed, and a UTF-8 byte order mark first, so spreadsheet
 * programs (Excel) read non-ASCII text as UTF-8 (readers: Python `encoding='utf-8-sig'`, csv-parse `bom: true`). csv-stringify quotes the record delimiter
 * (CRLF) on its own but not a bare LF or CR, which every reader takes for the end of a record.
 */
export function createCsvWriter(out: Writable): ReportWriter {
  const stringifier = stringify({
    header: true,
    bom: true,
    columns: [...REPORT_COLUMN_KEYS],
    record_delimiter: '\r\n',
    quoted_match: [...CSV_QUOTED_MATCH],
  });
  let failure: unknown;
  const done = pipeline(stringifier, out);
  // keep the rejection for write()/finish() instead of crashing the process; racing each write
  // against `done` would pile one pending reaction per row onto it
  done.catch((err: unknown) => {
    failure = err;
  });
  return {
    async write(row) {
      if (failure) throw failure;
      await writeChunk(stringifier, csvCells(row));
    },
    async finish() {
      stringifier.end();
      await done;
    },
  };
}
