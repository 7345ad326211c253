import { Router } from 'express';
import { z } from 'zod';
import { createJobMetricsStore } from '../../observability/metrics/store';
import { CHART_WINDOWS, jobSeries, type ChartWindow } from '../../observability/metrics/series';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';

const seriesQuery = z
  .object({
    window: z.enum(Object.keys(CHART_WINDOWS) as [ChartWindow, ...ChartWindow[]]).default('1h'),
    queue: z.string().min(1).max(32).optional(),
    jobType: z.string().min(1).max(64).optional(),
  })
  .strict();

/**
 * GET /api/admin/metrics/jobs?window=1h|24h[&queue][&jobType] (view_horizon): per queue and job type, jobs ended per
 * minute, failure rate, runtime p50/p95 and wait p95 per bucket (1 min over the last hour, 15 min over 24 h),
 * from the per-minute job metrics the workers record.
 */
export function createAdminMetricsRouter(deps: AppDeps): Router {
  const store = createJobMetricsStore(deps.db);
  const router = Router();
  router.get(
    '/api/admin/metrics/jobs',
    requireAuth(deps.auth),
    requirePermission('view_horizon'),
    ...validated({ query: seriesQuery }, async ({ query }, _req, res) => {
      res.json(await jobSeries(store, query));
    }),
  );
  return router;
}
