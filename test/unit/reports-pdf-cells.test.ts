import type { ReportRow } from '../../src/reports/columns';
import { REPORT_COLUMNS } from '../../src/reports/columns';
import { createCellWriter, pdfRowCells, printable, winAnsiHex } from '../../src/reports/writers/pdf-cells';
import { PdfContent } from '../../src/reports/writers/pdf-content';

/**
 * The PDF writer's short ways (pdf-writer.ts): printable() without segmenting text of single-grapheme characters,
 * ids and dates without cellText. They must give what the long ways give.
 */
const WIN_ANSI_EXTRAS = 'ƒ–—‘’‚“”„†‡•…€‰‹›ˆ™ŒœŠšŸŽž˜';
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const WIN_ANSI = new RegExp(`^[\\x20-\\x7e\\xa0-\\xff${WIN_ANSI_EXTRAS}]$`);
/** printable() as it was: composed, breaks as spaces, then every grapheme that is not one WinAnsi character as '?' */
function segmented(text: string): string {
  const flat = text.normalize('NFC').replace(/[\t\n\v\f\r\x85\u2028\u2029]+/g, ' ');
  let out = '';
  for (const { segment } of graphemes.segment(flat)) out += WIN_ANSI.test(segment) ? segment : '?';
  return out;
}

const pieces = ['a', 'Zoë', 'é', 'e\u0301', '€', '☕', '☕\ufe0f', '❤', '❤\u200d🔥', '👍🏽', '🇫🇷', '請求書', 'が', 'か\u3099', 'ｶﾞ', '한국', '\u1100\u1161',
  'ร\u0e33', '\u0600١', '\u00ad', '\u200b', '\t', '\r\n', '\u0001', '\ud800', ' ', '"', '…', 'ŒŸ', '\u2620', '\u27bf', '\u3041', '\u30fa', '\u9fff'];

describe('PDF cells', () => {
  it('printable() gives what segmenting gives, for text of every kind', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const texts = [...pieces, ...pieces.flatMap((a) => pieces.map((b) => a + b))];
    for (let i = 0; i < 3000; i++) texts.push(Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pieces[Math.floor(rand() * pieces.length)]).join(''));
    for (const text of texts) expect([text, printable(text)]).toEqual([text, segmented(text)]);
  });

  it('the cell writer writes winAnsiHex of each cell pdfRowCells draws, and nothing for an empty one, ids and dates of any shape included', () => {
    const ids = [0, 1, 7, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 123_456_789, 999_999_999, 1_000_000_000, 12_345_678_901, -1, -1000, 1.5, Number.NaN];
    const dates = ['2024-01-01T00:00:00.000Z', '2024-01-01T23:59:59.999Z', '2024-01-02T09:05:00.000Z', '2024-01-02T10:07:00.000Z', '+012345-01-01T00:00:00.000Z',
      '-000001-12-31T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:00.000Z', '2024-01-0XT10:00', 'Tuesday-01T10:00:00', '2024-01-01T24:00:00.000Z',
      '2024-01-01T1:00:00.000Z', '2024-01-01 10:00:00', 'short', '', 'ÿÿÿÿ-ÿÿ-ÿÿT10:00:00'];
    // plain ASCII and Latin-1 subjects take a short way too: around the column's width (cut with '…' beyond it), and
    // with one character that is neither (a control, DEL, C1, beyond Latin-1) at either end of the cut
    const long = 'Printer on floor 3 prints blank pages again ÿ ';
    const subjects = ['', ' ', 'a', 'Zoë ÿ ¡', '\xa0', ...[1, 38, 39, 40, 41, 42, 60].map((n) => long.repeat(3).slice(0, n))];
    for (const odd of ['\x1f', '\x7f', '\x9f', '€', '\u0100', '\n', 'e\u0301']) subjects.push(`${odd}${long}`, `${long.slice(0, 38)}${odd}x`, `${long}${odd}`);
    const rows: ReportRow[] = [];
    for (let i = 0; i < 400; i++) {
      rows.push({
        id: ids[i % ids.length],
        subject: i % 2 ? pieces[i % pieces.length] : subjects[(i >> 1) % subjects.length],
        status: 'open',
        priority: 'low',
        company: `Co ${i % 3}`,
        companyId: i % 3,
        requester: 'a@example.test',
        assignee: i % 2 ? null : 'b@example.test',
        createdAt: dates[i % dates.length],
        closedAt: i % 4 ? null : dates[(i * 7) % dates.length],
      });
    }
    // a small buffer, so that it grows on the way
    const content = new PdfContent(8);
    const writeCell = createCellWriter();
    let empty = 0;
    for (const row of rows) {
      const cells = pdfRowCells(row);
      const hexes = REPORT_COLUMNS.map((c, i) => {
        const value = row[c.key];
        const drawn = value !== null && writeCell(content, i, value);
        const hex = content.take().toString('latin1');
        if (!drawn) empty++;
        return drawn ? hex : `not drawn, wrote "${hex}"`;
      });
      expect(hexes).toEqual(cells.map((cell) => (cell ? winAnsiHex(cell) : 'not drawn, wrote ""')));
    }
    expect(empty).toBeGreaterThan(100);
  });

  it("the content's hex of any text is winAnsiHex's, surrogates (paired, alone, at either end) included", () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const units = ['a', '~', ' ', '\x00', '\x7f', '\x81', '\x9d', '\xa0', 'é', 'ÿ', '€', '…', 'Ÿ', 'ž', 'Ā', '請', '\ud83d', '\ude00', '\ud800', '\udfff', '\uffff'];
    const texts = ['', ...units, '😀', 'a😀b', '\ude00\ud83d', '\ud83d\ud83d\ude00'];
    for (let i = 0; i < 3000; i++) texts.push(Array.from({ length: 1 + Math.floor(rand() * 8) }, () => units[Math.floor(rand() * units.length)]).join(''));
    const content = new PdfContent(4);
    for (const text of texts) {
      content.winAnsiHex(text);
      expect([text, content.take().toString('latin1')]).toEqual([text, winAnsiHex(text)]);
    }
  });

  it("the content's hex of a whole number's digits is winAnsiHex of the number", () => {
    const content = new PdfContent(4);
    for (const n of [0, 1, 9, 10, 99, 100, 101, 1000, 12_345, 999_999_999, 1_000_000_000, 2 ** 53 - 1]) {
      content.digitsHex(n);
      expect(content.take().toString('latin1')).toBe(winAnsiHex(String(n)));
    }
  });
});
