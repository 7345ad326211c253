import { Writable } from 'node:stream';
import type { ReportRow } from '../../src/reports/columns';
import { pdfRowCells } from '../../src/reports/writers/pdf-cells';
import { createPdfWriter, createWidthMeasure } from '../../src/reports/writers/pdf-writer';
import { pdfTexts } from '../integration/reports-helpers';

function sink() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

function rowAt(i: number): ReportRow {
  return {
    id: i,
    subject: `A rather long subject line that will not fit in its column number ${i}`,
    status: i % 2 ? 'open' : 'closed',
    priority: 'high',
    company: 'Acme',
    companyId: 1,
    requester: 'requester@example.test',
    assignee: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    closedAt: i % 2 ? null : '2024-01-02T00:00:00.000Z',
  };
}

async function pdfOf(count: number): Promise<Buffer> {
  const out = sink();
  const writer = createPdfWriter(out.stream, {
    reportId: 4,
    generatedAt: new Date('2024-05-01T00:00:00Z'),
    filters: { statuses: ['open', 'closed'] },
    rowCount: count,
    summary: { total: count, byStatus: { open: Math.ceil(count / 2), closed: Math.floor(count / 2) }, byPriority: { high: count } },
  });
  for (let i = 1; i <= count; i++) await writer.write(rowAt(i));
  await writer.finish();
  return out.bytes();
}

const pageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;

describe('PDF report writer', () => {
  it('writes a complete PDF document with the title in its metadata', async () => {
    const pdf = await pdfOf(3);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    expect(text).toContain('Ticket report #4');
    expect(pageCount(pdf)).toBe(1);
  });

  it('continues the table on new pages as rows grow', async () => {
    const pdf = await pdfOf(400);
    expect(pageCount(pdf)).toBeGreaterThanOrEqual(7);
  });

  it('still produces a one-page document when nothing matches', async () => {
    const pdf = await pdfOf(0);
    expect(pageCount(pdf)).toBe(1);
  });

  it('carries "Page X of Y" on every page, and no extra page for the footers', async () => {
    const pdf = await pdfOf(400);
    const pages = pageCount(pdf);
    const footers = pdfTexts(pdf).filter((t) => /^Page \d+ of \d+$/.test(t));
    expect(footers).toEqual(Array.from({ length: pages }, (_, i) => `Page ${i + 1} of ${pages}`));
  });

  it('says when it was generated as a person reads it, with the time zone', async () => {
    const texts = pdfTexts(await pdfOf(1));
    expect(texts).toContain('Generated 1 May 2024 at 00:00 UTC');
  });

  it('measures a footer as wide as pdfkit measures it, to the last bit, so it ends at the margin where text() would end it', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- pdfkit as the writer loads it, already in the cache
    const PDFDocument = require('pdfkit') as typeof import('pdfkit');
    for (const [font, size] of [['Helvetica', 7], ['Helvetica-Bold', 9], ['Times-Roman', 7.5]] as const) {
      const doc = new PDFDocument({ size: 'A4' }).font(font).fontSize(size);
      const measure = createWidthMeasure(doc);
      const texts = ['', 'P', 'AV', 'Page 1 of 1', "L'Ty. AWAY Yo, To Vo", 'ŠŸž€ „x” ‘1’ — Å'];
      for (const pages of [1, 9, 47, 100, 1088, 50_000]) for (let page = 1; page <= Math.min(pages, 200); page++) texts.push(`Page ${page} of ${pages}`);
      for (const text of texts) expect([font, text, measure(text)]).toEqual([font, text, doc.widthOfString(text)]);
    }
  });

});

describe('PDF cell text', () => {
  it.each([
    ['line one\nline two', 'line one line two'],
    ['windows\r\nline\rend', 'windows line end'],
    ['tab\there', 'tab here'],
    ['para\u2028graph\u2029break', 'para graph break'],
    ['Café, crème brûlée', 'Café, crème brûlée'],
    ['Cafe\u0301 composed', 'Café composed'],
    ['“smart” ‘quotes’ – dash — €5 … ™ Œuvre', '“smart” ‘quotes’ – dash — €5 … ™ Œuvre'],
    ['漢字', '??'],
    ['fire 🔥 printer 🖨️ coder 👩‍💻 flag 🇫🇷', 'fire ? printer ? coder ? flag ?'],
    ['bell\u0007 nul\u0000 del\u007f c1\u0090', 'bell? nul? del? c1?'],
    ['</script><b>', '</script><b>'],
  ])('draws the subject %j as %j', (subject, drawn) => {
    expect(pdfRowCells({ ...rowAt(1), subject })[1]).toBe(drawn);
  });

  it('draws an emoji as one mark, so a subject of 30 emoji fits its column as 30 marks', () => {
    expect(pdfRowCells({ ...rowAt(1), subject: '🔥'.repeat(30) })[1]).toBe('?'.repeat(30));
  });
});

