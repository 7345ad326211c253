import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { routeDocs } from '../openapi/route-doc';

export const adminJobTypesRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/job-types',
    operationId: 'listJobTypes',
    summary: 'The registered job types, their queues, permissions and the admin limits',
    tag: 'Admin: jobs',
    access: 'view_horizon',
    responses: {
      200: {
        description: 'Job types, queues and limits',
        schema: z.object({
          jobTypes: z.array(
            z.object({ jobType: z.string(), workflowType: z.string(), taskQueue: z.string(), permission: z.string().nullable().optional(), retryable: z.boolean() }),
          ),
          queues: z.array(z.object({ queue: z.string(), jobTypes: z.array(z.string()), activitySlotsPerWorker: z.number().int() })),
          limits: z.record(z.unknown()),
        }),
      },
    },
  },
]);

/** The registered job types, their queues and the limits, for the admin pages (which otherwise hard-code them). */
export function createAdminJobTypesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/api/admin/job-types', requireAuth(deps.auth), requirePermission('view_horizon'), (_req, res) => {
    res.json(deps.services.jobTypes.describe());
  });
  return router;
}
