import Module from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type PDFKit from 'pdfkit';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../jobs/contract';
import { REPORT_COLUMNS, type ReportRow } from '../columns';
import type { ReportHeader, ReportWriter } from './report-writer';
import { createCellWriter, winAnsiHex } from './pdf-cells';
import { PdfContent } from './pdf-content';
import { COLUMN_WIDTHS, FONT_SIZE, MARGIN, PAGE_WIDTH, ROW_HEIGHT } from './pdf-layout';
import { drained, outputError } from './write-chunk';

/* eslint-disable @typescript-eslint/no-require-imports -- modules placed in and taken out of require's cache by path */
/** A module's exports that load the module itself on first use. */
function loadedOnUse(load: (key: string | symbol) => Record<string | symbol, unknown>): object {
  return new Proxy({}, { get: (_target, key) => load(key)[key] });
}

/**
 * pdfkit without what a report never runs: fontkit (embedded fonts: the report draws in the standard ones) and all of
 * crypto-js but its MD5 (pdfkit hashes the document ID with it; the rest encrypts). Loading them was about half a
 * second of every first PDF in a process, and memory. While pdfkit loads, each stands in the module cache as
 * exports that load the real module on first use (MD5 from crypto-js's own md5 file, on the same CryptoJS object), so whatever else pdfkit might do still works; other requirers get the real modules.
 */
function loadPdfkit(): typeof PDFKit {
  const pdfkitPath = require.resolve('pdfkit');
  if (require.cache[pdfkitPath]) return require(pdfkitPath) as typeof PDFKit;
  const from = { paths: [path.dirname(pdfkitPath)] };
  const fontkitPath = require.resolve('fontkit', from);
  const cryptoPath = require.resolve('crypto-js', from);
  const md5Path = require.resolve('crypto-js/md5', from);
  const corePath = require.resolve('crypto-js/core', from);
  /** crypto-js/md5 adds MD5 to the CryptoJS object of crypto-js/core, the one crypto-js itself exports with all the rest */
  const md5Only = () => {
    require(md5Path);
    return require(corePath) as Record<string | symbol, unknown>;
  };
  const standIns: Array<[string, object]> = [
    [fontkitPath, loadedOnUse(() => require(fontkitPath) as Record<string, unknown>)],
    [cryptoPath, loadedOnUse((key) => (key === 'MD5' || key === 'lib' ? md5Only() : (require(cryptoPath) as Record<string | symbol, unknown>)))],
  ];
  const placed: string[] = [];
  for (const [file, exports] of standIns) {
    if (require.cache[file]) continue;
    const stand = new Module(file);
    stand.filename = file;
    stand.loaded = true;
    stand.exports = exports;
    require.cache[file] = stand;
    placed.push(file);
  }
  try {
    return require(pdfkitPath) as typeof PDFKit;
  } finally {
    for (const file of placed) delete require.cache[file];
  }
}

/* eslint-enable @typescript-eslint/no-require-imports */

const PDFDocument = loadPdfkit();

function describeFilters(header: ReportHeader): string[] {
  const f = header.filters;
  return [
    `Created: ${f.from ?? 'any time'} to ${f.to ?? 'now'}`,
    `Companies: ${f.companyIds?.length ? f.companyIds.join(', ') : 'all'}`,
    `Statuses: ${f.statuses?.length ? f.statuses.join(', ') : 'all'}`,
    `Priorities: ${f.priorities?.length ? f.priorities.join(', ') : 'all'}`,
  ];
}

const READABLE_UTC = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC', hourCycle: 'h23' });

/** "1 December 2026 at 18:04 UTC": the date as a person reads it, with its time zone. */
export function readableDateTime(date: Date): string {
  return `${READABLE_UTC.format(date)} UTC`;
}

export function pageFooter(page: number, pages: number): string {
  return `Page ${page} of ${pages}`;
}

