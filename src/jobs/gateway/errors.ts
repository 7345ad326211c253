import { serviceUnavailable } from '../../errors';
import type { Logger } from '../../logger';
import { GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE, grpcCodeOf } from './deadline';

/** Temporal down or not answering becomes a 503 that says nothing was started; anything else passes as it is. */
function translate(this: { logger: Logger }, err: unknown): Error {
  const name = (err as { name?: string })?.name;
  const grpcCode = grpcCodeOf(err);
  // UNAVAILABLE, DEADLINE_EXCEEDED: the server is down or not answering
  if (grpcCode === GRPC_UNAVAILABLE || grpcCode === GRPC_DEADLINE_EXCEEDED || name === 'TransportError' || name === 'ConnectionError') {
    this.logger.warn({ err }, 'Temporal is unreachable');
    return serviceUnavailable('The job system is unavailable right now; nothing was started. Please try again shortly.');
  }
  return err as Error;
}

export { translate };
