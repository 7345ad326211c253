import Module from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type PDFKit from 'pdfkit';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../jobs/contract';
import { REPORT_COLUMNS, type ReportRow } from '../columns';
import type { ReportHeader, ReportWriter } from './report-writer';
import { Utf8Pieces } from './utf8-pieces';
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

const MARGIN = 36;
const FONT_SIZE = 7;
const ROW_HEIGHT = 11;
// Helvetica at 7 pt averages about 3.6 pt per character
const POINTS_PER_CHAR = 3.6;

function describeFilters(header: ReportHeader): string[] {
  const f = header.filters;
  return [
    `Created: ${f.from ?? 'any time'} to ${f.to ?? 'now'}`,
    `Companies: ${f.companyIds?.length ? f.companyIds.join(', ') : 'all'}`,
    `Statuses: ${f.statuses?.length ? f.statuses.join(', ') : 'all'}`,
    `Priorities: ${f.priorities?.length ? f.priorities.join(', ') : 'all'}`,
  ];
}

// A4 landscape
const PAGE_WIDTH = 841.89;
const TOTAL_WEIGHT = REPORT_COLUMNS.reduce((sum, c) => sum + c.pdfWidth, 0);
const COLUMN_WIDTHS = REPORT_COLUMNS.map((c) => (c.pdfWidth / TOTAL_WEIGHT) * (PAGE_WIDTH - 2 * MARGIN));

// WinAnsi beyond Latin-1: pdfkit maps these to the standard fonts' 0x80-0x9f glyphs
const WIN_ANSI_EXTRAS = 'ƒ–—‘’‚“”„†‡•…€‰‹›ˆ™ŒœŠšŸŽž˜';
const WIN_ANSI = new RegExp(`^[\\x20-\\x7e\\xa0-\\xff${WIN_ANSI_EXTRAS}]$`);
const ALL_WIN_ANSI = new RegExp(`^[\\x20-\\x7e\\xa0-\\xff${WIN_ANSI_EXTRAS}]*$`);
/**
 * WinAnsi, and blocks whose every character is a grapheme on its own (Grapheme_Cluster_Break Other): the symbols
 * and dingbats (U+2600-27BF), hiragana and katakana letters (not their combining or half-width voicing marks), the
 * CJK unified ideographs
 */
const SINGLE_GRAPHEMES = new RegExp(`^[\\x20-\\x7e\\xa0-\\xff${WIN_ANSI_EXTRAS}\\u2600-\\u27bf\\u3041-\\u3096\\u30a1-\\u30fa\\u4e00-\\u9fff]*$`);
const NOT_WIN_ANSI = new RegExp(`[^\\x20-\\x7e\\xa0-\\xff${WIN_ANSI_EXTRAS}]`, 'g');
// tabs and line or paragraph breaks of every kind read as a space
const BREAKS = /[\t\n\v\f\r\x85\u2028\u2029]+/g;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The standard PDF fonts speak WinAnsi only. Text is composed first (e + combining accent is é),
 * breaks become spaces, and each character the font cannot draw (an ideograph, an emoji with its
 * joiners and variation selectors, a control character) becomes one '?'.
 */
export function printable(text: string): string {
  // text of WinAnsi characters alone is already composed (none of them combines or decomposes) and has no breaks:
  // most cells take this way
  if (ALL_WIN_ANSI.test(text)) return text;
  const flat = text.normalize('NFC').replace(BREAKS, ' ');
  if (ALL_WIN_ANSI.test(flat)) return flat;
  // each of these characters is a grapheme of its own whatever stands next to it (no mark, joiner, selector,
  // surrogate, Hangul jamo or prepended character among them): no segmenting needed
  if (SINGLE_GRAPHEMES.test(flat)) return flat.replace(NOT_WIN_ANSI, '?');
  let out = '';
  for (const { segment } of graphemes.segment(flat)) out += WIN_ANSI.test(segment) ? segment : '?';
  return out;
}

