import { z } from 'zod';
import { createNotificationActivities } from '../../../../activities/notifications';
import { notificationRetryWorkflowId } from '../../../notifications/ticket-events-service';
import { JOB_TYPES, TASK_QUEUES, TICKET_EVENT_TYPES, WORKFLOW_TYPES, workflowIds, type TicketNotificationInput } from '../../contract';
import { defineJob } from '../../job-definition';

const fieldChange = z.object({ from: z.unknown(), to: z.unknown() });

export const ticketNotificationInput: z.ZodType<TicketNotificationInput> = z.object({
  eventId: z.string().min(1),
  type: z.enum(TICKET_EVENT_TYPES),
  ticketId: z.number().int().positive(),
  actorId: z.number().int().positive(),
  occurredAt: z.string().min(1),
  changes: z.record(z.string(), fieldChange).optional(),
  commentId: z.number().int().positive().optional(),
  redeliverForHours: z.number().min(0).max(24 * 30).optional(),
  digest: z
    .array(
      z.object({
        eventId: z.string().min(1),
        actorId: z.number().int().positive(),
        occurredAt: z.string().min(1),
        changes: z.record(z.string(), fieldChange).optional(),
      }),
    )
    .min(1)
    .optional(),
}) as z.ZodType<TicketNotificationInput>;

function storedInput(payload: Record<string, unknown>): TicketNotificationInput | undefined {
  const input = (payload as { input?: TicketNotificationInput }).input;
  return input && typeof input.eventId === 'string' && typeof input.ticketId === 'number' ? input : undefined;
}

/** One mail per recipient of a ticket event (workflows/ticket-notification.ts). */
export const notificationJob = defineJob<TicketNotificationInput>({
  jobType: JOB_TYPES.notification,
  workflowType: WORKFLOW_TYPES.ticketNotification,
  taskQueue: TASK_QUEUES.notifications,
  input: ticketNotificationInput,
  permission: 'post_ticket_events',
  workflowId: (input) => workflowIds.notification(input.ticketId, input.eventId),
  tags: (input, context) => ({ ticketId: input.ticketId, companyId: context.companyId, requestedBy: context.requestedBy }),
  retry: {
    // the ledger turns recipients already served into no-ops, so only the others get mail
    notRetryableReason: (job) => (storedInput(job.payload) ? null : 'This failed job does not hold a notification event to retry'),
    plan: (job, _context, requestedBy) => {
      const input = storedInput(job.payload) as TicketNotificationInput;
      return {
        workflowId: notificationRetryWorkflowId(input.ticketId, input.eventId, job.id),
        input,
        tags: { ticketId: input.ticketId, companyId: job.companyId, requestedBy },
      };
    },
  },
  activities: createNotificationActivities,
  workflowTaskSlots: 10,
  historyPrefix: 'ticket-notification',
});
