import { Router } from 'express';
import { z } from 'zod';
import { TICKET_EVENT_TYPES } from '../../jobs/contract';
import { EVENT_ID_PATTERN } from '../../notifications/ticket-events-service';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant, nullableInstant } from '../openapi/schemas';
import { authOf } from '../request-context';
import { idNumber, idString, isoDateTime, textOfLength } from '../strict-values';

const changeValue = z.union([textOfLength(0, 1000), z.number(), z.boolean(), z.null()]);

const eventBody = z
  .object({
    type: z.enum(TICKET_EVENT_TYPES),
    actorId: idNumber,
    eventId: z.string().regex(EVENT_ID_PATTERN, 'must be 1-100 letters, digits, ".", "_", ":" or "-"').optional(),
    changes: z
      .record(textOfLength(1, 64), z.object({ from: changeValue, to: changeValue }))
      .refine((changes) => Object.keys(changes).length <= 50, 'at most 50 changed fields')
      .optional(),
    commentId: idNumber.optional(),
    occurredAt: isoDateTime.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.type === 'commented' && body.commentId === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['commentId'], message: 'is required on commented events' });
    }
    if (body.type !== 'commented' && body.commentId !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['commentId'], message: 'is only allowed on commented events' });
    }
  })
  // the same rule for the contract: commentId exactly on commented events
  .openapi({
    oneOf: [
      { properties: { type: { const: 'commented' } }, required: ['commentId'] },
      { properties: { type: { enum: TICKET_EVENT_TYPES.filter((type) => type !== 'commented') } }, not: { required: ['commentId'] } },
    ],
  });

const ticketParams = z.object({ ticketId: idString });
const eventParams = ticketParams.extend({ eventId: textOfLength(1, 100) });

const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(EVENT_ID_PATTERN)
    .optional()
    .openapi({ description: 'The event id, when the body has none: the same key posted again joins the same workflow' }),
});

const eventStatus = z.object({
  eventId: z.string(),
  ticketId: z.number().int(),
  workflowId: z.string(),
  runId: z.string().nullable(),
  status: z.string().nullable(),
  startTime: nullableInstant,
  closeTime: nullableInstant,
  runs: z.array(z.object({ workflowId: z.string(), runId: z.string(), status: z.string(), startTime: isoInstant, closeTime: nullableInstant })),
  deliveries: z.array(
    z.object({
      userId: z.number().int(),
      recipient: z.string(),
      status: z.string(),
      attempts: z.number().int(),
      interruptedAttempts: z.number().int(),
      messageId: z.string().nullable(),
      errorType: z.string().nullable(),
      lastError: z.string().nullable(),
      sentAt: nullableInstant,
    }),
  ),
});

export const ticketEventsRouteDocs = routeDocs([
  {
    method: 'post',
    path: '/api/tickets/:ticketId/events',
    operationId: 'postTicketEvent',
    summary: "Post a ticket event; the ticket's people are notified by e-mail in the background",
    description:
      'The same eventId (or Idempotency-Key) posted again joins the first workflow instead of notifying twice. A client may post only comments on its own company\'s tickets.',
    tag: 'Ticket events',
    access: 'post_ticket_events',
    request: {
      params: ticketParams,
      headers: idempotencyHeaders,
      body: eventBody,
      example: { type: 'updated', actorId: 3, eventId: 'evt-2025-01-31-001', changes: { status: { from: 'open', to: 'pending' } } },
    },
    responses: {
      202: {
        description: 'The notification workflow was started (or joined)',
        schema: z.object({ eventId: z.string(), workflowId: z.string(), runId: z.string() }),
        links: {
          getTicketEvent: {
            operationId: 'getTicketEvent',
            parameters: { ticketId: '$request.path.ticketId', eventId: '$response.body#/eventId' },
            description: "The event's delivery status",
          },
        },
      },
    },
    errors: [403, 404, 429],
  },
  {
    method: 'get',
    path: '/api/tickets/:ticketId/events/:eventId',
    operationId: 'getTicketEvent',
    summary: "An event's workflow runs and each recipient's delivery",
    description: 'A client sees only its own delivery.',
    tag: 'Ticket events',
    access: 'post_ticket_events',
    request: { params: eventParams },
    responses: { 200: { description: 'The event', schema: eventStatus } },
  },
]);

export function createTicketEventsRouter(deps: AppDeps): Router {
  const events = deps.services.ticketEvents;
  const router = Router();
  router.use('/api/tickets', requireAuth(deps.auth), requirePermission('post_ticket_events'));

  router.post(
    '/api/tickets/:ticketId/events',
    jobStartRateLimit(deps.rateLimits),
    validated({ params: ticketParams, body: eventBody }, async ({ params: { ticketId }, body }, req, res) => {
      const started = await events.post(authOf(req), ticketId, body, req.get('idempotency-key'));
      req.log?.info({ ticketId, workflowId: started.workflowId, started: started.started }, 'ticket event accepted');
      res.status(202).json({ eventId: started.eventId, workflowId: started.workflowId, runId: started.runId });
    }),
  );

  router.get(
    '/api/tickets/:ticketId/events/:eventId',
    validated({ params: eventParams }, async ({ params: { ticketId, eventId } }, req, res) => {
      res.json(await events.status(authOf(req), ticketId, eventId));
    }),
  );

  return router;
}
