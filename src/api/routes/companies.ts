import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth } from '../middleware/auth';
import { routeDocs } from '../openapi/route-doc';
import { authOf } from '../request-context';

export const companiesRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/companies',
    operationId: 'listCompanies',
    summary: 'The companies the caller may report on, by name (every company for staff, its own for a client)',
    tag: 'Reports',
    access: 'authenticated',
    responses: {
      200: {
        description: 'Companies, sorted by name',
        schema: z.object({ companies: z.array(z.object({ id: z.number().int().positive(), name: z.string() })) }),
      },
    },
  },
]);

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
