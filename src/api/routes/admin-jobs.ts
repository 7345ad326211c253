import { Router } from 'express';
import { z } from 'zod';
import { EXECUTION_STATUSES, JOB_TYPE_VALUES, QUEUE_VALUES, WORKFLOW_ID_PATTERN } from '../../admin/job-query';
import { ERROR_TYPE_SEARCH_LIMIT } from '../../admin/jobs-service';
import { EVENT_ID_PATTERN } from '../../notifications/ticket-events-service';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth, requirePermission } from '../middleware/auth';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant, nullableInstant } from '../openapi/schemas';
import { countString, idString, isoDateTime } from '../strict-values';

const statusByLowerCase = new Map(EXECUTION_STATUSES.map((s) => [s.toLowerCase(), s]));
const searchFields = z
  .object({
    type: z.enum(JOB_TYPE_VALUES).optional(),
    status: z
      .string()
      .transform((value, ctx) => {
        const status = statusByLowerCase.get(value.toLowerCase().replace(/[_-]/g, ''));
        if (!status) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be one of ${EXECUTION_STATUSES.join(', ')}` });
        return status ?? z.NEVER;
      })
      .optional(),
    queue: z.enum(QUEUE_VALUES).optional(),
    ticketId: idString.optional(),
    companyId: idString.optional(),
    from: isoDateTime.transform((v) => new Date(v)).optional(),
    to: isoDateTime.transform((v) => new Date(v)).optional(),
    closedFrom: isoDateTime.transform((v) => new Date(v)).optional(),
    closedTo: isoDateTime.transform((v) => new Date(v)).optional(),
    workflowId: z.string().regex(WORKFLOW_ID_PATTERN, 'is not a workflow id').optional(),
    eventId: z.string().regex(EVENT_ID_PATTERN, 'must be 1-100 letters, digits, ".", "_", ":" or "-"').optional(),
    errorType: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be 1-64 letters, digits, "_", ".", ":" or "-"').optional(),
    pageSize: countString(1, 100).default('20'),
    nextPageToken: z.string().max(4096).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be a token returned by the previous page').optional(),
  })
  .strict();
const searchQuery = searchFields
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] })
  .refine((q) => !q.closedFrom || !q.closedTo || q.closedFrom <= q.closedTo, { message: 'must not be after closedTo', path: ['closedFrom'] })
  .refine((q) => q.eventId === undefined || q.ticketId !== undefined, { message: 'needs ticketId: event ids are scoped to their ticket', path: ['eventId'] });
const jobParams = z.object({ workflowId: z.string().regex(WORKFLOW_ID_PATTERN, 'is not a workflow id') });

const jobSummary = z.object({
  workflowId: z.string(),
  runId: z.string(),
  type: z.string(),
  taskQueue: z.string(),
  status: z.string(),
  startTime: isoInstant,
  closeTime: nullableInstant,
  tags: z.record(z.unknown()),
});
const failure = z.object({ message: z.string().nullable(), type: z.string().nullable() }).passthrough().nullable();
const queueOverview = z.object({
  queue: z.string(),
  paused: z.boolean(),
  workers: z.array(z.string()),
  backlog: z.object({ workflowTasks: z.number().nullable(), activityTasks: z.number().nullable(), approximate: z.boolean() }),
  running: z.number().int(),
  last24h: z.object({ completed: z.number().int(), failed: z.number().int() }),
  temporalUi: z.object({ all: z.string(), running: z.string(), failed: z.string() }),
});

export const adminJobsRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/admin/overview',
    operationId: 'getJobsOverview',
    summary: 'Per task queue: workers, backlog, running jobs and the last 24 hours',
    tag: 'Admin: jobs',
    access: 'view_horizon',
    responses: {
      200: { description: 'The overview', schema: z.object({ namespace: z.string(), generatedAt: isoInstant, queues: z.array(queueOverview) }) },
    },
  },
  {
    method: 'get',
    path: '/api/admin/jobs',
    operationId: 'searchJobs',
    summary: 'Search jobs (workflow executions) by type, status, queue, ticket, company, time, workflow id, event id and error type',
    description: [
      '`nextPageToken` (when not null) fetches the next page of the same search.',
      '`from`/`to` bound the start time, `closedFrom`/`closedTo` the end time (both inclusive).',
      '`workflowId` is exact. `eventId` (with `ticketId`) finds the ticket event\'s notification workflow and its dead-letter retries.',
      `\`errorType\` finds the runs whose failure the dead-letter list recorded with that type (its ${ERROR_TYPE_SEARCH_LIMIT} most recent entries).`,
    ].join(' '),
    tag: 'Admin: jobs',
    access: 'view_horizon',
    request: { query: searchFields },
    responses: {
      200: {
        description: 'A page of jobs',
        schema: z.object({ query: z.string(), jobs: z.array(jobSummary), nextPageToken: z.string().nullable(), temporalUi: z.string() }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/admin/jobs/:workflowId',
    operationId: 'getJob',
    summary: "One job: status, attempts per activity, pending activities, last failure and result summary",
    tag: 'Admin: jobs',
    access: 'view_horizon',
    request: { params: jobParams },
    responses: {
      200: {
        description: 'The job',
        schema: jobSummary.extend({
          historyLength: z.number().int(),
          attempts: z.record(z.object({ scheduled: z.number().int(), maxAttempt: z.number().int(), failed: z.number().int() })),
          pendingActivities: z.array(z.object({ activityType: z.string().nullable(), attempt: z.number().int(), lastFailure: failure })),
          lastFailure: failure,
          result: z.record(z.unknown()).nullable(),
          temporalUi: z.string(),
        }),
      },
    },
  },
]);

export function createAdminJobsRouter(deps: AppDeps): Router {
  const { jobSearch: jobs, overview } = deps.services;
  const router = Router();
  router.use(['/api/admin/overview', '/api/admin/jobs'], requireAuth(deps.auth), requirePermission('view_horizon'));

  router.get(
    '/api/admin/overview',
    asyncHandler(async (_req, res) => {
      res.json(await overview.overview());
    }),
  );

  router.get(
    '/api/admin/jobs',
    validated({ query: searchQuery }, async ({ query }, _req, res) => {
      const { pageSize, nextPageToken, ...search } = query;
      res.json(await jobs.search(search, pageSize, nextPageToken));
    }),
  );

  router.get(
    '/api/admin/jobs/:workflowId',
    validated({ params: jobParams }, async ({ params }, _req, res) => {
      res.json(await jobs.get(params.workflowId));
    }),
  );

  return router;
}
