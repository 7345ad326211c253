import { ApplicationFailure, Context } from '@temporalio/activity';
import { REPORT_FORMATS, TASK_QUEUES, workflowIds, type ReportProgress } from '../src/jobs/contract';
import { ACTIVE_REPORT_STATUSES, type Report } from '../src/db/repositories/reports';
import { exportReportFile, ReportRowCountChangedError, ReportTooLargeError } from '../src/reports/export-report';
import { countReportRows as countRows } from '../src/reports/query';
import { reportFileName } from '../src/reports/storage';
import type { ActivityDeps } from './deps';

export const REPORT_ERROR_TYPES = {
  notFound: 'ReportNotFound',
  notActive: 'ReportNotActive',
  tooLarge: 'ReportTooLarge',
  gone: 'ReportGone',
} as const;

export interface ExportedReport {
  fileName: string;
  fileSize: number;
  rowCount: number;
  checksum: string;
}

const DAY_MS = 86_400_000;
/** progress heartbeats every PROGRESS_EVERY_ROWS rows or PROGRESS_INTERVAL_MS, whichever comes first */
const PROGRESS_INTERVAL_MS = 1_000;
const PROGRESS_EVERY_ROWS = 1_000;
/**
 * rows_written reaches the database (which also tells whether the report was deleted) at most this often, besides
 * the first and the last figure: a write per 1,000 rows would be hundreds of writes a second on a fast export
 */
const PROGRESS_WRITE_MS = 1_000;
/** heartbeats keep flowing while a slow stretch (a PDF's final render) writes no rows */
const HEARTBEAT_TICK_MS = 5_000;

function gone(reportId: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: REPORT_ERROR_TYPES.gone,
    message: `report ${reportId} was deleted or cancelled while it was being generated`,
    nonRetryable: true,
  });
}

export function createReportActivities(deps: ActivityDeps) {
  const { repos, storage } = deps;

  async function activeReport(reportId: number): Promise<Report> {
    const report = await repos.reports.findById(reportId);
    if (!report) {
      throw ApplicationFailure.create({ type: REPORT_ERROR_TYPES.notFound, message: `report ${reportId} does not exist`, nonRetryable: true });
    }
    return report;
  }

  return {
    /** Counts the rows (and enforces the PDF cap again: data may have grown since the request). */
    async countReportRows(input: { reportId: number }): Promise<{ totalRows: number }> {
      const report = await activeReport(input.reportId);
      if (![...ACTIVE_REPORT_STATUSES, 'failed'].includes(report.status)) {
        throw ApplicationFailure.create({
          type: REPORT_ERROR_TYPES.notActive,
          message: `report ${report.id} is ${report.status}`,
          nonRetryable: true,
        });
      }
      const totalRows = await countRows(deps.db, report.filters);
      if (report.format === 'pdf' && totalRows > deps.config.reports.pdfMaxRows) {
        const err = new ReportTooLargeError(totalRows, deps.config.reports.pdfMaxRows);
        throw ApplicationFailure.create({ type: REPORT_ERROR_TYPES.tooLarge, message: err.message, nonRetryable: true });
      }
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? workflowIds.report(report.id);
      if (!(await repos.reports.markRunning(report.id, { totalRows, workflowId }))) throw gone(report.id);
      return { totalRows };
    },

    /** The long step: database → temp file → atomic rename, heartbeating progress as it goes. */
    async exportReport(input: { reportId: number }): Promise<ExportedReport> {
      const context = Context.current();
      const report = await activeReport(input.reportId);
      if (report.status !== 'running') throw gone(report.id);
      let latest: ReportProgress = { rowsWritten: 0, totalRows: report.totalRows ?? 0 };
      let lastWrite = Number.NEGATIVE_INFINITY;
      const ticker = setInterval(() => context.heartbeat(latest), HEARTBEAT_TICK_MS);
      try {
        const stored = await exportReportFile({
          db: deps.db,
          storage,
          reportId: report.id,
          format: report.format,
          filters: report.filters,
          pdfMaxRows: deps.config.reports.pdfMaxRows,
          maxRowsPerSecond: deps.config.reports.exportMaxRowsPerSecond,
          signal: context.cancellationSignal,
          progressEvery: PROGRESS_EVERY_ROWS,
          progressIntervalMs: PROGRESS_INTERVAL_MS,
          onProgress: async (progress) => {
            latest = progress;
            context.heartbeat(progress);
            const last = progress.rowsWritten === progress.totalRows;
            if (!last && Date.now() - lastWrite < PROGRESS_WRITE_MS) return;
            lastWrite = Date.now();
            // the row disappears when the report is deleted: stop at once rather than after Temporal's cancel lands
            if (!(await repos.reports.updateProgress(report.id, progress))) throw gone(report.id);
          },
        });
        return { fileName: stored.fileName, fileSize: stored.size, rowCount: stored.rowCount, checksum: stored.checksum };
      } catch (err) {
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? err;
        if (err instanceof ReportTooLargeError) {
          throw ApplicationFailure.create({ type: REPORT_ERROR_TYPES.tooLarge, message: err.message, nonRetryable: true });
        }
        if (err instanceof ReportRowCountChangedError) deps.logger.warn({ reportId: report.id, err }, 'report data changed mid-export');
        throw err;
      } finally {
        clearInterval(ticker);
      }
    },

    async finishReport(input: { reportId: number } & ExportedReport): Promise<{ expiresAt: string }> {
      const expiresAt = new Date(Date.now() + deps.config.retention.reportDays * DAY_MS);
      const ready = await repos.reports.markReady(input.reportId, { ...input, expiresAt });
      if (!ready) {
        const current = await repos.reports.findById(input.reportId);
        // a retry of a step that did succeed (its answer was lost): the report is already ready with this very file
        if (current?.status === 'ready' && current.checksum === input.checksum && current.expiresAt) {
          return { expiresAt: current.expiresAt.toISOString() };
        }
        await storage.remove(input.fileName);
        throw gone(input.reportId);
      }
      deps.logger.info({ reportId: input.reportId, rowCount: input.rowCount, fileSize: input.fileSize }, 'report ready');
      return { expiresAt: expiresAt.toISOString() };
    },

    /** After a cancellation: no file of this report may stay behind, whatever its format. */
    async discardReport(input: { reportId: number }): Promise<void> {
      for (const format of REPORT_FORMATS) await storage.remove(reportFileName(input.reportId, format));
      await repos.reports.markCancelled(input.reportId);
    },

    async recordReportFailure(input: {
      reportId: number;
      workflowId: string;
      runId: string;
      errorType: string;
      message: string;
    }): Promise<void> {
      const report = await repos.reports.findById(input.reportId);
      if (report) {
        await storage.removePartials(reportFileName(report.id, report.format));
        await repos.reports.markFailed(report.id, input.message);
      }
      await repos.failedJobs.record({
        jobType: 'report',
        workflowId: input.workflowId,
        runId: input.runId,
        taskQueue: TASK_QUEUES.reports,
        errorType: input.errorType,
        errorMessage: input.message,
        payload: { reportId: input.reportId, format: report?.format ?? null, status: 'failed' },
        companyId: report?.companyId ?? undefined,
      });
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
