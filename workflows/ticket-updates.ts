import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  TICKET_EVENT_SIGNAL,
  TICKET_UPDATES_QUERY,
  workflowIds,
  type TicketNotificationInput,
  type TicketUpdatesInput,
  type TicketUpdatesState,
} from '../src/jobs/contract';
import { ticketNotificationWorkflow } from './ticket-notification';

export const ticketEventSignal = defineSignal<[TicketNotificationInput]>(TICKET_EVENT_SIGNAL);
export const ticketUpdatesStateQuery = defineQuery<TicketUpdatesState>(TICKET_UPDATES_QUERY);

/** With nothing held for this long the workflow ends; the next event starts it again (signal-with-start). */
const IDLE_MS = 30 * 60_000;
/** Continue-as-new past this many history events, well under Temporal's limits, carrying the held events. */
export const MAX_HISTORY_EVENTS = 2_000;
/** How many event → digest entries are kept for the status endpoint (the ledger holds the rest). */
const SENT_IN_KEPT = 500;

/** The mail input for a batch of held `updated` events: one digest, mailed by its own ticketNotificationWorkflow run. */
export function digestInput(batch: TicketNotificationInput[]): TicketNotificationInput {
  const first = batch[0];
  const last = batch[batch.length - 1];
  return {
    eventId: `digest-${first.eventId}`,
    type: 'updated',
    ticketId: first.ticketId,
    actorId: last.actorId,
    occurredAt: last.occurredAt,
    ...(last.redeliverForHours !== undefined ? { redeliverForHours: last.redeliverForHours } : {}),
    digest: batch.map((e) => ({ eventId: e.eventId, actorId: e.actorId, occurredAt: e.occurredAt, ...(e.changes ? { changes: e.changes } : {}) })),
  };
}

/**
 * The one long-lived workflow per ticket that coalesces `updated` events (started or signalled with signal-with-start,
 * so an event answered 202 is in its history before the API answers). The first held event opens a window of
 * `coalesceSeconds`; when it closes, every event held by then goes out as one mail per recipient, sent by a
 * ticketNotificationWorkflow run of its own (redelivery, dead-lettering and retries as for single events).
 */
export async function ticketUpdatesWorkflow(input: TicketUpdatesInput): Promise<{ digests: number }> {
  const pending: TicketNotificationInput[] = [...(input.pending ?? [])];
  const sentIn: Record<string, string> = { ...(input.sentIn ?? {}) };
  const held = new Set(pending.map((e) => e.eventId));
  let windowClosesAt: number | null = null;
  let digests = 0;

  setHandler(ticketEventSignal, (event) => {
    // the same event posted twice (a client retrying its POST) is held once; one already mailed is not mailed again
    if (held.has(event.eventId) || sentIn[event.eventId] !== undefined) return;
    held.add(event.eventId);
    pending.push(event);
  });
  setHandler(ticketUpdatesStateQuery, () => ({
    held: pending.map((e) => ({ eventId: e.eventId, sendsAt: windowClosesAt === null ? null : new Date(windowClosesAt).toISOString() })),
    sentIn,
  }));

  for (;;) {
    if (pending.length === 0) {
      const arrived = await condition(() => pending.length > 0, (input.idleSeconds ?? IDLE_MS / 1000) * 1000);
      if (!arrived) {
        await condition(allHandlersFinished);
        if (pending.length === 0) return { digests };
      }
    }
    windowClosesAt = Date.now() + input.coalesceSeconds * 1000;
    await sleep(input.coalesceSeconds * 1000);
    const batch = pending.splice(0);
    windowClosesAt = null;
    const mail = digestInput(batch);
    const workflowId = workflowIds.notification(input.ticketId, mail.eventId);
    // the child outlives this workflow (it may wait hours on redelivery timers); same id = started once
    try {
      await startChild(ticketNotificationWorkflow, {
        workflowId,
        args: [mail],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // the tags of this ticket's workflow (JobType notification, TicketId, CompanyId): the Jobs page lists the digest
        typedSearchAttributes: workflowInfo().typedSearchAttributes,
      });
    } catch (err) {
      // the same batch was mailed by an earlier run of this workflow (its events posted again after it ended):
      // that run and the ledger already served it
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    digests++;
    for (const event of batch) {
      held.delete(event.eventId);
      sentIn[event.eventId] = workflowId;
    }
    const kept = Object.keys(sentIn);
    for (const id of kept.slice(0, Math.max(0, kept.length - SENT_IN_KEPT))) delete sentIn[id];

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > (input.maxHistoryEvents ?? MAX_HISTORY_EVENTS)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ticketUpdatesWorkflow>({ ...input, pending: [...pending], sentIn });
    }
  }
}
