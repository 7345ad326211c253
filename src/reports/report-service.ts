import type { Readable } from 'node:stream';
import { conflict, forbidden, NotFound, notFound, tooManyRequests, Unprocessable } from '../errors';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Repositories } from '../db/repositories';
import { ACTIVE_REPORT_STATUSES, type Report } from '../db/repositories/reports';
import type { UserWithPermissions } from '../db/repositories/users';
import { workflowIds, type ReportFilters, type ReportFormat } from '../jobs/contract';
import type { JobsGateway } from '../jobs/gateway';
import { normalizeFilters } from './filters';
import { countReportRows } from './query';
import { reportFileName, type ReportStorage } from './storage';
import { REPORT_CONTENT_TYPES } from './writers';

export const RECENT_REPORTS_LIMIT = 20;

export interface ReportServiceDeps {
  config: Config;
  db: Db;
  repos: Repositories;
  jobs: JobsGateway;
  storage: ReportStorage;
}

export interface ReportView {
  id: number;
  format: ReportFormat;
  status: Report['status'];
  filters: ReportFilters;
  progress: { rowsWritten: number; totalRows: number | null; percent: number };
  rowCount: number | null;
  fileSize: number | null;
  checksum: string | null;
  error: string | null;
  workflowId: string | null;
  userId: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  expiresAt: string | null;
  downloadUrl: string | null;
}

export function percentOf(report: Pick<Report, 'rowsWritten' | 'totalRows' | 'status'>): number {
  if (report.totalRows) return Math.min(100, Math.floor((report.rowsWritten * 100) / report.totalRows));
  return report.status === 'ready' ? 100 : 0;
}

/** A ready report past its expiry is shown as expired until the nightly cleanup removes it. */
function effectiveStatus(report: Report, now: Date): Report['status'] {
  return report.status === 'ready' && report.expiresAt && report.expiresAt <= now ? 'expired' : report.status;
}

export function toReportView(report: Report, now: Date = new Date()): ReportView {
  const status = effectiveStatus(report, now);
  return {
    id: report.id,
    format: report.format,
    status,
    filters: report.filters,
    progress: { rowsWritten: report.rowsWritten, totalRows: report.totalRows, percent: percentOf({ ...report, status }) },
    rowCount: report.rowCount,
    fileSize: report.fileSize,
    checksum: report.checksum,
    error: report.error,
    workflowId: report.workflowId,
    userId: report.userId,
    createdAt: report.createdAt.toISOString(),
    startedAt: report.startedAt?.toISOString() ?? null,
    completedAt: report.completedAt?.toISOString() ?? null,
    expiresAt: report.expiresAt?.toISOString() ?? null,
    downloadUrl: status === 'ready' ? `/api/reports/${report.id}/download` : null,
  };
}

const canSeeAll = (user: UserWithPermissions) => user.permissions.includes('view_all_reports');

