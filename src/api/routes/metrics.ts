import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiMetrics } from '../../observability/metrics/api-metrics';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics in Prometheus text format: for the scraper's bearer METRICS_TOKEN, or a user holding view_horizon;
 * nobody else (401 without credentials, 403 for a user without the permission).
 */
export function createMetricsRouter(deps: AppDeps, metrics: ApiMetrics): Router {
  const router = Router();
  const token = deps.config.metrics.token;
  const scraperOrAdmin: RequestHandler[] = [
    (req, _res, next) => {
      const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      if (token && match && sameSecret(match[1], token)) return next('route');
      next();
    },
    requireAuth(deps.auth),
    requirePermission('view_horizon'),
  ];
  const serve = validated({ query: z.object({}).strict() }, async (_input, _req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // the scraper's token skips to the second route (next('route')); everyone else passes the user checks first
  router.get('/metrics', ...scraperOrAdmin, ...serve);
  router.get('/metrics', ...serve);
  return router;
}
