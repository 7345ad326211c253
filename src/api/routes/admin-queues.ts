import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { QUEUE_VALUES } from '../../admin/job-query';
import type { AppDeps } from '../deps';
import { forbidden } from '../../errors';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { nullableInstant } from '../openapi/schemas';
import { authOf } from '../request-context';

const queueParams = z.object({ queue: z.enum(QUEUE_VALUES) });
const pauseParams = queueParams.extend({ action: z.enum(['pause', 'resume']) });

const queueState = z.object({ queue: z.string(), paused: z.boolean(), restartGeneration: z.number().int(), restartRequestedAt: nullableInstant });
const queueStates = z.object({ queues: z.array(queueState) });

export const adminQueuesRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/queues',
    operationId: 'listQueues',
    summary: 'Each task queue: paused or not, restart generation',
    tag: 'Admin: queues',
    access: ['manage_queues', 'restart_queues'],
    responses: { 200: { description: 'The queues', schema: queueStates } },
  },
  {
    method: 'post',
    path: '/api/admin/queues/restart',
    operationId: 'restartAllQueues',
    summary: "Ask every queue's workers to restart gracefully",
    tag: 'Admin: queues',
    access: 'restart_queues',
    responses: { 202: { description: 'The restart was requested', schema: queueStates } },
  },
  {
    method: 'post',
    path: '/api/admin/queues/:queue/:action(pause|resume)',
    operationId: 'pauseOrResumeQueue',
    summary: "Pause or resume a queue's workers",
    tag: 'Admin: queues',
    access: 'manage_queues',
    request: { params: pauseParams },
    responses: { 200: { description: "The queue's new state", schema: queueState } },
  },
  {
    method: 'post',
    path: '/api/admin/queues/:queue/restart',
    operationId: 'restartQueue',
    summary: "Ask one queue's workers to restart gracefully",
    tag: 'Admin: queues',
    access: 'restart_queues',
    request: { params: queueParams },
    responses: { 202: { description: 'The restart was requested', schema: queueStates } },
  },
]);

/** The prefix is closed to anyone holding neither queue permission, whatever the method. */
const requireQueuePermission: RequestHandler = (req, _res, next) => {
  const permissions = req.auth?.user.permissions ?? [];
  if (permissions.includes('manage_queues') || permissions.includes('restart_queues')) return next();
  next(forbidden('This needs the manage_queues or restart_queues permission'));
};

export function createAdminQueuesRouter(deps: AppDeps): Router {
  const { queues } = deps.services;
  const router = Router();
  router.use('/api/admin/queues', requireAuth(deps.auth), requireQueuePermission);
  router.use(['/api/admin/queues/restart', '/api/admin/queues/:queue/restart'], requirePermission('restart_queues'));
  router.use(['/api/admin/queues/:queue/pause', '/api/admin/queues/:queue/resume'], requirePermission('manage_queues'));

  router.get(
    '/api/admin/queues',
    asyncHandler(async (_req, res) => {
      res.json(await queues.list());
    }),
  );

  router.post(
    '/api/admin/queues/restart',
    asyncHandler(async (req, res) => {
      res.status(202).json(await queues.restart(QUEUE_VALUES, authOf(req).user.id));
    }),
  );

  router.post(
    '/api/admin/queues/:queue/:action(pause|resume)',
    validated({ params: pauseParams }, async ({ params: { queue, action } }, req, res) => {
      res.json(await queues.setPaused(queue, action === 'pause', authOf(req).user.id));
    }),
  );

  router.post(
    '/api/admin/queues/:queue/restart',
    validated({ params: queueParams }, async ({ params: { queue } }, req, res) => {
      res.status(202).json(await queues.restart([queue], authOf(req).user.id));
    }),
  );

  return router;
}
