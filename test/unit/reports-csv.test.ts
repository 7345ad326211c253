import { Writable } from 'node:stream';
import type { ReportRow } from '../../src/reports/columns';
import { REPORT_COLUMN_KEYS } from '../../src/reports/columns';
import { createCsvWriter, neutralizeCell } from '../../src/reports/writers/csv-writer';
import { parseCsvWithCsvParse, parseCsvWithPython } from '../support/csv-readers';

function sink() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function row(overrides: Partial<ReportRow> = {}): ReportRow {
  return {
    id: 1,
    subject: 'Printer on fire',
    status: 'open',
    priority: 'urgent',
    company: 'Acme',
    companyId: 3,
    requester: 'ana@acme.test',
    assignee: null,
    createdAt: '2024-03-01T10:00:00.000Z',
    closedAt: null,
    ...overrides,
  };
}

/** The file as written, byte order mark included. */
async function rawCsvOf(rows: ReportRow[]): Promise<string> {
  const out = sink();
  const writer = createCsvWriter(out.stream);
  for (const r of rows) await writer.write(r);
  await writer.finish();
  return out.text();
}

/** The records after the byte order mark. */
async function csvOf(rows: ReportRow[]): Promise<string> {
  const raw = await rawCsvOf(rows);
  if (!raw.startsWith('\uFEFF')) throw new Error('the CSV does not start with a byte order mark');
  return raw.slice(1);
}

/** What a reader must get back for a row: every value as text, a formula-like start behind an apostrophe. */
function readBack(r: ReportRow): string[] {
  return REPORT_COLUMN_KEYS.map((key) => {
    const value = r[key];
    const text = value === null ? '' : String(value);
    return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  });
}

const AWKWARD_TEXT = [
  'line one\nline two',
  'carriage\rreturn',
  'windows\r\nline end',
  'ends with a newline\n',
  '\nstarts with a newline',
  '\r',
  '\n',
  'say "hi", then leave',
  '"',
  'a,b,c',
  'tab\tinside',
  '\ttab first',
  '=1+2',
  '=HYPERLINK("http://evil","x\ny")',
  '-\n-',
  "'already quoted",
  'Café, crème brûlée',
  '漢字のチケット',
  'emoji 🔥🖨️ and 👩‍💻',
  '  spaces kept  ',
  '',
];

describe('CSV report writer', () => {
  it('writes the column keys as the header and CRLF line ends', async () => {
    const text = await csvOf([row()]);
    expect(text).toBe(
      `${REPORT_COLUMN_KEYS.join(',')}\r\n1,Printer on fire,open,urgent,Acme,3,ana@acme.test,,2024-03-01T10:00:00.000Z,\r\n`,
    );
  });

  it('starts with a UTF-8 byte order mark, once, so spreadsheet programs read it as UTF-8', async () => {
    const bytes = Buffer.from(await rawCsvOf([row({ subject: 'Café 漢字' })]), 'utf8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).includes(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
  });

  it('writes only the header when no ticket matches', async () => {
    expect(await csvOf([])).toBe(`${REPORT_COLUMN_KEYS.join(',')}\r\n`);
  });

  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tcmd', `"'\tcmd"`],
    ['\rcmd', `"'\rcmd"`],
  ])('neutralises and quotes a cell starting like a formula: %j', async (subject, expected) => {
    const text = await csvOf([row({ subject, company: subject })]);
    const line = text.split('\r\n')[1];
    expect(line.startsWith(`1,${expected},open,urgent,${expected},3,`)).toBe(true);
  });

  it('leaves ordinary cells alone and quotes RFC 4180 specials', async () => {
    const text = await csvOf([row({ subject: 'a, "b"\r\nc', assignee: 'bo@x.test', closedAt: '2024-03-02T00:00:00.000Z' })]);
    expect(text.split('\r\n').slice(1).join('\r\n')).toBe(
      '1,"a, ""b""\r\nc",open,urgent,Acme,3,ana@acme.test,bo@x.test,2024-03-01T10:00:00.000Z,2024-03-02T00:00:00.000Z\r\n',
    );
  });

  it('neutralises only the characters the design names', () => {
    expect(neutralizeCell('x=1')).toBe('x=1');
    expect(neutralizeCell('')).toBe('');
    expect(neutralizeCell(' =1')).toBe(' =1');
    expect(neutralizeCell('=1')).toBe("'=1");
  });

  it('keeps UTF-8 text intact', async () => {
    const text = await csvOf([row({ subject: 'Café ☕ 日本' })]);
    expect(text).toContain(',Café ☕ 日本,');
  });

  it('quotes every cell holding a bare LF or a bare CR, not only CRLF', async () => {
    const text = await csvOf([row({ subject: 'a\nb', company: 'c\rd', requester: 'e\r\nf' })]);
    expect(text.split('\r\n').slice(1).join('\r\n')).toBe(
      '1,"a\nb",open,urgent,"c\rd",3,"e\r\nf",,2024-03-01T10:00:00.000Z,\r\n',
    );
  });

  it('reads back through Python\'s csv module and csv-parse as the same rows, line breaks, quotes and non-ASCII included', async () => {
    const rows = AWKWARD_TEXT.map((text, i) =>
      row({
        id: i + 1,
        subject: text,
        company: AWKWARD_TEXT[(i + 7) % AWKWARD_TEXT.length],
        requester: `${AWKWARD_TEXT[(i + 3) % AWKWARD_TEXT.length]}@x.test`,
        assignee: i % 2 ? AWKWARD_TEXT[(i + 11) % AWKWARD_TEXT.length] : null,
      }),
    );
    const bytes = Buffer.from(await rawCsvOf(rows), 'utf8');
    const expected = [[...REPORT_COLUMN_KEYS], ...rows.map(readBack)];
    const python = parseCsvWithPython(bytes);
    const csvParse = parseCsvWithCsvParse(bytes);
    expect(python).toHaveLength(rows.length + 1);
    expect(python.every((record) => record.length === REPORT_COLUMN_KEYS.length)).toBe(true);
    expect(python).toEqual(expected);
    expect(csvParse).toEqual(expected);
  });
});
