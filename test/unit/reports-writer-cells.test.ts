import { Writable } from 'node:stream';
import type { ReportRow } from '../../src/reports/columns';
import { createCsvWriter, csvRecord } from '../../src/reports/writers/csv-writer';
import { createIsoFormatter } from '../../src/reports/iso-time';
import { createJsonWriter, jsonString, rowJson } from '../../src/reports/writers/json-writer';

/**
 * The writers encode the repeating columns once per value and skip JSON.stringify where it would change nothing:
 * their output must stay the bytes of the plain per-row encoders (csvRecord, rowJson, JSON.stringify).
 */
const awkward = ['', 'plain', 'a,b', '"q"', 'line\nbreak', 'cr\r', '=1+1', '+33', '-1', '@x', '\tt', "'=x", 'back\\slash', 'ctl\u0001', 'del\u007f',
  'sep\u2028', 'emoji ☕ 😀', 'lone \ud800 high', 'lone \udc00 low', 'Zoë Ünïcødé', '請求書'];

function rowsOf(count: number): ReportRow[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    subject: awkward[i % awkward.length],
    status: (['open', 'pending', 'resolved', 'closed'] as const)[i % 4],
    priority: (['low', 'normal', 'high', 'urgent'] as const)[i % 4],
    company: awkward[(i * 7) % awkward.length],
    companyId: i % 3 === 1 ? -i : i,
    requester: awkward[(i * 3) % awkward.length],
    assignee: i % 5 === 0 ? null : awkward[(i * 11) % awkward.length],
    createdAt: new Date(1_700_000_000_000 + i * 61_001).toISOString(),
    closedAt: i % 2 ? null : i % 4 ? new Date(-62_200_000_000_000 + i).toISOString() : new Date(1_700_000_000_000 + i).toISOString(),
  }));
}

async function written(create: (out: Writable) => { writeRows(rows: readonly ReportRow[]): Promise<void>; finish(): Promise<void> }, rows: ReportRow[]) {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  const writer = create(out);
  for (let i = 0; i < rows.length; i += 97) await writer.writeRows(rows.slice(i, i + 97));
  await writer.finish();
  return Buffer.concat(chunks);
}

/** as the output stream writes text: UTF-8, a lone surrogate as U+FFFD */
const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('report writers with cached cells', () => {
  const rows = rowsOf(2000);

  it('CSV: the header and then csvRecord of every row', async () => {
    const bytes = await written((out) => createCsvWriter(out), rows);
    expect(bytes.equals(utf8(`\uFEFFid,subject,status,priority,company,companyId,requester,assignee,createdAt,closedAt\r\n${rows.map(csvRecord).join('')}`))).toBe(true);
  });

  it('JSON: rowJson of every row, as JSON.stringify writes it', async () => {
    const header = { reportId: 1, generatedAt: new Date('2026-12-01T00:00:00Z'), filters: {}, rowCount: rows.length };
    const bytes = await written((out) => createJsonWriter(out, header), rows);
    expect(bytes.equals(utf8(`{"generatedAt":"2026-12-01T00:00:00.000Z","filters":{},"rowCount":${rows.length},"rows":[\n${rows.map(rowJson).join(',\n')}\n]}\n`))).toBe(true);
    expect(JSON.parse(bytes.toString('utf8')).rows).toEqual(rows);
  });

  it('a cell longer than a written piece (64 KiB) comes out whole, in its place, in both formats', async () => {
    const rows = rowsOf(300);
    rows[150] = { ...rows[150], subject: `${'ü,"'.repeat(30_000)} 😀 lone \ud800` };
    const header = { reportId: 1, generatedAt: new Date('2026-12-01T00:00:00Z'), filters: {}, rowCount: rows.length };
    const csv = await written((out) => createCsvWriter(out), rows);
    expect(csv.equals(utf8(`\uFEFFid,subject,status,priority,company,companyId,requester,assignee,createdAt,closedAt\r\n${rows.map(csvRecord).join('')}`))).toBe(true);
    const json = await written((out) => createJsonWriter(out, header), rows);
    expect(json.equals(utf8(`{"generatedAt":"2026-12-01T00:00:00.000Z","filters":{},"rowCount":${rows.length},"rows":[\n${rows.map(rowJson).join(',\n')}\n]}\n`))).toBe(true);
  });

  it('jsonString is JSON.stringify for any string', () => {
    for (const value of [...awkward, '\u0000\u001f', '"', '\\', '\ud83d\ude00', '\ude00\ud83d', 'x'.repeat(1000)]) expect(jsonString(value)).toBe(JSON.stringify(value));
  });

  it('the ISO formatter keeps days apart that share its slots: days back and forth, 64 days apart, before 1970', () => {
    const format = createIsoFormatter();
    const day = 86_400_000;
    let seed = 3;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let i = 0; i < 20_000; i++) {
      const base = i % 2 ? 1_700_000_000_000 : -1_000_000_000_000;
      const ms = base + Math.floor(rand() * 8) * 64 * day + Math.floor(rand() * 3) * day + Math.floor(rand() * day);
      expect(format(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
