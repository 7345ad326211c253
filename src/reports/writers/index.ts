import type { Writable } from 'node:stream';
import type { ReportFormat } from '../../jobs/contract';
import { createCsvWriter } from './csv-writer';
import { createJsonWriter } from './json-writer';
import type { ReportHeader, ReportWriter } from './report-writer';

export { REPORT_CONTENT_TYPES, type ReportHeader, type ReportWriter } from './report-writer';

export function createReportWriter(format: ReportFormat, out: Writable, header: ReportHeader): ReportWriter {
  switch (format) {
    case 'csv':
      return createCsvWriter(out);
    case 'json':
      return createJsonWriter(out, header);
    case 'pdf': {
      // loaded on the first PDF: pdfkit and its fonts stay out of processes that never write one
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createPdfWriter } = require('./pdf-writer') as typeof import('./pdf-writer');
      return createPdfWriter(out, header);
    }
  }
}
