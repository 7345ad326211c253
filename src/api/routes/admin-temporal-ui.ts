import { Router } from 'express';
import { z } from 'zod';
import { recordAdminAction } from '../../admin/audit-trail';
import { sessionCookie } from '../../temporal-ui/session-cookie';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant } from '../openapi/schemas';
import { authOf } from '../request-context';

export const adminTemporalUiRouteDocs = routeDocs([
  {
    method: 'post',
    path: '/api/admin/temporal-ui/session',
    operationId: 'openTemporalUiSession',
    summary: 'A short-lived cookie (Set-Cookie) that opens the Temporal UI gateway',
    tag: 'Admin: jobs',
    access: 'view_horizon',
    responses: {
      201: {
        description: 'The session cookie is set',
        headers: { 'Set-Cookie': { description: 'The Temporal UI session cookie (HttpOnly, SameSite=Strict)', schema: { type: 'string' } } },
        schema: z.object({ url: z.string(), expiresAt: isoInstant }),
      },
    },
  },
]);

/** Hands a view_horizon holder the short-lived cookie that the Temporal UI gateway accepts. */
export function createAdminTemporalUiRouter(deps: AppDeps): Router {
  const router = Router();
  router.use('/api/admin/temporal-ui', requireAuth(deps.auth), requirePermission('view_horizon'));
  router.post(
    '/api/admin/temporal-ui/session',
    asyncHandler(async (req, res) => {
      const { user } = authOf(req);
      const { token, expiresAt } = await deps.auth.issueTemporalUiSession(user.id, deps.config.temporalUi.sessionMinutes);
      await recordAdminAction(deps.repos, { userId: user.id, verb: 'temporal_ui_session', subjectType: 'temporal-ui', subjectId: 'session' });
      res.setHeader('Set-Cookie', sessionCookie(token, expiresAt, deps.config.api.appUrl.startsWith('https://')));
      res.status(201).json({ url: deps.config.temporal.uiUrl, expiresAt: expiresAt.toISOString() });
    }),
  );
  return router;
}
