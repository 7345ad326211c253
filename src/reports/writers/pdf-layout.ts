import { REPORT_COLUMNS } from '../columns';

/** The report PDF's page and table geometry, in points. */
export const MARGIN = 36;
export const FONT_SIZE = 7;
export const ROW_HEIGHT = 11;
// Helvetica at 7 pt averages about 3.6 pt per character
export const POINTS_PER_CHAR = 3.6;
// A4 landscape
export const PAGE_WIDTH = 841.89;

const TOTAL_WEIGHT = REPORT_COLUMNS.reduce((sum, c) => sum + c.pdfWidth, 0);
export const COLUMN_WIDTHS = REPORT_COLUMNS.map((c) => (c.pdfWidth / TOTAL_WEIGHT) * (PAGE_WIDTH - 2 * MARGIN));

/** the most characters a cell of each column shows: longer text is cut and ends in '…' */
export const MAX_CHARS: readonly number[] = COLUMN_WIDTHS.map((width) => Math.max(1, Math.floor(width / POINTS_PER_CHAR) - 1));
