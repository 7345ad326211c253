import { Router } from 'express';
import { z } from 'zod';
import { checkDb } from '../../db/knex';
import { routeDocs } from '../openapi/route-doc';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';

/** A dependency that takes longer than this to answer counts as down: the probe itself must answer quickly. */
const READY_CHECK_DEADLINE_MS = 2000;

const up = z.enum(['up', 'down']);
const readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.object({ database: up, temporal: up }) });

export const healthRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Liveness: the API process answers',
    tag: 'Health',
    access: 'public',
    noDependencies: true,
    responses: { 200: { description: 'The process is alive', schema: z.object({ status: z.literal('ok') }) } },
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'getReadiness',
    summary: 'Readiness: the database and Temporal answer',
    tag: 'Health',
    access: 'public',
    noDependencies: true,
    responses: {
      200: { description: 'Both dependencies answer', schema: readiness },
      503: { description: 'The database or Temporal does not answer (the checks say which)', schema: readiness },
    },
  },
]);

export function createHealthRouter({ db, jobs }: Pick<AppDeps, 'db' | 'jobs'>): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(
    '/ready',
    asyncHandler(async (_req, res) => {
      const [database, temporal] = await Promise.all([
        checkDb(db, READY_CHECK_DEADLINE_MS).then(
          () => true,
          () => false,
        ),
        jobs.isReachable(),
      ]);
      const ready = database && temporal;
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'not_ready',
        checks: { database: database ? 'up' : 'down', temporal: temporal ? 'up' : 'down' },
      });
    }),
  );
  return router;
}
