import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import type { ReportRow } from '../../src/reports/columns';
import { REPORT_COLUMN_KEYS } from '../../src/reports/columns';
import { createJsonWriter } from '../../src/reports/writers/json-writer';

function sink() {
  const chunks: Buffer[] = [];
  let writes = 0;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, cb) {
      writes++;
      chunks.push(Buffer.from(chunk));
      setImmediate(cb);
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), writes: () => writes };
}

const header = {
  reportId: 9,
  generatedAt: new Date('2024-05-01T12:00:00.000Z'),
  filters: { from: '2024-01-01', statuses: ['open' as const] },
  summary: { total: 0, byStatus: {}, byPriority: {} },
};

function rowAt(i: number): ReportRow {
  return {
    id: i,
    subject: `Ticket "${i}" \\ with\nnewline and </script> ✓`,
    status: 'open',
    priority: 'low',
    company: 'Acme',
    companyId: 1,
    requester: 'r@x.test',
    assignee: i % 2 ? 'a@x.test' : null,
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    closedAt: null,
  };
}

async function jsonOf(count: number) {
  const out = sink();
  const writer = createJsonWriter(out.stream, { ...header, rowCount: count });
  for (let i = 1; i <= count; i++) await writer.write(rowAt(i));
  await writer.finish();
  return out;
}

describe('JSON report writer', () => {
  it.each([0, 1, 5000])('writes one well-formed document for %i rows', async (count) => {
    const out = await jsonOf(count);
    const doc = JSON.parse(out.text());
    expect(Object.keys(doc)).toEqual(['generatedAt', 'filters', 'rowCount', 'rows']);
    expect(doc.generatedAt).toBe('2024-05-01T12:00:00.000Z');
    expect(doc.filters).toEqual(header.filters);
    expect(doc.rowCount).toBe(count);
    expect(doc.rows).toHaveLength(count);
    if (count > 0) {
      expect(Object.keys(doc.rows[0])).toEqual(REPORT_COLUMN_KEYS);
      expect(doc.rows[count - 1]).toEqual(rowAt(count));
      expect(doc.rows[1]?.assignee ?? null).toBeNull();
    }
  });

  it('streams in pieces instead of one final buffer', async () => {
    const out = await jsonOf(5000);
    expect(out.writes()).toBeGreaterThan(5);
  });

  it('round-trips control characters, line separators, non-ASCII and markup through JSON.parse and Python\'s json module', async () => {
    const awkward = [
      Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join(''),
      'del\u007f c1\u0085\u009f',
      'line\u2028sep\u2029para',
      '</script><script>alert(1)</script>',
      'back\\slash "quoted" \'single\'',
      'Café 漢字 🔥 👩‍💻 🇫🇷',
      'lone \ud800 surrogate',
      '=1+2',
    ];
    const rows = Array.from({ length: 3000 }, (_, i) => ({ ...rowAt(i + 1), subject: awkward[i % awkward.length], company: awkward[(i + 3) % awkward.length] }));
    const out = sink();
    const writer = createJsonWriter(out.stream, { ...header, rowCount: rows.length });
    for (const row of rows) await writer.write(row);
    await writer.finish();
    const bytes = Buffer.from(out.text(), 'utf8');
    // valid UTF-8 across every flushed piece, and no raw control character but the newlines between rows
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    expect([...text.replace(/\n/g, '')].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
    expect(JSON.parse(text).rows).toEqual(rows);
    const python = execFileSync('python3', ['-c', 'import json,sys; d=json.load(sys.stdin); print(json.dumps([r["subject"] for r in d["rows"]]))'], {
      input: bytes,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(JSON.parse(python)).toEqual(rows.map((r) => r.subject));
  });
});

