import { Router } from 'express';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth } from '../middleware/auth';
import { authOf } from '../request-context';

/** The companies the signed-in user may report on, by name (the Reports page's company choice). */
export function createCompaniesRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/api/companies',
    requireAuth(deps.auth),
    asyncHandler(async (req, res) => {
      res.json({ companies: await deps.services.companies.visibleTo(authOf(req).user) });
    }),
  );
  return router;
}