/**
 * doc.widthOfString(text) in the document's font and size of now, a pair of characters at a time. A standard font's
 * advances are whole numbers of 1/1000 em (a glyph's width and its kerning with the next), so their sum is exact in
 * any order; each character's advance before the next one is measured once, by pdfkit, and the rest is pdfkit's own
 * arithmetic. Laying out "Page X of Y" on every page was a tenth of the PDF writer's time besides compression.
 */
export function createWidthMeasure(doc: PDFKit.PDFDocument): (text: string) => number {
  const { _font: font, _fontSize: size } = doc as unknown as { _font: { widthOfString(text: string, size: number): number }; _fontSize: number };
  const advances = new Map<string, number>();
  const advance = (pair: string) => {
    let units = advances.get(pair);
    if (units === undefined) {
      units = font.widthOfString(pair, 1000) - font.widthOfString(pair.slice(1), 1000);
      advances.set(pair, units);
    }
    return units;
  };
  return (text) => {
    let units = 0;
    for (let i = 0; i < text.length; i++) units += advance(text.slice(i, i + 2));
    // the font's width at the size, then the document's horizontal scaling (100 %)
    return (units * (size / 1000) * 100) / 100;
  };
}

/** How many rows (the column titles included) fit on a page from `top` on, stepping as the writer does. */
function rowsFrom(top: number, bottom: number): number {
  let rows = 0;
  for (let y = top; y <= bottom; y += ROW_HEIGHT) rows++;
  return rows;
}

/** The number of pages a table of `rowCount` rows takes, when the first page's table starts at `firstTop`. */
export function pdfPageCount(rowCount: number, firstTop: number, otherTop: number, bottom: number): number {
  // every page starts with the column titles
  const first = Math.max(0, rowsFrom(firstTop, bottom) - 1);
  const other = rowsFrom(otherTop, bottom) - 1;
  if (other < 1) throw new Error('a PDF page must hold at least one row');
  return rowCount <= first ? 1 : 1 + Math.ceil((rowCount - first) / other);
}

/** a position in the table's content: hundredths of a point are finer than any screen or printer (pdfkit writes millionths) */
function pdfNumber(n: number): number {
  return Math.round(n * 100) / 100;
}

const COLUMN_COUNT = REPORT_COLUMNS.length;

/** the columns in the order drawRow (in createPdfWriter) reads a row's cells by name */
const DRAWN_COLUMNS: ReadonlyArray<keyof ReportRow> = ['id', 'subject', 'status', 'priority', 'company', 'companyId', 'requester', 'assignee', 'createdAt', 'closedAt'];
if (REPORT_COLUMNS.length !== DRAWN_COLUMNS.length || REPORT_COLUMNS.some((c, i) => c.key !== DRAWN_COLUMNS[i])) {
  throw new Error(`the PDF writer draws the columns ${DRAWN_COLUMNS.join(', ')}: update drawRow for ${REPORT_COLUMNS.map((c) => c.key).join(', ')}`);
}

/** What the writer needs of a pdfkit standard font beyond the typed API (pdfkit 0.17, pinned). */
interface PdfkitFont {
  id: string;
  ascender: number;
  ref(): unknown;
}

/** a full page of the table is about 22 KB of content (the buffer grows for more) */
const PAGE_CONTENT_BYTES = 32 * 1024;
/** the end of a cell's hex string and the operator that shows it */
const SHOW_HEX_END = Buffer.from('>] TJ\n', 'latin1');

/** pdfkit's readable side may hold this much before the writer waits for the file to catch up */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Title, filters, counts by status and priority, then the table; "Page X of Y" at the foot of each page.
 * The page count is known before the first row (the row count is, and every row takes one line), so each page
 * gets its footer when it is full and pdfkit writes it out and forgets it: memory stays flat at any row count.
 * The table is drawn as raw text operators gathered into one content write per page, each cell placed where
 * pdfkit's text(cell, x, y) would put it (without kerning): text() lays out and measures every cell, which made a
 * 50,000-row PDF six times slower than its CSV.
 */
