import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { countString, idString } from '../strict-values';

const auditQuery = z.object({
  action: z.string().regex(/^[a-z_.]{1,64}$/, 'must be an action name like admin.failed_job_retried').optional(),
  userId: idString.optional(),
  limit: countString(1, 200).default('50'),
  beforeId: idString.optional(),
});

export function createAdminAuditRouter(deps: AppDeps): Router {
  const { audit } = deps.services;
  const router = Router();
  router.use('/api/admin/audit', requireAuth(deps.auth), requirePermission('view_audit_log'));

  router.get(
    '/api/admin/audit',
    validated({ query: auditQuery }, async ({ query }, _req, res) => {
      res.json(await audit.list(query));
    }),
  );

  return router;
}
