import { Router } from 'express';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';

/** The registered job types, their queues and the limits, for the admin pages (which otherwise hard-code them). */
export function createAdminJobTypesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/api/admin/job-types', requireAuth(deps.auth), requirePermission('view_horizon'), (_req, res) => {
    res.json(deps.services.jobTypes.describe());
  });
  return router;
}
