import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import type { ReportFilters, ReportFormat } from '../../src/jobs/contract';
import { REPORT_COLUMN_KEYS } from '../../src/reports/columns';
import { pdfRowCells } from '../../src/reports/writers/pdf-cells';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { csvExpectedCells, download, expectedRows, parseCsv, pdfTexts, waitForReport } from './reports-helpers';

let sys: TestSystem;
let world: World;

beforeAll(async () => {
  sys = await startTestSystem({ queues: ['reports'], env: { REPORTS_MAX_RUNNING_PER_USER: '100' } });
  world = await createWorld(sys.repos, sys.auth);
  await seedBulkTickets(sys.db, {
    count: 600,
    companyIds: [world.companyA.id, world.companyB.id],
    userIds: [world.admin.id, world.agent.id, world.clientA.id, world.clientB.id],
    start: new Date('2024-01-01T00:00:00Z'),
    spanDays: 90,
    seed: 7,
  });
}, 120_000);

afterAll(async () => {
  await sys?.stop();
});

const filterCases: Array<[string, () => ReportFilters]> = [
  ['both companies, no other filter', () => ({ companyIds: [world.companyA.id, world.companyB.id] })],
  ['a calendar-date range within one company', () => ({ from: '2024-01-20', to: '2024-02-10', companyIds: [world.companyA.id] })],
  [
    'statuses and priorities',
    () => ({ companyIds: [world.companyA.id, world.companyB.id], statuses: ['open', 'pending'], priorities: ['urgent', 'high'] }),
  ],
  [
    'date-times with offsets, closed tickets of one company',
    () => ({ from: '2024-02-01T12:00:00Z', to: '2024-03-01T00:00:00+01:00', statuses: ['closed'], companyIds: [world.companyB.id] }),
  ],
  ['nothing matches', () => ({ from: '2030-01-01', companyIds: [world.companyA.id] })],
];

async function generate(format: ReportFormat, filters: ReportFilters, token = world.tokens.admin) {
  const client = httpClient(sys.baseUrl, token);
  const created = await client.post('/api/reports', { format, filters });
  expect(created.status).toBe(202);
  expect(created.body).toEqual({ id: expect.any(Number), status: 'queued', workflowId: `report-${created.body.id}` });
  const report = await waitForReport(client, created.body.id, ['ready', 'failed']);
  expect(report.status).toBe('ready');
  const file = await download(sys.baseUrl, token, report.id);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-disposition')).toBe(`attachment; filename="report-${report.id}.${format}"`);
  expect(report.fileSize).toBe(file.body.length);
  expect(report.checksum).toBe(createHash('sha256').update(file.body).digest('hex'));
  expect(report.progress).toEqual({ rowsWritten: report.rowCount, totalRows: report.rowCount, percent: 100 });
  return { report, file };
}

describe.each(filterCases)('reports with %s', (_name, filtersOf) => {
  it('CSV holds exactly the rows of an independent SQL query, every field, neutralised', async () => {
    const filters = filtersOf();
    const expected = await expectedRows(sys.db, filters);
    const { report, file } = await generate('csv', filters);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const records = parseCsv(file.body.toString('utf8'));
    expect(records[0]).toEqual(REPORT_COLUMN_KEYS);
    expect(report.rowCount).toBe(expected.length);
    expect(records.slice(1)).toEqual(expected.map(csvExpectedCells));
  });

  it('JSON is one document with the filters, the row count and every row', async () => {
    const filters = filtersOf();
    const expected = await expectedRows(sys.db, filters);
    const { report, file } = await generate('json', filters);
    expect(file.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = JSON.parse(file.body.toString('utf8'));
    expect(Object.keys(doc)).toEqual(['generatedAt', 'filters', 'rowCount', 'rows']);
    expect(doc.filters).toEqual(filters);
    expect(doc.rowCount).toBe(expected.length);
    expect(report.rowCount).toBe(expected.length);
    expect(doc.rows).toEqual(expected);
  });

  it('PDF shows the summary counts and the table rows in order', async () => {
    const filters = filtersOf();
    const expected = await expectedRows(sys.db, filters);
    const { file } = await generate('pdf', filters);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    const texts = pdfTexts(file.body);
    expect(texts).toContain(`Summary: ${expected.length} tickets`);
    const byStatus = (s: string) => expected.filter((r) => r.status === s).length;
    expect(texts).toContain(`By status: open ${byStatus('open')}, pending ${byStatus('pending')}, resolved ${byStatus('resolved')}, closed ${byStatus('closed')}`);
    const byPriority = (p: string) => expected.filter((r) => r.priority === p).length;
    expect(texts).toContain(`By priority: low ${byPriority('low')}, normal ${byPriority('normal')}, high ${byPriority('high')}, urgent ${byPriority('urgent')}`);
    const headerEnd = texts.indexOf('Closed (UTC)');
    const cells = texts.slice(headerEnd + 1).filter((t, i, all) => !(t === 'ID' && all[i + 1] === 'Subject'));
    const headerTitles = new Set(['ID', 'Subject', 'Status', 'Priority', 'Company', 'Co. ID', 'Requester', 'Assignee', 'Created (UTC)', 'Closed (UTC)']);
    const body = cells.filter((t) => !headerTitles.has(t) && !/^Page \d+ of \d+$/.test(t));
    const expectedCells = expected.flatMap((row) => pdfRowCells(row).filter((c) => c !== ''));
    if (expected.length === 0) expect(texts).toContain('No tickets match these filters.');
    else expect(body).toEqual(expectedCells);
  });
});

describe('reports without any filter', () => {
  it("an admin's CSV with empty filters holds every ticket of the database, as an independent SQL query", async () => {
    const expected = await expectedRows(sys.db, {});
    expect(expected.length).toBeGreaterThanOrEqual(600);
    const { report, file } = await generate('csv', {});
    expect(report.rowCount).toBe(expected.length);
    expect(parseCsv(file.body.toString('utf8')).slice(1)).toEqual(expected.map(csvExpectedCells));
  });
});

describe('report scope', () => {
  it("a client's report without companyIds covers only its own company", async () => {
    const expected = await expectedRows(sys.db, { companyIds: [world.companyA.id], statuses: ['open'] });
    const { file } = await generate('json', { statuses: ['open'] }, world.tokens.clientA);
    const doc = JSON.parse(file.body.toString('utf8'));
    expect(doc.filters).toEqual({ companyIds: [world.companyA.id], statuses: ['open'] });
    expect(doc.rows).toEqual(expected);
    expect(doc.rows.length).toBeGreaterThan(0);
  });

  it('leaves only final files in the reports folder, no temp files', () => {
    const names = fs.readdirSync(path.join(sys.config.reports.dir));
    expect(names.filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(names.every((n) => /^report-\d+\.(csv|json|pdf)$/.test(n))).toBe(true);
  });
});
