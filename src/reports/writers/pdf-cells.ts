import { REPORT_COLUMNS, type ReportRow } from '../columns';
import { WIN_ANSI_80_9F, type PdfContent } from './pdf-content';
import { MAX_CHARS } from './pdf-layout';

/** read once: an imported binding is a getter in the development build */
const MAX_CHARS_OF = [...MAX_CHARS];

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

function fit(text: string, column: number): string {
  const max = MAX_CHARS_OF[column];
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

function cellText(column: number, value: ReportRow[keyof ReportRow]): string {
  if (value === null) return '';
  const key = REPORT_COLUMNS[column].key;
  const text = key === 'createdAt' || key === 'closedAt' ? String(value).slice(0, 16).replace('T', ' ') : String(value);
  return fit(printable(text), column);
}

/** The text of each table cell, as drawn (empty cells draw nothing). */
export function pdfRowCells(row: ReportRow): string[] {
  return REPORT_COLUMNS.map((c, i) => cellText(i, row[c.key]));
}

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

const ID_COLUMN = REPORT_COLUMNS.findIndex((c) => c.key === 'id');
/** ids below this are drawn whole (fit() cuts longer text) */
const WHOLE_ID_LIMIT = 10 ** MAX_CHARS_OF[ID_COLUMN];
const DATE_COLUMNS = new Set(REPORT_COLUMNS.flatMap((c, i) => (c.key === 'createdAt' || c.key === 'closedAt' ? [i] : [])));
/** "YYYY-MM-DD HH:MM" fits the date columns uncut */
const WHOLE_DATES = [...DATE_COLUMNS].every((column) => MAX_CHARS_OF[column] >= 16);
/** the space that takes the T's place in a drawn date */
const SPACE_HEX = Buffer.from('20', 'latin1');

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * Whether cellText() of the value is its first 16 characters with the T between them a space: "YYYY-MM-DDTHH:MM",
 * the day's part ten printable ASCII characters without a T (cellText turns the first T into a space), the time's
 * digits of a time of day.
 */
function isUsualDate(value: string): boolean {
  if (!WHOLE_DATES || value.length < 16 || value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58) return false;
  for (let i = 0; i < 10; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 84) return false;
  }
  const h1 = value.charCodeAt(11);
  const h2 = value.charCodeAt(12);
  const m1 = value.charCodeAt(14);
  const m2 = value.charCodeAt(15);
  if (!isDigit(h1) || !isDigit(h2) || !isDigit(m1) || !isDigit(m2)) return false;
  return ((h1 - 48) * 10 + (h2 - 48)) * 60 + (m1 - 48) * 10 + (m2 - 48) < 1440;
}

/** Columns whose values repeat from row to row (statuses, companies, users): their drawn text is kept, not redone per row. */
const REPEATING_COLUMNS = new Set<keyof ReportRow>(['status', 'priority', 'company', 'companyId', 'requester', 'assignee']);
const CELL_CACHE_LIMIT = 10_000;

/** Writes a cell's hex into the content; false (and nothing written) when the cell draws nothing. */
export type CellWriter = (content: PdfContent, column: number, value: ReportRow[keyof ReportRow]) => boolean;

/**
 * winAnsiHex(cellText(column, value)) for the cells of one table, row after row, written in place: the repeating
 * columns' hex is kept per value, ids and dates of the usual shape take a short way (the tests compare it with the
 * long one).
 */
export function createCellWriter(): CellWriter {
  const caches = REPORT_COLUMNS.map((c) => (REPEATING_COLUMNS.has(c.key) ? new Map<unknown, Buffer>() : undefined));
  return (content, column, value) => {
    const cache = caches[column];
    if (!cache) {
      // the cells that change on every row (ids, dates) take a short way when they have the usual shape
      if (column === ID_COLUMN && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < WHOLE_ID_LIMIT) {
        content.digitsHex(value);
        return true;
      }
      if (DATE_COLUMNS.has(column) && typeof value === 'string' && isUsualDate(value)) {
        content.winAnsiHex(value, 0, 10);
        content.raw(SPACE_HEX);
        content.winAnsiHex(value, 11, 16);
        return true;
      }
      // text (a subject) of printable ASCII or Latin-1 alone is drawn as it is, or cut
      if (typeof value === 'string' && !DATE_COLUMNS.has(column) && content.plainTextHex(value, MAX_CHARS_OF[column])) return value.length > 0;
      const text = cellText(column, value);
      content.winAnsiHex(text);
      return text.length > 0;
    }
    let hex = cache.get(value);
    if (hex === undefined) {
      if (cache.size >= CELL_CACHE_LIMIT) cache.clear();
      hex = Buffer.from(winAnsiHex(cellText(column, value)), 'latin1');
      cache.set(value, hex);
    }
    content.raw(hex);
    return hex.length > 0;
  };
}
