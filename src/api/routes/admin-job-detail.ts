import { Router } from 'express';
import { z } from 'zod';
import { WORKFLOW_ID_PATTERN } from '../../admin/jobs-service';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { isoInstant, nullableInstant } from '../openapi/schemas';
import { routeDocs } from '../openapi/route-doc';

const detailParams = z.object({ workflowId: z.string().regex(WORKFLOW_ID_PATTERN, 'is not a workflow id') }).strict();

const errorView = z.object({ type: z.string().nullable(), message: z.string(), stack: z.string().nullable() }).passthrough().nullable();

export const adminJobDetailRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/jobs/:workflowId/detail',
    operationId: 'jobDetail',
    summary: "A job's detail: type, status, ids and tags, each step with attempts and durations, the last error, live state while it runs",
    tag: 'Admin: jobs',
    access: 'view_horizon',
    request: { params: detailParams },
    responses: {
      200: {
        description: 'The job (never its inputs or mail bodies)',
        schema: z
          .object({
            workflowId: z.string(),
            runId: z.string(),
            type: z.string(),
            jobType: z.unknown(),
            taskQueue: z.string(),
            status: z.string(),
            startTime: isoInstant,
            closeTime: nullableInstant,
            tags: z.record(z.unknown()),
            steps: z.array(z.object({ step: z.string(), status: z.string(), attempts: z.number().int(), error: errorView }).passthrough()),
            pending: z.array(z.object({ step: z.string(), attempt: z.number().int(), live: z.string() }).passthrough()),
            lastError: errorView,
            progress: z.object({ rowsWritten: z.number().nullable(), totalRows: z.number().nullable() }).nullable(),
            temporalUi: z.string(),
          })
          .passthrough(),
      },
    },
  },
]);

/** GET /api/admin/jobs/:workflowId/detail (view_horizon): the job detail panel of the Jobs page, live while it runs. */
export function createAdminJobDetailRouter(deps: AppDeps): Router {
  const details = deps.services.jobDetail;
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
