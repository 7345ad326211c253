import { Router } from 'express';
import { z } from 'zod';
import { textOfLength } from '../strict-values';
import { CHART_WINDOWS, type ChartWindow } from '../../observability/metrics/series';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { isoInstant } from '../openapi/schemas';
import { routeDocs } from '../openapi/route-doc';

const seriesQuery = z
  .object({
    window: z.enum(Object.keys(CHART_WINDOWS) as [ChartWindow, ...ChartWindow[]]).default('1h'),
    queue: textOfLength(1, 32).optional(),
    jobType: textOfLength(1, 64).optional(),
  })
  .strict();

const nullableNumber = z.number().nullable();
const seriesAnswer = z.object({
  window: z.enum(Object.keys(CHART_WINDOWS) as [ChartWindow, ...ChartWindow[]]),
  bucketMinutes: z.number().int().positive(),
  from: isoInstant,
  to: isoInstant,
  series: z.array(
    z.object({
      queue: z.string(),
      jobType: z.string(),
      points: z.array(
        z.object({
          t: isoInstant,
          completed: z.number().int(),
          failed: z.number().int(),
          cancelled: z.number().int(),
          perMinute: z.number(),
          failureRate: nullableNumber,
          runtimeP50Ms: nullableNumber,
          runtimeP95Ms: nullableNumber,
          waitP95Ms: nullableNumber,
        }),
      ),
    }),
  ),
});

export const adminMetricsRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/metrics/jobs',
    operationId: 'jobMetricsSeries',
    summary: 'Jobs per minute, failure rate, runtime p50/p95 and wait p95 per queue and job type over the last hour or 24 h',
    tag: 'Admin: jobs',
    access: 'view_horizon',
    request: { query: seriesQuery },
    responses: { 200: { description: 'One series per queue and job type, every bucket present', schema: seriesAnswer } },
  },
]);

/**
 * GET /api/admin/metrics/jobs?window=1h|24h[&queue][&jobType] (view_horizon): per queue and job type, jobs ended per
 * minute, failure rate, runtime p50/p95 and wait p95 per bucket (1 min over the last hour, 15 min over 24 h),
 * from the per-minute job metrics the workers record.
 */
export function createAdminMetricsRouter(deps: AppDeps): Router {
  const router = Router();
  router.get(
    '/api/admin/metrics/jobs',
    requireAuth(deps.auth),
    requirePermission('view_horizon'),
    ...validated({ query: seriesQuery }, async ({ query }, _req, res) => {
      res.json(await deps.services.jobMetrics.series(query));
    }),
  );
  return router;
}
