import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../jobs/contract';
import { REPORT_COLUMNS, type ReportRow } from '../columns';
import type { ReportHeader, ReportWriter } from './report-writer';

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
// tabs and line or paragraph breaks of every kind read as a space
const BREAKS = /[\t\n\v\f\r\x85\u2028\u2029]+/g;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The standard PDF fonts speak WinAnsi only. Text is composed first (e + combining accent is é),
 * breaks become spaces, and each character the font cannot draw (an ideograph, an emoji with its
 * joiners and variation selectors, a control character) becomes one '?'.
 */
function printable(text: string): string {
  const flat = text.normalize('NFC').replace(BREAKS, ' ');
  if (ALL_WIN_ANSI.test(flat)) return flat;
  let out = '';
  for (const { segment } of graphemes.segment(flat)) out += WIN_ANSI.test(segment) ? segment : '?';
  return out;
}

function fit(text: string, width: number): string {
  const max = Math.max(1, Math.floor(width / POINTS_PER_CHAR) - 1);
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

/** The text of each table cell, as drawn (empty cells draw nothing). */
export function pdfRowCells(row: ReportRow): string[] {
  return REPORT_COLUMNS.map((c, i) => {
    const value = row[c.key];
    if (value === null) return '';
    const text = c.key === 'createdAt' || c.key === 'closedAt' ? String(value).slice(0, 16).replace('T', ' ') : String(value);
    return fit(printable(text), COLUMN_WIDTHS[i]);
  });
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
 * Title, filters, counts by status and priority, then the table; "Page X of Y" at the foot of each page.
 * pdfkit holds every page until end() anyway (buffered here so the footers can be written once the
 * page count is known), which is why PDF reports are capped by REPORT_PDF_MAX_ROWS.
 */
export function createPdfWriter(out: Writable, header: ReportHeader): ReportWriter {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `Ticket report #${header.reportId}` },
  });
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
    doc.once('error', reject);
  });
  done.catch(() => undefined);
  doc.pipe(out);

  const widths = COLUMN_WIDTHS;
  const bottom = () => doc.page.height - MARGIN - ROW_HEIGHT;

  doc.font('Helvetica-Bold').fontSize(16).text(`Ticket report #${header.reportId}`);
  doc.font('Helvetica').fontSize(9).text(`Generated ${readableDateTime(header.generatedAt)}`);
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(10).text('Filters');
  doc.font('Helvetica').fontSize(9);
  for (const line of describeFilters(header)) doc.text(line);
  doc.moveDown(0.5);
  doc.font('Helvetica-Bold').fontSize(10).text(`Summary: ${header.rowCount} tickets`);
  doc.font('Helvetica').fontSize(9);
  doc.text(`By status: ${TICKET_STATUSES.map((s) => `${s} ${header.summary.byStatus[s] ?? 0}`).join(', ')}`);
  doc.text(`By priority: ${TICKET_PRIORITIES.map((p) => `${p} ${header.summary.byPriority[p] ?? 0}`).join(', ')}`);
  doc.moveDown(1);

  let y = doc.y;
  const drawCells = (cells: string[], bold: boolean) => {
    if (y > bottom()) {
      doc.addPage();
      y = MARGIN;
    }
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(FONT_SIZE);
    let x = MARGIN;
    cells.forEach((cell, i) => {
      if (cell) doc.text(cell, x, y, { width: widths[i], lineBreak: false });
      x += widths[i];
    });
    y += ROW_HEIGHT;
  };
  const drawHeader = () => drawCells(REPORT_COLUMNS.map((c) => c.title), true);
  drawHeader();

  return {
    async write(row: ReportRow) {
      if (y > bottom()) {
        doc.addPage();
        y = MARGIN;
        drawHeader();
      }
      drawCells(pdfRowCells(row), false);
    },
    async finish() {
      if (header.rowCount === 0) doc.font('Helvetica').fontSize(9).text('No tickets match these filters.', MARGIN, y + 4);
      const { start, count } = doc.bufferedPageRange();
      for (let i = start; i < start + count; i++) {
        doc.switchToPage(i);
        // the footer sits in the bottom margin: without this pdfkit would start a new page for it
        const bottomMargin = doc.page.margins.bottom;
        doc.page.margins.bottom = 0;
        doc
          .font('Helvetica')
          .fontSize(FONT_SIZE)
          .text(pageFooter(i - start + 1, count), MARGIN, doc.page.height - MARGIN / 2 - FONT_SIZE, { width: PAGE_WIDTH - 2 * MARGIN, align: 'right', lineBreak: false });
        doc.page.margins.bottom = bottomMargin;
      }
      doc.end();
      await done;
    },
  };
}
