import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { syncRolesAndPermissions } from '../../src/auth/permissions';
import { loadConfig } from '../../src/config';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { createRepositories } from '../../src/db/repositories';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import type { ReportFilters, ReportFormat } from '../../src/jobs/contract';
import { createReportRowReader, type ReportRow } from '../../src/reports/columns';
import { exportReportFile } from '../../src/reports/export-report';
import { reportRowsQuery, reportSummaryQuery, toSummary } from '../../src/reports/query';
import { REPORT_BATCH_ROWS } from '../../src/reports/row-source';
import { createLocalReportStorage } from '../../src/reports/storage';
import { createReportWriter } from '../../src/reports/writers';

/**
 * A SQLite export reads the tickets alone and looks their company and people up by id (row-source.ts). These files
 * must be the very bytes of the joined SELECT the export read before (still the MariaDB one), row for row, whatever
 * DATABASE_URL says: the test keeps a SQLite file of its own.
 */
const GENERATED_AT = new Date('2026-12-01T18:04:05.678Z');
let dir: string;
let db: Db;
let companies: number[];
let users: number[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-sqlite-rows-'));
  const config = loadConfig({ ...process.env, DATABASE_URL: '', SQLITE_FILE: path.join(dir, 'db.sqlite') });
  db = createDb(config.database);
  await migrateLatest(db);
  await syncRolesAndPermissions(db);
  const repos = createRepositories(db);
  // names a CSV quotes or neutralises, JSON escapes, the PDF replaces
  companies = [
    (await repos.companies.create('Acme, "Inc"')).id,
    (await repos.companies.create('=SUM(A1) Ünïcødé ☕')).id,
    (await repos.companies.create('Plain Co')).id,
  ];
  users = [];
  for (const [i, email] of ['ann@example.test', '+bob@example.test', 'zoë@example.test', '-carl@example.test'].entries()) {
    users.push((await repos.users.create({ email, name: `User ${i}`, role: i % 2 ? 'client' : 'agent', companyId: companies[i % companies.length], passwordHash: 'x' })).id);
  }
  // a reader does not share the tickets' company with its people; every third ticket has no assignee
  await seedBulkTickets(db, { count: 2600, companyIds: companies, userIds: users, start: new Date('2024-01-01T00:00:00Z'), spanDays: 60, seed: 11 });
  // same created_at for several tickets: the order falls back on the id
  const sameTime = new Date('2024-01-15T10:00:00.000Z');
  for (const assignee of [null, users[3], users[0]]) {
    await db('tickets').insert({
      company_id: companies[1],
      requester_id: users[2],
      assignee_id: assignee,
      subject: 'Same time\r\n"quoted", \u2028 and a lone \ud800',
      description: 'x',
      status: 'open',
      priority: 'urgent',
      created_at: sameTime,
      updated_at: sameTime,
      closed_at: null,
    });
  }
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The export as it was: the joined SELECT stepped row by row, each row through createReportRowReader, into the same writer. */
async function joinedReference(format: ReportFormat, filters: ReportFilters, reportId: number): Promise<Buffer> {
  const filename = (db.client.config.connection as { filename: string }).filename;
  const reader = new Database(filename, { readonly: true });
  try {
    const native = (query: ReturnType<typeof reportRowsQuery>) => {
      const { sql, bindings } = query.toSQL().toNative();
      return { sql, bindings: bindings.map((value) => (value instanceof Date ? value.getTime() : value)) };
    };
    const summaryQuery = native(reportSummaryQuery(db, filters));
    const summary = toSummary(reader.prepare(summaryQuery.sql).get(...summaryQuery.bindings) as Record<string, unknown>);
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    const writer = createReportWriter(format, out, { reportId, generatedAt: GENERATED_AT, filters, rowCount: summary.total, summary: format === 'pdf' ? summary : undefined });
    const { sql, bindings } = native(reportRowsQuery(db, filters));
    const read = createReportRowReader();
    let batch: ReportRow[] = [];
    for (const raw of reader.prepare(sql).raw(true).iterate(...bindings) as IterableIterator<unknown[]>) {
      batch.push(read(raw));
      if (batch.length === REPORT_BATCH_ROWS) {
        await writer.writeRows(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await writer.writeRows(batch);
    await writer.finish();
    return Buffer.concat(chunks);
  } finally {
    reader.close();
  }
}

/** pdfkit stamps the document with the time it was made (and hashes it into the ID): the one difference allowed */
function withoutCreationTime(pdf: Buffer): string {
  return pdf
    .toString('latin1')
    .replace(/\(D:\d{14}Z\)/g, '(D:00000000000000Z)')
    .replace(/\/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]/, '/ID [<0> <0>]');
}

const cases: Array<[string, () => ReportFilters]> = [
  ['all companies', () => ({ companyIds: companies })],
  ['one company, a date range', () => ({ companyIds: [companies[1]], from: '2024-01-10', to: '2024-02-10' })],
  ['statuses and priorities, no company filter', () => ({ statuses: ['open', 'closed'], priorities: ['urgent', 'low'] })],
  ['nothing matches', () => ({ from: '2030-01-01' })],
];

let nextReportId = 1;

describe.each(cases)('a SQLite export of %s', (_name, filtersOf) => {
  it.each(['csv', 'json', 'pdf'] as const)('%s: the same bytes as the joined SELECT', async (format) => {
    const filters = filtersOf();
    const reportId = nextReportId++;
    const storage = createLocalReportStorage(path.join(dir, 'reports'));
    const exported = await exportReportFile({ db, storage, reportId, format, filters, pdfMaxRows: 50_000, now: () => GENERATED_AT });
    const file = fs.readFileSync(path.join(dir, 'reports', exported.fileName));
    const expected = await joinedReference(format, filters, reportId);
    if (format === 'pdf') expect(withoutCreationTime(file)).toBe(withoutCreationTime(expected));
    else expect(file.equals(expected)).toBe(true);
    expect(exported.rowCount).toBeGreaterThanOrEqual(filters.from === '2030-01-01' ? 0 : 1);
  }, 60_000);
});
