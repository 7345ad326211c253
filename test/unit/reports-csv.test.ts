import { Writable } from 'node:stream';
import type { ReportRow } from '../../src/reports/columns';
import { REPORT_COLUMN_KEYS } from '../../src/reports/columns';
import { createCsvWriter, neutralizeCell } from '../../src/reports/writers/csv-writer';

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

async function csvOf(rows: ReportRow[]): Promise<string> {
  const out = sink();
  const writer = createCsvWriter(out.stream);
  for (const r of rows) await writer.write(r);
  await writer.finish();
  return out.text();
}

describe('CSV report writer', () => {
  it('writes the column keys as the header and CRLF line ends', async () => {
    const text = await csvOf([row()]);
    expect(text).toBe(
      `${REPORT_COLUMN_KEYS.join(',')}\r\n1,Printer on fire,open,urgent,Acme,3,ana@acme.test,,2024-03-01T10:00:00.000Z,\r\n`,
    );
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
});
