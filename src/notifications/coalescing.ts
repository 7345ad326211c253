import { serviceUnavailable } from '../errors';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  COALESCED_EVENT_TYPES,
  TASK_QUEUES,
  TICKET_EVENT_SIGNAL,
  TICKET_UPDATES_QUERY,
  WORKFLOW_TYPES,
  workflowIds,
  type TicketNotificationInput,
  type TicketUpdatesInput,
  type TicketUpdatesState,
} from '../jobs/contract';
import type { JobsGateway, StartedJob } from '../jobs/gateway';
import { CALL_DEADLINE_MS, GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE, grpcCodeOf, withDeadline, type GatewayConnection } from '../jobs/gateway/deadline';
import { jobSearchAttributes } from '../jobs/search-attributes';

/** Whether an event of this type waits in its ticket's coalescing window (never created, assigned, closed). */
export function isCoalesced(type: TicketNotificationInput['type'], coalesceSeconds: number): boolean {
  return coalesceSeconds > 0 && COALESCED_EVENT_TYPES.includes(type);
}

function unavailable(err: unknown): Error {
  const code = grpcCodeOf(err);
  const name = (err as { name?: string })?.name;
  if (code === GRPC_UNAVAILABLE || name === 'TransportError' || name === 'ConnectionError') {
    return serviceUnavailable('The job system is unavailable right now; nothing was started. Please try again shortly.');
  }
  if (code === GRPC_DEADLINE_EXCEEDED) {
    // the event id is the dedupe key inside the ticket's workflow: posting it again never mails twice
    return serviceUnavailable('The job system did not answer in time; the event may or may not have been accepted. Posting it again is safe.');
  }
  return err as Error;
}

/** Like the gateway's calls: wait briefly for a connected channel (Temporal down → 503 at once), then a call deadline. */
function call<T>(jobs: JobsGateway, fn: () => Promise<T>): Promise<T> {
  return withDeadline.call({ connection: jobs.client.connection as GatewayConnection }, fn, CALL_DEADLINE_MS) as Promise<T>;
}

/**
 * Hands the event to its ticket's long-lived workflow with signal-with-start: started if it is not running,
 * signalled otherwise. Once this returns the signal is in the workflow's history, so an event answered 202
 * survives any worker crash.
 */
export async function signalTicketUpdate(
  jobs: JobsGateway,
  input: TicketNotificationInput,
  coalesceSeconds: number,
  tags: { companyId: number; requestedBy: number },
): Promise<StartedJob> {
  const workflowId = workflowIds.ticketUpdates(input.ticketId);
  const start: TicketUpdatesInput = { ticketId: input.ticketId, coalesceSeconds };
  try {
    const handle = await call(jobs, () =>
      jobs.client.workflow.signalWithStart(WORKFLOW_TYPES.ticketUpdates, {
        workflowId,
        taskQueue: TASK_QUEUES.notifications,
        args: [start],
        signal: TICKET_EVENT_SIGNAL,
        signalArgs: [input],
        typedSearchAttributes: new TypedSearchAttributes(
          jobSearchAttributes({ jobType: 'notification', ticketId: input.ticketId, companyId: tags.companyId, requestedBy: tags.requestedBy }),
        ),
      }),
    );
    return { workflowId, runId: handle.signaledRunId, started: true };
  } catch (err) {
    throw unavailable(err);
  }
}

/** What the ticket's workflow holds back and which digest mailed which event; undefined when it is not running. */
export async function ticketUpdatesState(jobs: JobsGateway, ticketId: number): Promise<TicketUpdatesState | undefined> {
  try {
    const workflowId = workflowIds.ticketUpdates(ticketId);
    const description = await jobs.describe(workflowId);
    if (!description || description.status.name !== 'RUNNING') return undefined;
    return await call(jobs, () =>
      jobs.client.workflow.getHandle(workflowId).query<TicketUpdatesState>(TICKET_UPDATES_QUERY),
    );
  } catch {
    // no worker to answer the query right now: the ledger still tells what was sent
    return undefined;
  }
}
