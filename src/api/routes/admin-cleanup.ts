import { Router } from 'express';
import { z } from 'zod';
import { CLEANUP_SCHEDULE_ID } from '../../jobs/contract';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant, nullableInstant } from '../openapi/schemas';
import { authOf } from '../request-context';
import { countString, textOfLength } from '../strict-values';

const runBody = z.object({ dryRun: z.boolean().default(false) }).strict();
const listQuery = z.object({ limit: countString(1, 100).default('20') });
const scheduleAction = z.object({ action: z.enum(['pause', 'resume', 'trigger']) });
const scheduleOutcome = z.object({
  scheduleId: z.string(),
  action: z.enum(['pause', 'resume', 'trigger']),
  alreadyRunning: z.boolean(),
  runningWorkflowId: z.string().nullable(),
  /** the run a trigger started (null for pause, resume and a trigger beside a run) */
  startedWorkflowId: z.string().nullable(),
});

const runParams = z.object({ workflowId: textOfLength(1, 200) });
const counts = z.record(z.unknown());
const cleanupResult = z.object({ dryRun: z.boolean(), cutoffs: z.record(z.string()), counts });

export const adminCleanupRouteDocs = routeDocs([
  {
    method: 'post',
    path: '/api/admin/cleanup/runs',
    operationId: 'startCleanupRun',
    summary: 'Start a cleanup run now (a dry run only counts what it would delete)',
    description: 'A real run never starts beside another run in progress (409). Counts against the job-start rate limit.',
    tag: 'Admin: cleanup',
    access: 'manage_queues',
    request: { body: runBody, example: { dryRun: true } },
    responses: {
      202: { description: 'The run started', schema: z.object({ workflowId: z.string(), runId: z.string(), dryRun: z.boolean() }) },
    },
    errors: [409, 429],
  },
  {
    method: 'get',
    path: '/api/admin/cleanup/runs',
    operationId: 'listCleanupRuns',
    summary: 'The last finished cleanup runs, newest first',
    tag: 'Admin: cleanup',
    access: 'manage_queues',
    request: { query: listQuery },
    responses: {
      200: {
        description: 'Finished runs with their counts',
        schema: z.object({
          runs: z.array(z.object({ workflowId: z.string(), finishedAt: isoInstant, requestedBy: z.number().int().nullable() }).passthrough()),
        }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/admin/cleanup/runs/:workflowId',
    operationId: 'getCleanupRun',
    summary: "One cleanup run's status and, once completed, its result",
    tag: 'Admin: cleanup',
    access: 'manage_queues',
    request: { params: runParams },
    responses: {
      200: {
        description: 'The run',
        schema: z.object({
          workflowId: z.string(),
          runId: z.string(),
          status: z.string(),
          startTime: isoInstant,
          closeTime: nullableInstant,
          result: cleanupResult.nullable(),
        }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/admin/cleanup/schedule',
    operationId: 'getCleanupSchedule',
    summary: 'The nightly cleanup schedule: state, cron, next and recent runs',
    tag: 'Admin: cleanup',
    access: 'manage_queues',
    responses: {
      200: {
        description: 'The schedule',
        schema: z.object({
          scheduleId: z.string(),
          paused: z.boolean(),
          note: z.string().nullable(),
          cron: z.string().nullable().describe('the 5-field cron expression the schedule was created from (CLEANUP_CRON)'),
          timeZone: z.string(),
          overlap: z.unknown(),
          nextRunTimes: z.array(isoInstant).max(5).describe('the next five run times'),
          recentActions: z.array(z.object({ scheduledAt: isoInstant, workflowId: z.string() })),
          runningWorkflowIds: z.array(z.string()),
        }),
      },
    },
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/admin/cleanup/schedule/:action',
    operationId: 'controlCleanupSchedule',
    summary: 'Pause, resume or trigger the cleanup schedule',
    description: 'A trigger answers 202 when it started a run, 200 with `alreadyRunning: true` when a run was in progress.',
    tag: 'Admin: cleanup',
    access: 'manage_queues',
    request: { params: scheduleAction },
    responses: {
      200: { description: 'Paused, resumed, or a trigger beside a run in progress', schema: scheduleOutcome },
      202: { description: 'A triggered run was requested', schema: scheduleOutcome },
    },
  },
]);

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
