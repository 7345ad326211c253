import type { Writable } from 'node:stream';
import type { ReportFormat } from '../../jobs/contract';
import { createCsvWriter } from './csv-writer';
import { createJsonWriter } from './json-writer';
import { createPdfWriter } from './pdf-writer';
import type { ReportHeader, ReportWriter } from './report-writer';

export { REPORT_CONTENT_TYPES, type ReportHeader, type ReportWriter } from './report-writer';

export function createReportWriter(format: ReportFormat, out: Writable, header: ReportHeader): ReportWriter {
  switch (format) {
    case 'csv':
      return createCsvWriter(out);
    case 'json':
      return createJsonWriter(out, header);
    case 'pdf':
      return createPdfWriter(out, header);
  }
}
