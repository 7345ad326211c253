import type { ReportFilters, ReportFormat } from '../../jobs/contract';
import type { ReportRow } from '../columns';
import type { ReportSummary } from '../query';

export interface ReportHeader {
  reportId: number;
  generatedAt: Date;
  filters: ReportFilters;
  rowCount: number;
  summary: ReportSummary;
}

/** Turns rows into one file format. write() resolves once the output can take more. */
export interface ReportWriter {
  write(row: ReportRow): Promise<void>;
  /** writes the trailer and ends the output stream */
  finish(): Promise<void>;
}

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
};
