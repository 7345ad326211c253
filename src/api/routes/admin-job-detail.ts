import { Router } from 'express';
import { z } from 'zod';
import { WORKFLOW_ID_PATTERN } from '../../admin/jobs-service';
import { createJobDetailService } from '../../observability/job-detail';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';

const detailParams = z.object({ workflowId: z.string().regex(WORKFLOW_ID_PATTERN, 'is not a workflow id') }).strict();

/** GET /api/admin/jobs/:workflowId/detail (view_horizon): the job detail panel of the Jobs page, live while it runs. */
export function createAdminJobDetailRouter(deps: AppDeps): Router {
  const details = createJobDetailService({ jobs: deps.jobs, repos: deps.repos, uiUrl: deps.config.temporal.uiUrl });
  const router = Router();
  router.get(
    '/api/admin/jobs/:workflowId/detail',
    requireAuth(deps.auth),
    requirePermission('view_horizon'),
    ...validated({ params: detailParams }, async ({ params }, _req, res) => {
      res.json(await details.detail(params.workflowId));
    }),
  );
  return router;
}