export function createReportService(deps: ReportServiceDeps) {
  const { repos, jobs, storage, config } = deps;

  /** Another user's report is indistinguishable from a missing one. */
  async function visibleReport(user: UserWithPermissions, id: number): Promise<Report> {
    const report = await repos.reports.findById(id);
    if (!report || (report.userId !== user.id && !canSeeAll(user))) throw notFound('Report');
    return report;
  }

  /** Clients report on their own company only: asked-for others are refused, nothing asked means their own. */
  function scopeFilters(user: UserWithPermissions, filters: ReportFilters): ReportFilters {
    if (user.role !== 'client') return normalizeFilters(filters);
    if (user.companyId === null) throw forbidden('This client account belongs to no company');
    const asked = filters.companyIds ?? [];
    if (asked.some((id) => id !== user.companyId)) throw forbidden("You can only report on your own company's tickets");
    return normalizeFilters({ ...filters, companyIds: [user.companyId] });
  }

  async function cancelIfOpen(workflowId: string): Promise<void> {
    try {
      await jobs.cancel(workflowId);
    } catch (err) {
      // already closed in Temporal, or never started: nothing left to cancel
      if (!(err instanceof NotFound)) throw err;
    }
  }

  return {
    async request(user: UserWithPermissions, input: { format: ReportFormat; filters: ReportFilters }): Promise<ReportView> {
      const filters = scopeFilters(user, input.filters);
      if (input.format === 'pdf') {
        const rows = await countReportRows(deps.db, filters);
        if (rows > config.reports.pdfMaxRows) {
          throw new Unprocessable(
            'report_too_large',
            `These filters match ${rows} tickets; a PDF report holds at most ${config.reports.pdfMaxRows}. Request CSV or JSON instead, or narrow the filters.`,
            { rowCount: rows, limit: config.reports.pdfMaxRows, suggestedFormats: ['csv', 'json'] },
          );
        }
      }
      const limit = config.reports.maxRunningPerUser;
      const { report, running } = await repos.reports.createWithinLimit(
        { userId: user.id, companyId: user.role === 'client' ? user.companyId : null, format: input.format, filters },
        limit,
      );
      if (!report) {
        throw tooManyRequests(`You already have ${running} reports in progress (the limit is ${limit}); wait for one to finish`, 30);
      }
      let workflowId: string;
      try {
        const started = await jobs.startReport({ reportId: report.id }, { companyId: report.companyId, requestedBy: user.id });
        workflowId = started.workflowId;
      } catch (err) {
        // nothing half-written: a report that never started leaves no row behind
        await repos.reports.delete(report.id);
        throw err;
      }
      if (!(await repos.reports.setWorkflowId(report.id, workflowId))) {
        // deleted by the user before its workflow existed, so that DELETE had nothing to cancel yet
        await cancelIfOpen(workflowId);
        return toReportView({ ...report, workflowId, status: 'cancelled' });
      }
      // the answer describes the accepted request (queued); GET shows the live state, which the
      // worker may already have moved on by the time this answer is written
      return toReportView({ ...report, workflowId });
    },

    async list(user: UserWithPermissions, options: { all: boolean }): Promise<ReportView[]> {
      const all = options.all && canSeeAll(user);
      const reports = await repos.reports.listRecent({ userId: all ? undefined : user.id, limit: RECENT_REPORTS_LIMIT });
      const now = new Date();
      return reports.map((r) => toReportView(r, now));
    },

    async get(user: UserWithPermissions, id: number): Promise<ReportView> {
      return toReportView(await visibleReport(user, id));
    },

    async download(
      user: UserWithPermissions,
      id: number,
    ): Promise<{ stream: Readable; size: number; contentType: string; fileName: string }> {
      const report = await visibleReport(user, id);
      const status = effectiveStatus(report, new Date());
      if (status !== 'ready' || !report.fileName) throw conflict(`Report ${report.id} is ${status}; only a ready report can be downloaded`);
      const file = await storage.open(report.fileName);
      if (!file) throw notFound('Report file');
      return {
        stream: file.stream,
        size: file.size,
        contentType: REPORT_CONTENT_TYPES[report.format],
        fileName: `report-${report.id}.${report.format}`,
      };
    },

    /** Cancels a running report through Temporal, then removes its file and row. */
    async remove(user: UserWithPermissions, id: number): Promise<void> {
      const report = await visibleReport(user, id);
      const wasActive = ACTIVE_REPORT_STATUSES.includes(report.status);
      if (wasActive) {
        // the deterministic id, even before the request has recorded it; a retry from the dead-letter list runs under its own
        const workflows = new Set([workflowIds.report(report.id)]);
        if (report.workflowId) workflows.add(report.workflowId);
        for (const workflowId of workflows) await cancelIfOpen(workflowId);
      }
      await storage.remove(reportFileName(report.id, report.format));
      await repos.reports.delete(report.id);
      await repos.activityLogs.record({
        userId: user.id,
        action: wasActive ? 'report.cancelled' : 'report.deleted',
        subjectType: 'report',
        subjectId: report.id,
        properties: { status: report.status, format: report.format, workflowId: report.workflowId ?? workflowIds.report(report.id), ownerId: report.userId },
      });
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
