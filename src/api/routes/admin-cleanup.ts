import { Router } from 'express';
import { z } from 'zod';
import { CLEANUP_SCHEDULE_ID } from '../../jobs/contract';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { authOf } from '../request-context';
import { countString } from '../strict-values';

const runBody = z.object({ dryRun: z.boolean().default(false) }).strict();
const listQuery = z.object({ limit: countString(1, 100).default('20') });
const scheduleAction = z.object({ action: z.enum(['pause', 'resume', 'trigger']) });

export function createAdminCleanupRouter(deps: AppDeps): Router {
  const { cleanup } = deps.services;
  const router = Router();
  router.use('/api/admin/cleanup', requireAuth(deps.auth), requirePermission('manage_queues'));

  router.post(
    '/api/admin/cleanup/runs',
    jobStartRateLimit(deps.rateLimits),
    validated({ body: runBody }, async ({ body: { dryRun } }, req, res) => {
      const started = await cleanup.runNow(authOf(req).user.id, dryRun);
      res.status(202).json({ workflowId: started.workflowId, runId: started.runId, dryRun });
    }),
  );

  router.get(
    '/api/admin/cleanup/runs',
    validated({ query: listQuery }, async ({ query }, _req, res) => {
      res.json({ runs: await cleanup.lastRuns(query.limit) });
    }),
  );

  router.get(
    '/api/admin/cleanup/runs/:workflowId',
    asyncHandler(async (req, res) => {
      res.json(await cleanup.run(req.params.workflowId));
    }),
  );

  router.get(
    '/api/admin/cleanup/schedule',
    asyncHandler(async (_req, res) => {
      res.json(await cleanup.schedule());
    }),
  );

  router.post(
    '/api/admin/cleanup/schedule/:action',
    validated({ params: scheduleAction }, async ({ params: { action } }, req, res) => {
      const outcome = await cleanup.controlSchedule(authOf(req).user.id, action);
      // 202 only when a run was actually requested; a trigger beside a run in progress starts nothing
      const accepted = action === 'trigger' && !outcome.alreadyRunning;
      res.status(accepted ? 202 : 200).json({ scheduleId: CLEANUP_SCHEDULE_ID, action, ...outcome });
    }),
  );

  return router;
}
