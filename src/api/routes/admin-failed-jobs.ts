import { Router } from 'express';
import { z } from 'zod';
import { JOB_TYPE_VALUES } from '../../admin/job-query';
import { FAILURE_KINDS } from '../../db/repositories/failed-jobs';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { literalPathsFirst } from '../middleware/method-not-allowed';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant, nullableInstant } from '../openapi/schemas';
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
  })
  .openapi({ anyOf: ['jobType', 'errorType', 'ticketId', 'ids'].map((field) => ({ required: [field] })) });

const failedJob = z.object({
  id: z.number().int(),
  jobType: z.string(),
  workflowId: z.string(),
  runId: z.string().nullable(),
  taskQueue: z.string().nullable(),
  errorType: z.string().nullable(),
  errorMessage: z.string().nullable(),
  ticketId: z.number().int().nullable(),
  companyId: z.number().int().nullable(),
  payload: z.unknown(),
  failedAt: isoInstant,
  retry: z.object({ workflowId: z.string(), status: z.enum(['running', 'succeeded', 'failed']).nullable(), retriedAt: nullableInstant }).nullable(),
  retryable: z.boolean(),
  notRetryableReason: z.string().nullable(),
});
const retryStarted = z.object({ id: z.number().int(), failedWorkflowId: z.string(), retryWorkflowId: z.string(), runId: z.string() });

export const adminFailedJobsRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/failed-jobs',
    operationId: 'listFailedJobs',
    summary: 'The dead-letter list: jobs that failed after all retries, newest first',
    description: '`nextBeforeId` (when not null) fetches the next page as `beforeId`.',
    tag: 'Admin: failed jobs',
    access: 'view_failed_jobs',
    request: { query: listQuery },
    responses: {
      200: { description: 'A page of entries', schema: z.object({ failedJobs: z.array(failedJob), nextBeforeId: z.number().int().nullable() }) },
    },
  },
  {
    method: 'get',
    path: '/api/admin/failed-jobs/groups',
    operationId: 'groupFailedJobs',
    summary: 'Failed-job counts grouped by job type and error type',
    tag: 'Admin: failed jobs',
    access: 'view_failed_jobs',
    request: { query: filterQuery },
    responses: {
      200: {
        description: 'The groups and their total',
        schema: z.object({
          groups: z.array(z.object({ jobType: z.string(), errorType: z.string().nullable(), count: z.number().int(), lastFailedAt: isoInstant }).passthrough()),
          total: z.number().int(),
        }),
      },
    },
  },
  {
    method: 'post',
    path: '/api/admin/failed-jobs/retry',
    operationId: 'retryFailedJobs',
    summary: 'Retry failed jobs in bulk, by filter or by ids',
    description: 'A filter picks entries never retried; named ids are each answered (started, or skipped with the reason).',
    tag: 'Admin: failed jobs',
    access: 'retry_failed_jobs',
    request: { body: bulkBody, example: { jobType: 'notification', errorType: 'SmtpTransientError' } },
    responses: {
      202: {
        description: 'The retries started and the entries skipped',
        schema: z.object({ started: z.array(retryStarted), skipped: z.array(z.object({ id: z.number().int(), reason: z.string() })), limit: z.number().int() }),
      },
    },
    errors: [429],
  },
  {
    method: 'get',
    path: '/api/admin/failed-jobs/:id',
    operationId: 'getFailedJob',
    summary: 'One failed job, with whether it can be retried',
    tag: 'Admin: failed jobs',
    access: 'view_failed_jobs',
    request: { params: idParams },
    responses: { 200: { description: 'The entry', schema: failedJob } },
  },
  {
    method: 'post',
    path: '/api/admin/failed-jobs/:id/retry',
    operationId: 'retryFailedJob',
    summary: 'Retry one failed job under a fresh workflow id',
    tag: 'Admin: failed jobs',
    access: 'retry_failed_jobs',
    request: { params: idParams },
    responses: { 202: { description: 'The retry started', schema: retryStarted } },
    errors: [409, 429],
  },
]);

export function createAdminFailedJobsRouter(deps: AppDeps): Router {
  const { failedJobs } = deps.services;
  const router = Router();
  router.use('/api/admin/failed-jobs', requireAuth(deps.auth), requirePermission('view_failed_jobs'));
  router.use('/api/admin/failed-jobs/retry', requirePermission('retry_failed_jobs'));
  router.use('/api/admin/failed-jobs/:id/retry', requirePermission('retry_failed_jobs'));
  // GET /retry is the POST-only retry path with the wrong method (405), not a failed job whose id is "retry"
  router.use('/api/admin/failed-jobs', literalPathsFirst(adminFailedJobsRouteDocs));

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
