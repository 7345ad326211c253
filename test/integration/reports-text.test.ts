import type { Company } from '../../src/db/repositories/companies';
import type { ReportFilters, ReportFormat } from '../../src/jobs/contract';
import { REPORT_COLUMN_KEYS } from '../../src/reports/columns';
import { pdfRowCells } from '../../src/reports/writers/pdf-cells';
import { parseCsvWithCsvParse, parseCsvWithPython } from '../support/csv-readers';
import { createUser, createWorld, uniqueSuffix, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { csvExpectedCells, download, expectedRows, parseCsv, pdfTexts, waitForReport } from './reports-helpers';

let sys: TestSystem;
let world: World;
let company: Company;

/** Text that has broken CSV, JSON or PDF exports somewhere: line breaks of every kind, quotes, separators, formulas, non-ASCII. */
const AWKWARD_SUBJECTS = [
  'Printer on fire\nsecond line of the subject',
  'Mac line end\rafter a bare CR',
  'Windows line end\r\nafter CRLF',
  'ends with a newline\n',
  '\nstarts with a newline',
  'blank lines\n\n\nbetween',
  'say "hello", then leave',
  '"fully quoted"',
  'a,b,,c,',
  'tab\tinside\tthe subject',
  '\ttab first',
  '=HYPERLINK("http://evil.test","click")',
  '+1+1',
  '-2 degrees in the server room',
  '@SUM(A1:A9)',
  '\r\n=1+2 after a line break',
  "'already has an apostrophe",
  'Café, crème brûlée – €5 … “quoted”',
  'Cafe\u0301 with a combining accent',
  '漢字のチケット：プリンターが燃えている',
  'emoji 🔥🖨️ and 👩‍💻 and 🇫🇷',
  'markup </script><script>alert(1)</script>',
  'back\\slash and \u2028 line separator',
];

beforeAll(async () => {
  sys = await startTestSystem({ queues: ['reports'], env: { REPORTS_MAX_RUNNING_PER_USER: '100' } });
  world = await createWorld(sys.repos, sys.auth);
  company = await sys.repos.companies.create(`Acme, "Intl" ${uniqueSuffix()}\nSecond line – 漢字 🔥`);
  const requester = await createUser(sys.repos, { role: 'client', companyId: company.id, email: `=cmd+${uniqueSuffix()}@example.test` });
  const assignee = await createUser(sys.repos, { role: 'agent', companyId: company.id, email: `ana.müller-${uniqueSuffix()}@example.test` });
  const start = Date.UTC(2024, 4, 1);
  for (const [i, subject] of AWKWARD_SUBJECTS.entries()) {
    await sys.repos.tickets.create({
      companyId: company.id,
      requesterId: requester.id,
      assigneeId: i % 3 === 0 ? null : assignee.id,
      subject,
      description: subject,
      status: (['open', 'pending', 'resolved', 'closed'] as const)[i % 4],
      priority: (['low', 'normal', 'high', 'urgent'] as const)[i % 4],
      createdAt: new Date(start + i * 3_600_000),
    });
  }
  // the last millisecond of 31 May, and the first one after it
  for (const createdAt of ['2024-05-31T23:59:59.999Z', '2024-06-01T00:00:00.000Z']) {
    await sys.repos.tickets.create({
      companyId: company.id,
      requesterId: requester.id,
      assigneeId: null,
      subject: `created at ${createdAt}`,
      description: '',
      status: 'open',
      priority: 'normal',
      createdAt: new Date(createdAt),
    });
  }
}, 120_000);

afterAll(async () => {
  await sys?.stop();
});

async function generate(format: ReportFormat, filters: ReportFilters) {
  const client = httpClient(sys.baseUrl, world.tokens.admin);
  const created = await client.post('/api/reports', { format, filters });
  expect(created.status).toBe(202);
  const report = await waitForReport(client, created.body.id, ['ready', 'failed']);
  expect(report.status).toBe('ready');
  const file = await download(sys.baseUrl, world.tokens.admin, report.id);
  expect(file.status).toBe(200);
  return { report, file };
}

const onlyCompany = () => ({ companyIds: [company.id] });

describe('report text round trip', () => {
  it('the database holds the awkward text exactly as written (the control for the round trips below)', async () => {
    const rows = await expectedRows(sys.db, onlyCompany());
    expect(rows).toHaveLength(AWKWARD_SUBJECTS.length + 2);
    expect(rows.slice(0, AWKWARD_SUBJECTS.length).map((r) => r.subject)).toEqual(AWKWARD_SUBJECTS);
    expect(rows[0].company).toBe(company.name);
  });

  it("a CSV with multi-line, quoted, formula-like and non-ASCII text reads back through Python's csv module as the database rows, neutralised", async () => {
    const expected = await expectedRows(sys.db, onlyCompany());
    const { report, file } = await generate('csv', onlyCompany());
    const records = parseCsvWithPython(file.body);
    expect(report.rowCount).toBe(expected.length);
    expect(records).toHaveLength(expected.length + 1);
    expect(records.filter((r) => r.length !== REPORT_COLUMN_KEYS.length)).toEqual([]);
    expect(records).toEqual([[...REPORT_COLUMN_KEYS], ...expected.map(csvExpectedCells)]);
  });

  it('the same CSV reads back through csv-parse and a strict RFC 4180 reader as the database rows, neutralised', async () => {
    const expected = await expectedRows(sys.db, onlyCompany());
    const { file } = await generate('csv', onlyCompany());
    const wanted = [[...REPORT_COLUMN_KEYS], ...expected.map(csvExpectedCells)];
    expect(parseCsvWithCsvParse(file.body)).toEqual(wanted);
    expect(parseCsv(file.body.toString('utf8'))).toEqual(wanted);
    expect(file.body.toString('utf8')).toContain('漢字のチケット');
  });

  it('a JSON report holds every string exactly as the database does', async () => {
    const expected = await expectedRows(sys.db, onlyCompany());
    const { file } = await generate('json', onlyCompany());
    const text = new TextDecoder('utf-8', { fatal: true }).decode(file.body);
    expect(JSON.parse(text).rows).toEqual(expected);
  });

  it('a PDF report draws each row on one line, WinAnsi punctuation kept and one mark per unprintable character', async () => {
    const expected = await expectedRows(sys.db, onlyCompany());
    const { file } = await generate('pdf', onlyCompany());
    const texts = pdfTexts(file.body);
    const body = texts.slice(texts.indexOf('Closed (UTC)') + 1).filter((t) => !/^Page \d+ of \d+$/.test(t));
    expect(body).toEqual(expected.flatMap((row) => pdfRowCells(row).filter((c) => c !== '')));
    expect(body).toContain('Café, crème brûlée – €5 … “quoted”');
    expect(body).toContain('Café with a combining accent');
    expect(body).toContain('emoji ?? and ? and ?');
  });
});

describe('report date range edges', () => {
  it.each<[string, () => ReportFilters]>([
    ['to 9999-12-31', () => ({ ...onlyCompany(), to: '9999-12-31' })],
    ['from 1000-01-01 to 9999-12-31T23:59:59-14:00', () => ({ ...onlyCompany(), from: '1000-01-01', to: '9999-12-31T23:59:59-14:00' })],
    ['from 1000-01-01T00:00:00+14:00 (before the first storable instant)', () => ({ ...onlyCompany(), from: '1000-01-01T00:00:00+14:00' })],
  ])('a report with %s holds every row of the range', async (_name, filtersOf) => {
    const all = await expectedRows(sys.db, onlyCompany());
    expect(all.length).toBeGreaterThan(0);
    const { report, file } = await generate('json', filtersOf());
    expect(report.rowCount).toBe(all.length);
    expect(JSON.parse(file.body.toString('utf8')).rows).toEqual(all);
  });

  it('a `from` that an offset carries past the last storable instant gives a ready report with no rows', async () => {
    const { report, file } = await generate('json', { ...onlyCompany(), from: '9999-12-31T23:00:00-14:00' });
    expect(report.rowCount).toBe(0);
    expect(JSON.parse(file.body.toString('utf8')).rows).toEqual([]);
  });

  it('a date-only `to` takes in its last millisecond and nothing of the next day', async () => {
    const { file } = await generate('json', { ...onlyCompany(), from: '2024-05-31', to: '2024-05-31' });
    expect(JSON.parse(file.body.toString('utf8')).rows.map((r: { subject: string }) => r.subject)).toEqual(['created at 2024-05-31T23:59:59.999Z']);
  });

  it.each([
    ['from 0001-01-01T00:00:00+14:00', { from: '0001-01-01T00:00:00+14:00' }, 'filters.from'],
    ['an impossible calendar day', { to: '2026-02-30' }, 'filters.to'],
    ['an impossible day in a date-time', { from: '2026-02-30T10:00:00Z' }, 'filters.from'],
    ['T24:00', { to: '2024-05-31T24:00:00Z' }, 'filters.to'],
    ['an offset beyond +14:00', { to: '2024-05-31T10:00:00+15:00' }, 'filters.to'],
  ])('refuses %s with 400 naming the field', async (_name, filters, field) => {
    const client = httpClient(sys.baseUrl, world.tokens.admin);
    const res = await client.post('/api/reports', { format: 'csv', filters });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([{ field, message: expect.any(String) }]);
  });
});
