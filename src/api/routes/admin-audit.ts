import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant } from '../openapi/schemas';
import { countString, idString } from '../strict-values';

const auditQuery = z.object({
  action: z.string().regex(/^[a-z_.]{1,64}$/, 'must be an action name like admin.failed_job_retried').optional(),
  userId: idString.optional(),
  limit: countString(1, 200).default('50'),
  beforeId: idString.optional(),
});

export const adminAuditRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/audit',
    operationId: 'listAuditEntries',
    summary: "The audit trail of admins' actions, newest first",
    description: '`nextBeforeId` (when not null) fetches the next page as `beforeId`.',
    tag: 'Admin: audit',
    access: 'view_audit_log',
    request: { query: auditQuery },
    responses: {
      200: {
        description: 'A page of entries',
        schema: z.object({
          entries: z.array(
            z.object({
              id: z.number().int(),
              userId: z.number().int().nullable(),
              action: z.string(),
              subjectType: z.string().nullable(),
              subjectId: z.union([z.string(), z.number()]).nullable(),
              properties: z.unknown(),
              createdAt: isoInstant,
            }),
          ),
          nextBeforeId: z.number().int().nullable(),
        }),
      },
    },
  },
]);

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
