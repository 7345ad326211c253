import { Router } from 'express';
import { z } from 'zod';
import { createAuditService } from '../../admin/audit-trail';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validate } from '../middleware/validate';
import { countString, idString } from '../strict-values';

const auditQuery = z.object({
  action: z.string().regex(/^[a-z_.]{1,64}$/, 'must be an action name like admin.failed_job_retried').optional(),
  userId: idString.optional(),
  limit: countString(1, 200).default('50'),
  beforeId: idString.optional(),
});

export function createAdminAuditRouter(deps: AppDeps): Router {
  const audit = createAuditService(deps.repos);
  const router = Router();
  router.use('/api/admin/audit', requireAuth(deps.auth), requirePermission('view_audit_log'));

  router.get(
    '/api/admin/audit',
    validate({ query: auditQuery }),
    asyncHandler(async (req, res) => {
      res.json(await audit.list(req.query as unknown as z.infer<typeof auditQuery>));
    }),
  );

  return router;
}
