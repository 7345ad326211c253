import { Router } from 'express';
import { z } from 'zod';
import { EXECUTION_STATUSES, JOB_TYPE_VALUES, QUEUE_VALUES } from '../../admin/job-query';
import { createJobsService, WORKFLOW_ID_PATTERN } from '../../admin/jobs-service';
import { createOverviewService } from '../../admin/overview-service';
import { createWorkerHeartbeatsRepository } from '../../db/repositories/worker-heartbeats';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validate } from '../middleware/validate';
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
  const jobs = createJobsService({ jobs: deps.jobs, uiUrl: deps.config.temporal.uiUrl });
  const overview = createOverviewService({ jobs: deps.jobs, uiUrl: deps.config.temporal.uiUrl, queueState: (queue) => deps.repos.queueControls.get(queue), workerHeartbeats: createWorkerHeartbeatsRepository(deps.db).list });
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
    validate({ query: searchQuery }),
    asyncHandler(async (req, res) => {
      const { pageSize, nextPageToken, ...search } = req.query as unknown as z.infer<typeof searchQuery>;
      res.json(await jobs.search(search, pageSize, nextPageToken));
    }),
  );

  router.get(
    '/api/admin/jobs/:workflowId',
    validate({ params: jobParams }),
    asyncHandler(async (req, res) => {
      res.json(await jobs.get(req.params.workflowId));
    }),
  );

  return router;
}
