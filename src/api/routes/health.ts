import { Router } from 'express';
import { checkDb } from '../../db/knex';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';

/** A dependency that takes longer than this to answer counts as down: the probe itself must answer quickly. */
const READY_CHECK_DEADLINE_MS = 2000;

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