export function createPdfWriter(out: Writable, header: ReportHeader): ReportWriter {
  const summary = header.summary;
  if (!summary) throw new Error('a PDF report needs the summary counts');
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    info: { Title: `Ticket report #${header.reportId}` },
  });
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
    doc.once('error', reject);
  });
  done.catch(() => undefined);
  doc.pipe(out);

  const fontOf = (name: string): PdfkitFont => {
    doc.font(name);
    return (doc as unknown as { _font: PdfkitFont })._font;
  };
  const regular = fontOf('Helvetica');
  const bold = fontOf('Helvetica-Bold');
  const pageHeight = doc.page.height;
  const bottom = pageHeight - MARGIN - ROW_HEIGHT;
  const cellX = COLUMN_WIDTHS.map((_, i) => MARGIN + COLUMN_WIDTHS.slice(0, i).reduce((sum, w) => sum + w, 0));

  doc.font('Helvetica-Bold').fontSize(16).text(`Ticket report #${header.reportId}`);
  doc.font('Helvetica').fontSize(9).text(`Generated ${readableDateTime(header.generatedAt)}`);
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(10).text('Filters');
  doc.font('Helvetica').fontSize(9);
  for (const line of describeFilters(header)) doc.text(line);
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(10).text(`Summary: ${header.rowCount} tickets`);
  doc.font('Helvetica').fontSize(9);
  doc.text(`By status: ${TICKET_STATUSES.map((s) => `${s} ${summary.byStatus[s] ?? 0}`).join(', ')}`);
  doc.text(`By priority: ${TICKET_PRIORITIES.map((p) => `${p} ${summary.byPriority[p] ?? 0}`).join(', ')}`);
  doc.moveDown(1);
  doc.font('Helvetica').fontSize(FONT_SIZE);

  let y = doc.y;
  const pages = pdfPageCount(header.rowCount, y, MARGIN, bottom);
  let page = 1;
  // the page's text operators, written as bytes: they are ASCII, and pdfkit takes bytes as they are
  const content = new PdfContent(PAGE_CONTENT_BYTES);
  content.ascii('BT\n');

  // the text matrix flips y back (pdfkit's page space runs top-down), so x and the baseline are in page points
  const baselineOf = (font: PdfkitFont) => pdfNumber(y + (font.ascender / 1000) * FONT_SIZE);
  const startAt = (x: number, font: PdfkitFont) => `1 0 0 -1 ${pdfNumber(x)} ${baselineOf(font)} Tm\n`;
  /** moves[from][to]: from one drawn cell to the next (empty cells are skipped), the same for every row, and the hex string's start */
  const moves = cellX.map((from) => cellX.map((to) => Buffer.from(`${pdfNumber(to - from)} 0 Td\n[<`, 'latin1')));
  /** the font of the page's text block so far (one BT ... ET per page: a font is set only when it changes) */
  let blockFont: PdfkitFont | undefined;
  /** the operator that sets the font, if the block is not in it yet */
  const useFont = (font: PdfkitFont) => {
    if (font === blockFont) return;
    const fonts = (doc.page as unknown as { fonts: Record<string, unknown> }).fonts;
    fonts[font.id] ??= font.ref();
    blockFont = font;
    content.ascii(`/${font.id} ${FONT_SIZE} Tf\n`);
  };
  /** the bytes that start a line at a cell, by font, column and y, and the hex string's start: the same lines recur on every page */
  const lineStarts = new Map<PdfkitFont, Array<Map<number, Buffer>>>();
  const lineStart = (font: PdfkitFont, column: number): Buffer => {
    let byColumn = lineStarts.get(font);
    if (!byColumn) {
      byColumn = cellX.map(() => new Map<number, Buffer>());
      lineStarts.set(font, byColumn);
    }
    let bytes = byColumn[column].get(y);
    if (!bytes) {
      bytes = Buffer.from(`${startAt(cellX[column], font)}[<`, 'latin1');
      byColumn[column].set(y, bytes);
    }
    return bytes;
  };
  /** the last cell of the line drawn so far (-1: none yet) */
  let lastDrawn = -1;
  /** places the next cell of the line, at the current y, and opens its hex string; returns where it started */
  const startCell = (font: PdfkitFont, column: number) => {
    const start = content.length;
    content.raw(lastDrawn < 0 ? lineStart(font, column) : moves[lastDrawn][column]);
    return start;
  };
  /** closes the cell's hex string, or takes the cell back when it drew nothing (an empty cell is not drawn) */
  const endCell = (column: number, drawn: boolean, start: number) => {
    if (!drawn) return content.truncate(start);
    content.raw(SHOW_HEX_END);
    lastDrawn = column;
  };
  const titles = REPORT_COLUMNS.map((c) => Buffer.from(winAnsiHex(c.title), 'latin1'));
  const rowHeight = ROW_HEIGHT;
  const drawTitles = () => {
    useFont(bold);
    lastDrawn = -1;
    for (let i = 0; i < COLUMN_COUNT; i++) {
      const start = startCell(bold, i);
      content.raw(titles[i]);
      endCell(i, titles[i].length > 0, start);
    }
    y += rowHeight;
  };
  const writeCell = createCellWriter();
  const drawRowCell = (column: number, value: ReportRow[keyof ReportRow]) => {
    if (value === null) return;
    const start = startCell(regular, column);
    endCell(column, writeCell(content, column, value), start);
  };
  /** a row's line, its cells read by name: one property read per cell rather than reads by key of all ten */
  const drawRow = (row: ReportRow) => {
    useFont(regular);
    lastDrawn = -1;
    drawRowCell(0, row.id);
    drawRowCell(1, row.subject);
    drawRowCell(2, row.status);
    drawRowCell(3, row.priority);
    drawRowCell(4, row.company);
    drawRowCell(5, row.companyId);
    drawRowCell(6, row.requester);
    drawRowCell(7, row.assignee);
    drawRowCell(8, row.createdAt);
    drawRowCell(9, row.closedAt);
  };
  const footerWidth = createWidthMeasure(doc.font('Helvetica').fontSize(FONT_SIZE));
  const endPage = () => {
    // right-aligned in the bottom margin, as text(footer, {width, align: 'right'}) would place it
    const footer = pageFooter(page, pages);
    const width = footerWidth(footer);
    y = pageHeight - MARGIN / 2 - FONT_SIZE;
    useFont(regular);
    // "ET" and the line end pdfkit adds to content given as text
    content.ascii(`${startAt(PAGE_WIDTH - MARGIN - width, regular)}[<${winAnsiHex(footer)}>] TJ\nET\n`);
    doc.addContent(content.take());
    content.ascii('BT\n');
    blockFont = undefined;
  };
  const settle = async () => {
    // pdfkit pushes pages out whether or not the file keeps up; wait for the file when it does not
    while (out.writableNeedDrain || doc.readableLength > MAX_BUFFERED_BYTES) {
      const failed = outputError(out);
      if (failed) throw failed;
      if (out.writableNeedDrain) await drained(out);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  };
  drawTitles();

  const writeRows = async (rows: readonly ReportRow[]) => {
    for (const row of rows) {
      if (y > bottom) {
        endPage();
        // without bufferPages, pdfkit ends (compresses and writes out) the full page here
        doc.addPage();
        page++;
        y = MARGIN;
        drawTitles();
        await settle();
      }
      drawRow(row);
      y += rowHeight;
    }
  };
  return {
    writeRows,
    write: (row) => writeRows([row]),
    async finish() {
      const lastY = y;
      endPage();
      if (header.rowCount === 0) doc.font('Helvetica').fontSize(9).text('No tickets match these filters.', MARGIN, lastY + 4);
      doc.end();
      await done;
    },
  };
}
