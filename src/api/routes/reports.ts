import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import { REPORT_FORMATS, TICKET_PRIORITIES, TICKET_STATUSES } from '../../jobs/contract';
import { filterDateSchema, filterRangeProblem } from '../../reports/filters';
import type { AppDeps } from '../deps';
import { notFound } from '../../errors';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { authOf } from '../request-context';
import { idNumber, idString } from '../strict-values';

export const reportRequestBody = z
  .object({
    format: z.enum(REPORT_FORMATS),
    filters: z
      .object({
        from: filterDateSchema.optional(),
        to: filterDateSchema.optional(),
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
