import { PassThrough } from 'node:stream';
import { createReportRowReader, REPORT_COLUMN_KEYS, REPORT_SELECT, type ReportRow } from '../../src/reports/columns';
import { createIsoFormatter, isoFromMysqlDateTime } from '../../src/reports/iso-time';
import { toSummary } from '../../src/reports/query';
import { readBatches } from '../../src/reports/row-source';
import { rowJson } from '../../src/reports/writers/json-writer';
import { csvField } from '../../src/reports/writers/csv-writer';
import { winAnsiHex } from '../../src/reports/writers/pdf-cells';
import { pdfPageCount } from '../../src/reports/writers/pdf-writer';

describe('ISO instants for export rows', () => {
  it('formats epoch milliseconds exactly as Date#toISOString, across days, years and both directions', () => {
    const format = createIsoFormatter();
    const instants = [
      0,
      -1,
      Date.UTC(1000, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 12, 0, 0, 5),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2025, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    // rows come mostly in order, but two columns and retries go back and forth
    for (let i = 0; i < 20_000; i++) instants.push(Date.UTC(2023, 0, 1) + i * 2_345_678_901 * (i % 7 === 0 ? -1 : 1) + (i % 1000));
    expect(instants.map(format)).toEqual(instants.map((ms) => new Date(ms).toISOString()));
  });

  it('hands instants outside four-digit years and non-integers to Date', () => {
    const format = createIsoFormatter();
    for (const ms of [Date.UTC(10000, 0, 1), -62_198_755_200_000, 1.5]) expect(format(ms)).toBe(new Date(ms).toISOString());
  });

  it('reads MySQL DATETIME(3) text as UTC, and text without milliseconds too', () => {
    expect(isoFromMysqlDateTime('2024-03-01 10:00:00.123')).toBe('2024-03-01T10:00:00.123Z');
    expect(isoFromMysqlDateTime('1000-01-01 00:00:00.000')).toBe('1000-01-01T00:00:00.000Z');
    expect(isoFromMysqlDateTime('2024-03-01 10:00:00')).toBe('2024-03-01T10:00:00.000Z');
  });
});

describe('raw report rows', () => {
  it('selects the columns in the order of the report columns (rows are read as arrays)', () => {
    expect(REPORT_SELECT.map((s) => s.split(' as ')[1])).toEqual(REPORT_COLUMN_KEYS);
  });

  it('normalises a SQLite row (epoch ms) and a MySQL row (DATETIME text) into the same report row', () => {
    const read = createReportRowReader();
    const expected: ReportRow = {
      id: 7,
      subject: 'Printer',
      status: 'closed',
      priority: 'low',
      company: 'Acme',
      companyId: 3,
      requester: 'r@x.test',
      assignee: null,
      createdAt: '2024-03-01T10:00:00.250Z',
      closedAt: '2024-03-02T00:00:00.000Z',
    };
    const created = Date.parse(expected.createdAt);
    const closed = Date.parse(expected.closedAt!);
    expect(read([7, 'Printer', 'closed', 'low', 'Acme', 3, 'r@x.test', null, created, closed])).toEqual(expected);
    expect(read(['7', 'Printer', 'closed', 'low', 'Acme', '3', 'r@x.test', null, '2024-03-01 10:00:00.250', '2024-03-02 00:00:00.000'])).toEqual(expected);
    expect(read([7, 'Printer', 'closed', 'low', 'Acme', 3, 'r@x.test', 'a@x.test', created, null])).toEqual({ ...expected, assignee: 'a@x.test', closedAt: null });
  });
});

describe('reading a row stream in batches', () => {
  it('hands over every row once, in order, in batches no larger than asked', async () => {
    const stream = new PassThrough({ objectMode: true, highWaterMark: 7 });
    const written = (async () => {
      for (let i = 0; i < 1000; i++) {
        if (!stream.write(i)) await new Promise((resolve) => stream.once('drain', resolve));
      }
      stream.end();
    })();
    const seen: number[] = [];
    for await (const batch of readBatches<number>(stream, 50)) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(50);
      seen.push(...batch);
    }
    await written;
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('rejects with the stream error', async () => {
    const stream = new PassThrough({ objectMode: true });
    stream.write(1);
    setTimeout(() => stream.destroy(new Error('connection lost')), 10);
    const batches = readBatches<number>(stream, 10);
    await expect((async () => {
      for await (const batch of batches) void batch;
    })()).rejects.toThrow('connection lost');
  });
});

describe('report formats, row by row', () => {
  const awkward = ['', 'plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\ronly', '=1+2', '-3', "'=already", "'plain", '\ttab', 'Café 漢字 🔥', 'lone \ud800 surrogate', '</script>'];

  it('writes a JSON row as JSON.stringify writes the row with its keys in column order', () => {
    for (const text of awkward) {
      const row: ReportRow = { id: 1, subject: text, status: 'open', priority: 'high', company: text, companyId: 2, requester: text, assignee: text || null, createdAt: '2024-01-01T00:00:00.000Z', closedAt: null };
      const ordered = Object.fromEntries(REPORT_COLUMN_KEYS.map((key) => [key, row[key]]));
      expect(rowJson(row)).toBe(JSON.stringify(ordered));
    }
  });

  it('quotes a CSV field for a comma, a quote, CR or LF, and for a (neutralised) formula start only', () => {
    expect(awkward.map(csvField)).toEqual(['', 'plain', '"a,b"', '"say ""hi"""', '"line\nbreak"', '"cr\ronly"', `"'=1+2"`, `"'-3"`, `"'=already"`, "'plain", `"'\ttab"`, 'Café 漢字 🔥', 'lone \ud800 surrogate', '</script>']);
  });

  it('summarises the one row of the summary query, zero for counts over no rows', () => {
    expect(toSummary({ n: 3, status0: 2, status1: null, status2: '1', status3: 0, priority0: 0, priority1: 0, priority2: 3, priority3: 0 })).toEqual({
      total: 3,
      byStatus: { open: 2, pending: 0, resolved: 1, closed: 0 },
      byPriority: { low: 0, normal: 0, high: 3, urgent: 0 },
    });
  });
});

describe('PDF table arithmetic', () => {
  it('counts pages as the writer fills them: the first page holds fewer rows below the title', () => {
    // rows at 100, 111, ... 155 on the first page (the titles take 100), 10, 21, ... 153 on the others
    expect(pdfPageCount(0, 100, 10, 155)).toBe(1);
    expect(pdfPageCount(5, 100, 10, 155)).toBe(1);
    expect(pdfPageCount(6, 100, 10, 155)).toBe(2);
    expect(pdfPageCount(5 + 13, 100, 10, 155)).toBe(2);
    expect(pdfPageCount(5 + 14, 100, 10, 155)).toBe(3);
  });

  it('encodes drawable text as WinAnsi bytes', () => {
    expect(winAnsiHex('Az ~')).toBe('417a207e');
    expect(winAnsiHex('café ÿ')).toBe('636166e920ff');
    expect(winAnsiHex('€ “x” – …')).toBe('8020937894209620' + '85');
  });

  it('encodes a character beyond WinAnsi as one "?", a surrogate pair or a lone surrogate included', () => {
    expect(winAnsiHex('a😀b\ud800c\udc00請')).toBe('613f623f633f3f');
    // C1 control characters are Latin-1 codes (printable() has already made them '?' in a drawn cell)
    expect(winAnsiHex('\x81x\x9d')).toBe('81789d');
  });
});
