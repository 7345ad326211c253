import { Router } from 'express';
import { z } from 'zod';
import { createFailedJobsService } from '../../admin/failed-jobs-service';
import { JOB_TYPE_VALUES } from '../../admin/job-query';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validate } from '../middleware/validate';
import { authOf } from '../request-context';
import { countString, idNumber, idString } from '../strict-values';

const jobType = z.enum(JOB_TYPE_VALUES);
const errorType = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_", ":" or "-"');

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

const filterQuery = z.object({
  jobType: jobType.optional(),
  errorType: errorType.optional(),
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
    ticketId: idNumber.optional(),
    ids: z.array(idNumber).min(1).max(100).optional(),
  })
  .strict()
  .refine((body) => body.jobType || body.errorType || body.ticketId || body.ids, {
    message: 'give jobType, errorType, ticketId or ids',
    path: ['jobType'],
  });

export function createAdminFailedJobsRouter(deps: AppDeps): Router {
  const failedJobs = createFailedJobsService(deps);
  const router = Router();
  router.use('/api/admin/failed-jobs', requireAuth(deps.auth), requirePermission('view_failed_jobs'));
  router.use('/api/admin/failed-jobs/retry', requirePermission('retry_failed_jobs'));
  router.use('/api/admin/failed-jobs/:id/retry', requirePermission('retry_failed_jobs'));

  router.get(
    '/api/admin/failed-jobs',
    validate({ query: listQuery }),
    asyncHandler(async (req, res) => {
      res.json(await failedJobs.list(req.query as unknown as z.infer<typeof listQuery>));
    }),
  );

  router.get(
    '/api/admin/failed-jobs/groups',
    validate({ query: filterQuery }),
    asyncHandler(async (req, res) => {
      res.json(await failedJobs.groups(req.query as unknown as z.infer<typeof filterQuery>));
    }),
  );

  router.post(
    '/api/admin/failed-jobs/retry',
    jobStartRateLimit(deps.rateLimits),
    validate({ body: bulkBody }),
    asyncHandler(async (req, res) => {
      res.status(202).json(await failedJobs.retryMany(req.body as z.infer<typeof bulkBody>, authOf(req).user.id));
    }),
  );

  router.get(
    '/api/admin/failed-jobs/:id',
    validate({ params: idParams }),
    asyncHandler(async (req, res) => {
      res.json(await failedJobs.get((req.params as unknown as z.infer<typeof idParams>).id));
    }),
  );

  router.post(
    '/api/admin/failed-jobs/:id/retry',
    jobStartRateLimit(deps.rateLimits),
    validate({ params: idParams }),
    asyncHandler(async (req, res) => {
      const { id: failedJobId } = req.params as unknown as z.infer<typeof idParams>;
      res.status(202).json(await failedJobs.retry(failedJobId, authOf(req).user.id));
    }),
  );

  return router;
}
