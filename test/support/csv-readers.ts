import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

// the reader a data team would use: newline='' as the csv module's documentation requires; utf-8-sig reads the BOM the export starts with
const PYTHON_READER = `
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
    json.dump([row for row in csv.reader(f, strict=True)], sys.stdout)
`;

/** CSV records as Python's csv module reads them (strict dialect: a stray quote is an error, not data). */
export function parseCsvWithPython(bytes: Buffer): string[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-python-'));
  const file = path.join(dir, 'report.csv');
  try {
    fs.writeFileSync(file, bytes);
    const out = execFileSync('python3', ['-c', PYTHON_READER, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(out) as string[][];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** CSV records as the npm csv-parse package reads them, every record required to have the header's width. */
export function parseCsvWithCsvParse(bytes: Buffer): string[][] {
  return parse(bytes, { encoding: 'utf8', bom: true, relax_column_count: false, relax_quotes: false }) as string[][];
}
