import { Connection, type WorkflowExecutionDescription } from '@temporalio/client';
import { serviceUnavailable } from '../../errors';
import type { Logger } from '../../logger';
import type { StartedJob } from './starts';

// Deadlines on every call to Temporal, and what a start that ran out of time means.
// The functions take the gateway as `this`, so their bodies read as they did inside the class.

const CALL_DEADLINE_MS = 5_000;
/** Temporal down: a request learns it within this (then 503) instead of waiting out the call deadline in retries. */
const CONNECT_DEADLINE_MS = 1_500;
const REACHABLE_DEADLINE_MS = 2_000;
/** After an outage the channel tries again at least this often, so jobs start again soon after Temporal is back. */
const MAX_RECONNECT_BACKOFF_MS = 2_000;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

function grpcCodeOf(err: unknown): number | undefined {
  const e = err as { code?: number; cause?: { code?: number } } | undefined;
  return e?.code ?? e?.cause?.code;
}

/**
 * grpc-js names the server in a deadline's details ("remote_addr=…") once the call went out on a connection;
 * without it the call timed out still waiting for one (Temporal down), so the server never saw it.
 */
function reachedServer(err: unknown): boolean {
  const e = err as { details?: string; cause?: { details?: string } } | undefined;
  return /remote_addr=/.test(`${e?.details ?? ''} ${e?.cause?.details ?? ''}`);
}

/** A connection that can say whether it is connected, or connect within a deadline, before a call goes out. */
export class GatewayConnection extends Connection {
  /** Resolves once the channel is connected (at once when it already is); rejects at the deadline. */
  connected(deadline: number): Promise<void> {
    return this.untilReady(deadline);
  }

  /** lazy: the API starts and reports "not ready" while Temporal is down, instead of crashing */
  static lazyTo(address: string): GatewayConnection {
    return GatewayConnection.lazy({ address, channelArgs: { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS } }) as GatewayConnection;
  }
}

export interface DeadlineHost {
  connection: Pick<GatewayConnection, 'withDeadline' | 'connected'>;
  logger: Logger;
  describe(workflowId: string): Promise<WorkflowExecutionDescription | undefined>;
  translate(err: unknown): Error;
}

/**
 * A start that timed out may still have been accepted: the id is deterministic, so ask for it.
 * Found → it started; definitely not found → 503, nothing started; no answer either → 503 that says so.
 */
async function confirmStart(this: DeadlineHost, workflowId: string, timeout: unknown): Promise<StartedJob> {
  let existing: WorkflowExecutionDescription | undefined;
  try {
    existing = await this.describe(workflowId);
  } catch {
    this.logger.warn({ err: timeout, workflowId }, 'Temporal did not answer a start, nor the check after it');
    throw serviceUnavailable(
      `The job system did not answer in time, so it is unknown whether job ${workflowId} started; asking again is safe, it never starts twice.`,
    );
  }
  if (!existing) throw this.translate(timeout);
  this.logger.info({ workflowId, runId: existing.runId }, 'job start timed out, but the job exists: it started');
  return { workflowId, runId: existing.runId, started: true };
}

/**
 * Every call first waits (briefly) for a connected channel: while Temporal is down, the SDK's retries of
 * UNAVAILABLE would otherwise use up the whole call deadline. Not connected in time → UNAVAILABLE, never sent.
 */
async function withDeadline<T>(this: Pick<DeadlineHost, 'connection'>, fn: () => Promise<T>, deadlineMs = CALL_DEADLINE_MS): Promise<T> {
  try {
    await this.connection.connected(Date.now() + CONNECT_DEADLINE_MS);
  } catch (err) {
    throw Object.assign(new Error(`Temporal is unreachable: ${(err as Error).message}`), { code: GRPC_UNAVAILABLE, cause: err });
  }
  return this.connection.withDeadline(Date.now() + deadlineMs, fn);
}

export { CALL_DEADLINE_MS, REACHABLE_DEADLINE_MS, GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE, grpcCodeOf, reachedServer, confirmStart, withDeadline };