function fit(text: string, width: number): string {
  const max = Math.max(1, Math.floor(width / POINTS_PER_CHAR) - 1);
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

function cellText(column: number, value: ReportRow[keyof ReportRow]): string {
  if (value === null) return '';
  const key = REPORT_COLUMNS[column].key;
  const text = key === 'createdAt' || key === 'closedAt' ? String(value).slice(0, 16).replace('T', ' ') : String(value);
  return fit(printable(text), COLUMN_WIDTHS[column]);
}

/** The text of each table cell, as drawn (empty cells draw nothing). */
export function pdfRowCells(row: ReportRow): string[] {
  return REPORT_COLUMNS.map((c, i) => cellText(i, row[c.key]));
}

const READABLE_UTC = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC', hourCycle: 'h23' });

/** "1 December 2026 at 18:04 UTC": the date as a person reads it, with its time zone. */
export function readableDateTime(date: Date): string {
  return `${READABLE_UTC.format(date)} UTC`;
}

export function pageFooter(page: number, pages: number): string {
  return `Page ${page} of ${pages}`;
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

/** Windows-1252 at 0x80-0x9f (the five undefined codes stay as control characters, which printable() turns into '?') */
const WIN_ANSI_80_9F = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';
/** each WinAnsi character beyond Latin-1 as the Latin-1 character of its byte */
const WIN_ANSI_LATIN_1 = new Map<string, string>();
for (let byte = 0x80; byte <= 0x9f; byte++) WIN_ANSI_LATIN_1.set(WIN_ANSI_80_9F[byte - 0x80], String.fromCharCode(byte));
/** a character (a code point: a surrogate pair is one) beyond Latin-1 */
const BEYOND_LATIN_1 = /[\u0100-\u{10ffff}]/gu;
const byteOfWinAnsi = (char: string) => WIN_ANSI_LATIN_1.get(char) ?? '?';

/**
 * Text printable() returned, as WinAnsi bytes in hex (what pdfkit writes for a standard font, without kerning): below
 * 0x100 a WinAnsi byte is the Latin-1 code, the few characters beyond it take their byte's place (a cut cell ends in
 * '…'), and anything else is '?'.
 */
export function winAnsiHex(text: string): string {
  return Buffer.from(text.replace(BEYOND_LATIN_1, byteOfWinAnsi), 'latin1').toString('hex');
}

const maxChars = (column: number) => Math.max(1, Math.floor(COLUMN_WIDTHS[column] / POINTS_PER_CHAR) - 1);
const ID_COLUMN = REPORT_COLUMNS.findIndex((c) => c.key === 'id');
/** ids below this are drawn whole (fit() cuts longer text) */
const WHOLE_ID_LIMIT = 10 ** maxChars(ID_COLUMN);
const DATE_COLUMNS = new Set(REPORT_COLUMNS.flatMap((c, i) => (c.key === 'createdAt' || c.key === 'closedAt' ? [i] : [])));
/** "YYYY-MM-DD HH:MM" fits the date columns uncut */
const WHOLE_DATES = [...DATE_COLUMNS].every((column) => maxChars(column) >= 16);
const DIGITS_HEX = Array.from({ length: 1000 }, (_, i) => winAnsiHex(String(i)));
const THREE_DIGITS_HEX = Array.from({ length: 1000 }, (_, i) => winAnsiHex(String(i).padStart(3, '0')));
const TIME_OF_DAY_HEX = Array.from({ length: 1440 }, (_, i) => winAnsiHex(`${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`));
/** ten printable ASCII characters but T (cellText turns the first T into a space) */
const DAY_PART = /^[\x20-\x53\x55-\x7e]{10}$/;

/** winAnsiHex(cellText(id)) of a whole number the column shows uncut: its digits, three at a time from a table */
function idHex(id: number): string {
  return id < 1000 ? DIGITS_HEX[id] : idHex(Math.floor(id / 1000)) + THREE_DIGITS_HEX[id % 1000];
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * winAnsiHex(cellText(date)) for one date column: "YYYY-MM-DD HH:MM", the day's part kept per day and the time's
 * from a table; undefined for text of another shape.
 */
function createDateHex(): (value: string) => string | undefined {
  /** the hex of "YYYY-MM-DD " by day: a column follows the rows' order of dates, one day or a few at a time */
  const dayHexes = new Map<string, string>();
  return (value) => {
    if (!WHOLE_DATES || value.length < 16 || value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58) return undefined;
    const h1 = value.charCodeAt(11);
    const h2 = value.charCodeAt(12);
    const m1 = value.charCodeAt(14);
    const m2 = value.charCodeAt(15);
    if (!isDigit(h1) || !isDigit(h2) || !isDigit(m1) || !isDigit(m2)) return undefined;
    const minute = ((h1 - 48) * 10 + (h2 - 48)) * 60 + (m1 - 48) * 10 + (m2 - 48);
    if (minute >= 1440) return undefined;
    const day = value.slice(0, 10);
    let dayHex = dayHexes.get(day);
    if (dayHex === undefined) {
      if (!DAY_PART.test(day)) return undefined;
      if (dayHexes.size >= CELL_CACHE_LIMIT) dayHexes.clear();
      dayHex = winAnsiHex(`${day} `);
      dayHexes.set(day, dayHex);
    }
    return dayHex + TIME_OF_DAY_HEX[minute];
  };
}

/** Columns whose values repeat from row to row (statuses, companies, users): their drawn text is kept, not redone per row. */
const REPEATING_COLUMNS = new Set<keyof ReportRow>(['status', 'priority', 'company', 'companyId', 'requester', 'assignee']);
const CELL_CACHE_LIMIT = 10_000;

/**
 * winAnsiHex(cellText(column, value)) for the cells of one table, row after row: the repeating columns' text is
 * kept per value, ids and dates of the usual shape take a short way (exports compare it with the long one).
 */
export function createCellHexer(): (column: number, value: ReportRow[keyof ReportRow]) => string {
  const caches = REPORT_COLUMNS.map((c) => (REPEATING_COLUMNS.has(c.key) ? new Map<unknown, string>() : undefined));
  const dateHexes = REPORT_COLUMNS.map((_, i) => (DATE_COLUMNS.has(i) ? createDateHex() : undefined));
  return (column: number, value: ReportRow[keyof ReportRow]): string => {
    const cache = caches[column];
    if (!cache) {
      // the cells that change on every row (ids, dates) take a short way when they have the usual shape
      if (column === ID_COLUMN && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < WHOLE_ID_LIMIT) return idHex(value);
      const dateHex = dateHexes[column];
      if (dateHex && typeof value === 'string') {
        const hex = dateHex(value);
        if (hex !== undefined) return hex;
      }
      return winAnsiHex(cellText(column, value));
    }
    let hex = cache.get(value);
    if (hex === undefined) {
      if (cache.size >= CELL_CACHE_LIMIT) cache.clear();
      hex = winAnsiHex(cellText(column, value));
      cache.set(value, hex);
    }
    return hex;
  };
}

/** What the writer needs of a pdfkit standard font beyond the typed API (pdfkit 0.17, pinned). */
interface PdfkitFont {
  id: string;
  ascender: number;
  ref(): unknown;
}

/** a page's content is gathered in pieces of this size (a full page of the table is about 25 KB) */
const PAGE_PIECE_BYTES = 64 * 1024;

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
  // the page's text operators as bytes, a table line at a time: pdfkit takes bytes as they are (a string it would
  // first flatten and copy), and they are ASCII, so their UTF-8 is the bytes it would have written
  const content = new Utf8Pieces(PAGE_PIECE_BYTES);
  content.add('BT\n');

  // the text matrix flips y back (pdfkit's page space runs top-down), so x and the baseline are in page points
  const baselineOf = (font: PdfkitFont) => pdfNumber(y + (font.ascender / 1000) * FONT_SIZE);
  const startAt = (x: number, font: PdfkitFont) => `1 0 0 -1 ${pdfNumber(x)} ${baselineOf(font)} Tm\n`;
  /** moves[from][to]: from one drawn cell to the next (empty cells are skipped), the same for every row */
  const moves = cellX.map((from) => cellX.map((to) => `${pdfNumber(to - from)} 0 Td\n`));
  /** the font of the page's text block so far (one BT ... ET per page: a font is set only when it changes) */
  let blockFont: PdfkitFont | undefined;
  /** the operator that sets the font, if the block is not in it yet */
  const useFont = (font: PdfkitFont): string => {
    if (font === blockFont) return '';
    const fonts = (doc.page as unknown as { fonts: Record<string, unknown> }).fonts;
    fonts[font.id] ??= font.ref();
    blockFont = font;
    return `/${font.id} ${FONT_SIZE} Tf\n`;
  };
  /** one line of cells in the font, at the current y; an empty cell draws nothing */
  const drawCells = (font: PdfkitFont, hexes: readonly string[]) => {
    let line = useFont(font);
    let last = -1;
    for (let i = 0; i < hexes.length; i++) {
      if (!hexes[i]) continue;
      line += `${last < 0 ? startAt(cellX[i], font) : moves[last][i]}[<${hexes[i]}>] TJ\n`;
      last = i;
    }
    content.add(line);
  };
  const hexOf = createCellHexer();
  const titles = REPORT_COLUMNS.map((c) => winAnsiHex(c.title));
  const drawTitles = () => {
    drawCells(bold, titles);
    y += ROW_HEIGHT;
  };
  const endPage = () => {
    // right-aligned in the bottom margin, as text(footer, {width, align: 'right'}) would place it
    const footer = pageFooter(page, pages);
    const width = doc.font('Helvetica').fontSize(FONT_SIZE).widthOfString(footer);
    y = pageHeight - MARGIN / 2 - FONT_SIZE;
    // "ET" and the line end pdfkit adds to content given as text
    content.add(`${useFont(regular)}${startAt(PAGE_WIDTH - MARGIN - width, regular)}[<${winAnsiHex(footer)}>] TJ\nET\n`);
    for (const piece of content.take()) doc.addContent(piece);
    content.add('BT\n');
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
  const rowHexes: string[] = new Array<string>(REPORT_COLUMNS.length);
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
      for (let i = 0; i < COLUMN_COUNT; i++) rowHexes[i] = hexOf(i, row[REPORT_COLUMNS[i].key]);
      drawCells(regular, rowHexes);
      y += ROW_HEIGHT;
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
