import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../errors';
import { devMailboxEnabled } from '../../dev-mailbox/dev-mailbox';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { routeDocs } from '../openapi/route-doc';

export const devMailboxRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/dev/mailbox',
    operationId: 'listDevMailbox',
    summary: 'Development without SMTP_URL only: the outbox as an inbox, newest first (404 in production or with SMTP_URL)',
    tag: 'Development',
    access: 'view_audit_log',
    responses: {
      200: {
        description: 'The newest mails of the outbox folder',
        schema: z.object({
          mails: z.array(z.object({ id: z.string(), to: z.array(z.string()), subject: z.string(), date: z.string(), html: z.string() })),
        }),
      },
    },
    errors: [404],
  },
]);

/** Development only: the outbox folder as an inbox, for admins (GET /api/dev/mailbox); absent in production or with SMTP_URL. */
export function createDevMailboxRouter(deps: AppDeps): Router {
  const router = Router();
  const { devMailbox: mailbox } = deps.services;
  router.get(
    '/api/dev/mailbox',
    (_req, _res, next) => next(devMailboxEnabled(deps.config) ? undefined : notFound('Dev mailbox')),
    requireAuth(deps.auth),
    // every mail to every user: admins only
    requirePermission('view_audit_log'),
    asyncHandler(async (_req, res) => {
      res.json({ mails: await mailbox.list() });
    }),
  );
  return router;
}
