import { Router } from 'express';
import { z } from 'zod';
import { ALERT_RULES } from '../../alerts/rules';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant, nullableInstant } from '../openapi/schemas';
import { countString } from '../strict-values';

const alertsQuery = z.object({
  days: countString(1, 30).default('7'),
  limit: countString(1, 200).default('50'),
});

const episodeSchema = z.object({
  id: z.number().int(),
  rule: z.enum(ALERT_RULES),
  title: z.string(),
  subject: z.string().describe("a job type, a queue, or '*' (the dead-letter list)"),
  summary: z.string(),
  threshold: z.number(),
  lastValue: z.number().nullable(),
  peakValue: z.number().nullable(),
  openedAt: isoInstant,
  lastCheckedAt: isoInstant,
  resolvedAt: nullableInstant,
  notifications: z.array(
    z.object({
      kind: z.enum(['firing', 'resolved']),
      channel: z.string().describe("'webhook' or 'email:<address>'"),
      status: z.enum(['sending', 'retrying', 'sent', 'failed']),
      tries: z.number().int(),
      error: z.string().nullable(),
      sentAt: nullableInstant,
    }),
  ),
});

export const adminAlertsRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/alerts',
    operationId: 'listAlerts',
    summary: 'Open alerts and the alert episodes of the last days, with the notifications sent for each',
    description:
      'An episode is one stretch of time a rule fired for one subject; `open` are those still firing, `recent` those resolved within `days` (newest first, at most `limit` in all).',
    tag: 'Admin: alerts',
    access: 'view_horizon',
    request: { query: alertsQuery },
    responses: { 200: { description: 'Open and recent alert episodes', schema: z.object({ open: z.array(episodeSchema), recent: z.array(episodeSchema) }) } },
  },
]);

export function createAdminAlertsRouter(deps: AppDeps): Router {
  const { alerts } = deps.services;
  const router = Router();
  router.use('/api/admin/alerts', requireAuth(deps.auth), requirePermission('view_horizon'));

  router.get(
    '/api/admin/alerts',
    validated({ query: alertsQuery }, async ({ query }, _req, res) => {
      res.json(await alerts.list(query));
    }),
  );

  return router;
}
