import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import { REPORT_FORMATS, TICKET_PRIORITIES, TICKET_STATUSES } from '../../jobs/contract';
import { REPORT_STATUSES } from '../../db/repositories/reports';
import { filterDateSchema, filterRangeProblem } from '../../reports/filters';
import type { AppDeps } from '../deps';
import { notFound } from '../../errors';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant, nullableInstant } from '../openapi/schemas';
import { authOf } from '../request-context';
import { idNumber, idString } from '../strict-values';

const LEAP_DAY = '(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29';
const OTHER_DAYS = '[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))';
const TIME = 'T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,3})?)?(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
/** What filterDateSchema accepts, for the contract: a real day of the years 1000-9999, optionally a time with an offset up to ±14:00. */
export const FILTER_DATE_PATTERN = `^(?:${LEAP_DAY}|${OTHER_DAYS})(?:${TIME})?$`;
const filterDate = filterDateSchema.openapi({ pattern: FILTER_DATE_PATTERN });

export const reportRequestBody = z
  .object({
    format: z.enum(REPORT_FORMATS),
    filters: z
      .object({
        from: filterDate.optional(),
        to: filterDate.optional(),
        companyIds: z.array(idNumber).max(1000).optional(),
        statuses: z.array(z.enum(TICKET_STATUSES)).optional(),
        priorities: z.array(z.enum(TICKET_PRIORITIES)).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((body, ctx) => {
    const problem = filterRangeProblem(body.filters);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['filters', 'to'], message: problem });
  });

const listQuery = z.object({ all: z.enum(['0', '1', 'true', 'false']).optional() });

/** For the document only: the route answers 404 (not 400) to an id in any other spelling, like a report that is not there. */
const reportParams = z.object({ id: idString });

const reportView = z.object({
  id: z.number().int(),
  format: z.enum(REPORT_FORMATS),
  status: z.enum(REPORT_STATUSES),
  filters: z.object({
    from: z.string().optional(),
    to: z.string().optional(),
    companyIds: z.array(z.number().int()).optional(),
    statuses: z.array(z.enum(TICKET_STATUSES)).optional(),
    priorities: z.array(z.enum(TICKET_PRIORITIES)).optional(),
  }),
  progress: z.object({ rowsWritten: z.number().int(), totalRows: z.number().int().nullable(), percent: z.number() }),
  rowCount: z.number().int().nullable(),
  fileSize: z.number().int().nullable(),
  checksum: z.string().nullable(),
  error: z.string().nullable(),
  workflowId: z.string().nullable(),
  userId: z.number().int(),
  createdAt: isoInstant,
  startedAt: nullableInstant,
  completedAt: nullableInstant,
  expiresAt: nullableInstant,
  downloadUrl: z.string().nullable(),
});

const reportLinks = {
  getReport: { operationId: 'getReport', parameters: { id: '$response.body#/id' }, description: 'The report just requested' },
  downloadReport: { operationId: 'downloadReport', parameters: { id: '$response.body#/id' }, description: 'Its file, once ready' },
  deleteReport: { operationId: 'deleteReport', parameters: { id: '$response.body#/id' }, description: 'Cancel or delete it' },
};

export const reportsRouteDocs = routeDocs([
  {
    method: 'post',
    path: '/api/reports',
    operationId: 'requestReport',
    summary: 'Request a ticket report export (CSV, JSON or PDF); it is generated in the background',
    description:
      "A client's report is limited to its own company. 422 `report_too_large`: a PDF over REPORT_PDF_MAX_ROWS rows. 429: over the job-start rate limit or REPORT_MAX_RUNNING_PER_USER reports in progress.",
    tag: 'Reports',
    access: 'create_reports',
    request: {
      body: reportRequestBody,
      example: { format: 'csv', filters: { from: '2025-01-01', to: '2025-01-31', statuses: ['open', 'closed'], priorities: ['high'] } },
    },
    responses: {
      202: {
        description: 'The report is queued; poll it at the Location',
        headers: { Location: { description: 'The report: /api/reports/{id}', schema: { type: 'string' } } },
        schema: z.object({ id: z.number().int(), status: z.enum(REPORT_STATUSES), workflowId: z.string().nullable() }),
        links: reportLinks,
      },
    },
    errors: [422, 429],
  },
  {
    method: 'get',
    path: '/api/reports',
    operationId: 'listReports',
    summary: "The caller's reports, newest first (all=1: everyone's, with view_all_reports)",
    tag: 'Reports',
    access: 'view_reports',
    request: { query: listQuery },
    responses: { 200: { description: 'The reports', schema: z.object({ reports: z.array(reportView) }) } },
  },
  {
    method: 'get',
    path: '/api/reports/:id',
    operationId: 'getReport',
    summary: 'One report: status, progress and, once ready, its download URL',
    tag: 'Reports',
    access: 'view_reports',
    request: { params: reportParams },
    responses: { 200: { description: 'The report', schema: reportView } },
  },
  {
    method: 'get',
    path: '/api/reports/:id/download',
    operationId: 'downloadReport',
    summary: "A ready report's file",
    description: '409 while the report is not ready (queued, running, failed, cancelled or expired).',
    tag: 'Reports',
    access: 'view_reports',
    request: { params: reportParams },
    responses: {
      200: {
        description: 'The file, as an attachment in the format requested',
        headers: { 'Content-Disposition': { description: 'attachment; filename="…"', schema: { type: 'string' } } },
        content: {
          'text/csv': z.string(),
          'application/json': z.unknown(),
          'application/pdf': z.string().openapi({ format: 'binary' }),
        },
      },
    },
    errors: [409],
  },
  {
    method: 'delete',
    path: '/api/reports/:id',
    operationId: 'deleteReport',
    summary: 'Delete a report and its file (a report in progress is cancelled first)',
    tag: 'Reports',
    access: 'view_reports',
    request: { params: reportParams },
    responses: { 204: { description: 'The report is gone' } },
  },
]);

/** The shared strict id spelling; anything else (`../x`, `%2e%2e%2f`, `01`) is simply not a report, like another user's. */
function reportId(raw: string): number {
  const parsed = idString.safeParse(raw);
  if (!parsed.success) throw notFound('Report');
  return parsed.data;
}

export function createReportsRouter(deps: AppDeps): Router {
  const { reports } = deps.services;
  const router = Router();
  router.use('/api/reports', requireAuth(deps.auth));

  router.post(
    '/api/reports',
    requirePermission('create_reports'),
    jobStartRateLimit(deps.rateLimits),
    validated({ body: reportRequestBody }, async ({ body }, req, res) => {
      const report = await reports.request(authOf(req).user, body);
      res.status(202).location(`/api/reports/${report.id}`).json({ id: report.id, status: report.status, workflowId: report.workflowId });
    }),
  );

  router.get(
    '/api/reports',
    requirePermission('view_reports'),
    validated({ query: listQuery }, async ({ query: { all } }, req, res) => {
      res.json({ reports: await reports.list(authOf(req).user, { all: all === '1' || all === 'true' }) });
    }),
  );

  router.get(
    '/api/reports/:id',
    requirePermission('view_reports'),
    asyncHandler(async (req, res) => {
      res.json(await reports.get(authOf(req).user, reportId(req.params.id)));
    }),
  );

  router.get(
    '/api/reports/:id/download',
    requirePermission('view_reports'),
    asyncHandler(async (req, res) => {
      const file = await reports.download(authOf(req).user, reportId(req.params.id));
      res.status(200);
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Length', String(file.size));
      res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      try {
        await pipeline(file.stream, res);
      } catch (err) {
        req.log?.warn({ err }, 'report download interrupted');
      }
    }),
  );

  router.delete(
    '/api/reports/:id',
    requirePermission('view_reports'),
    asyncHandler(async (req, res) => {
      await reports.remove(authOf(req).user, reportId(req.params.id));
      res.status(204).end();
    }),
  );

  return router;
}
