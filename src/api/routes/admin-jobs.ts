import { Router } from 'express';
import { z } from 'zod';
import { EXECUTION_STATUSES, JOB_TYPE_VALUES, QUEUE_VALUES } from '../../admin/job-query';
import { WORKFLOW_ID_PATTERN } from '../../admin/jobs-service';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { countString, idString, isoDateTime } from '../strict-values';

const statusByLowerCase = new Map(EXECUTION_STATUSES.map((s) => [s.toLowerCase(), s]));
const searchQuery = z
  .object({
    type: z.enum(JOB_TYPE_VALUES).optional(),
    status: z
      .string()
      .transform((value, ctx) => {
        const status = statusByLowerCase.get(value.toLowerCase().replace(/[_-]/g, ''));
        if (!status) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be one of ${EXECUTION_STATUSES.join(', ')}` });
        return status ?? z.NEVER;
      })
      .optional(),
    queue: z.enum(QUEUE_VALUES).optional(),
    ticketId: idString.optional(),
    companyId: idString.optional(),
    from: isoDateTime.transform((v) => new Date(v)).optional(),
    to: isoDateTime.transform((v) => new Date(v)).optional(),
    pageSize: countString(1, 100).default('20'),
    nextPageToken: z.string().max(4096).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be a token returned by the previous page').optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] });
const jobParams = z.object({ workflowId: z.string().regex(WORKFLOW_ID_PATTERN, 'is not a workflow id') });

export function createAdminJobsRouter(deps: AppDeps): Router {
  const { jobSearch: jobs, overview } = deps.services;
  const router = Router();
  router.use(['/api/admin/overview', '/api/admin/jobs'], requireAuth(deps.auth), requirePermission('view_horizon'));

  router.get(
    '/api/admin/overview',
    asyncHandler(async (_req, res) => {
      res.json(await overview.overview());
    }),
  );

  router.get(
    '/api/admin/jobs',
    validated({ query: searchQuery }, async ({ query }, _req, res) => {
      const { pageSize, nextPageToken, ...search } = query;
      res.json(await jobs.search(search, pageSize, nextPageToken));
    }),
  );

  router.get(
    '/api/admin/jobs/:workflowId',
    validated({ params: jobParams }, async ({ params }, _req, res) => {
      res.json(await jobs.get(params.workflowId));
    }),
  );

  return router;
}
