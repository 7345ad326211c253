import { Router } from 'express';
import { z } from 'zod';
import { TICKET_EVENT_TYPES } from '../../jobs/contract';
import { EVENT_ID_PATTERN } from '../../notifications/ticket-events-service';
import type { AppDeps } from '../deps';
import { requireAuth, requirePermission } from '../middleware/auth';
import { jobStartRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { authOf } from '../request-context';
import { idNumber, idString, isoDateTime } from '../strict-values';

const changeValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

const eventBody = z
  .object({
    type: z.enum(TICKET_EVENT_TYPES),
    actorId: idNumber,
    eventId: z.string().regex(EVENT_ID_PATTERN, 'must be 1-100 letters, digits, ".", "_", ":" or "-"').optional(),
    changes: z
      .record(z.string().min(1).max(64), z.object({ from: changeValue, to: changeValue }))
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
  });

const ticketParams = z.object({ ticketId: idString });
const eventParams = ticketParams.extend({ eventId: z.string().min(1).max(100) });

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
