import { Router } from 'express';
import { z } from 'zod';
import { JOB_TYPE_VALUES } from '../../admin/job-query';
import { FAILURE_KINDS } from '../../db/repositories/failed-jobs';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { authOf } from '../request-context';
import { countString, idNumber, idString } from '../strict-values';

const jobType = z.enum(JOB_TYPE_VALUES);
const errorType = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_", ":" or "-"');

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

const filterQuery = z.object({
  jobType: jobType.optional(),
  errorType: errorType.optional(),
  failureKind: z.enum(FAILURE_KINDS).optional(),
  ticketId: idString.optional(),
  /** true: only entries never retried (the ones still waiting for attention) */
  notRetried: flag.optional(),
});
const listQuery = filterQuery.extend({
  limit: countString(1, 100).default('50'),
  beforeId: idString.optional(),
});
const idParams = z.object({ id: idString });
const bulkBody = z
  .object({
    jobType: jobType.optional(),
    errorType: errorType.optional(),
    failureKind: z.enum(FAILURE_KINDS).optional(),
    ticketId: idNumber.optional(),
    ids: z.array(idNumber).min(1).max(100).optional(),
  })
  .strict()
  .refine((body) => body.jobType || body.errorType || body.ticketId || body.ids, {
    message: 'give jobType, errorType, ticketId or ids',
    path: ['jobType'],
  });

export function createAdminFailedJobsRouter(deps: AppDeps): Router {
  const { failedJobs } = deps.services;
  const router = Router();
  router.use('/api/admin/failed-jobs', requireAuth(deps.auth), requirePermission('view_failed_jobs'));
  router.use('/api/admin/failed-jobs/retry', requirePermission('retry_failed_jobs'));
  router.use('/api/admin/failed-jobs/:id/retry', requirePermission('retry_failed_jobs'));

  router.get(
    '/api/admin/failed-jobs',
    validated({ query: listQuery }, async ({ query }, _req, res) => {
      res.json(await failedJobs.list(query));
    }),
  );

  router.get(
    '/api/admin/failed-jobs/groups',
    validated({ query: filterQuery }, async ({ query }, _req, res) => {
      res.json(await failedJobs.groups(query));
    }),
  );

  router.post(
    '/api/admin/failed-jobs/retry',
    jobStartRateLimit(deps.rateLimits),
    validated({ body: bulkBody }, async ({ body }, req, res) => {
      res.status(202).json(await failedJobs.retryMany(body, authOf(req).user.id));
    }),
  );

  router.get(
    '/api/admin/failed-jobs/:id',
    validated({ params: idParams }, async ({ params }, _req, res) => {
      res.json(await failedJobs.get(params.id));
    }),
  );

  router.post(
    '/api/admin/failed-jobs/:id/retry',
    jobStartRateLimit(deps.rateLimits),
    validated({ params: idParams }, async ({ params }, req, res) => {
      res.status(202).json(await failedJobs.retry(params.id, authOf(req).user.id));
    }),
  );

  return router;
}
