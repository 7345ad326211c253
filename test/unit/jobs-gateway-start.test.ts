import { WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { JobsGateway } from '../../src/jobs/gateway';
import { toHttpError } from '../../src/api/middleware/error-handler';
import { Unavailable } from '../../src/errors';

/** A start that timed out after it reached the server (grpc-js names it): the server may or may not have recorded it. */
const deadlineExceeded = Object.assign(new Error('deadline exceeded'), { code: 4, details: 'Deadline exceeded after 5.001s,remote_addr=127.0.0.1:7233' });
/** A start that timed out waiting for a connection: it never left the client. */
const neverSent = Object.assign(new Error('deadline exceeded'), { code: 4, details: 'Deadline exceeded after 5.000s,waiting for metadata filters' });

/** The gateway over a stand-in client: start fails as given; describe answers as given; the channel connects unless told. */
function gatewayWhereStartTimesOut(
  describe: () => Promise<unknown>,
  startError: Error = deadlineExceeded,
  start: () => Promise<unknown> = async () => Promise.reject(startError),
  connected: () => Promise<void> = async () => undefined,
) {
  const connection = { connected, withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(), close: async () => undefined };
  const client = {
    workflow: {
      start,
      getHandle: () => ({ describe }),
    },
  };
  const Gateway = JobsGateway as unknown as new (connection: unknown, client: unknown, logger: unknown) => JobsGateway;
  return new Gateway(connection, client, pino({ level: 'silent' }));
}

const start = (gateway: JobsGateway) => gateway.startCleanup({ dryRun: true, requestedBy: 1 });

describe('a job start that times out', () => {
  it('counts as started when the workflow exists after all', async () => {
    const gateway = gatewayWhereStartTimesOut(async () => ({ runId: 'run-1', status: { name: 'RUNNING' } }));
    await expect(start(gateway)).resolves.toMatchObject({ runId: 'run-1', started: true });
  });

  it('is a 503 "nothing was started" when the workflow certainly does not exist', async () => {
    const gateway = gatewayWhereStartTimesOut(async () => Promise.reject(new WorkflowNotFoundError('not found', 'cleanup-x', undefined)));
    const err = (await start(gateway).catch((e: unknown) => e)) as Unavailable;
    expect(err).toBeInstanceOf(Unavailable);
    expect(toHttpError(err)?.status).toBe(503);
    expect(err.message).toMatch(/nothing was started/);
  });

  it('is a 503 "nothing was started", without asking, when it never reached the server', async () => {
    const describe = jest.fn(async () => ({ runId: 'run-1' }));
    const err = (await start(gatewayWhereStartTimesOut(describe, neverSent)).catch((e: unknown) => e)) as Unavailable;
    expect(toHttpError(err)?.status).toBe(503);
    expect(err.message).toMatch(/nothing was started/);
    expect(describe).not.toHaveBeenCalled();
  });

  it('is a 503 that says the outcome is unknown when the check gets no answer either', async () => {
    const gateway = gatewayWhereStartTimesOut(async () => Promise.reject(deadlineExceeded));
    const err = (await start(gateway).catch((e: unknown) => e)) as Unavailable;
    expect(toHttpError(err)?.status).toBe(503);
    expect(err.message).toMatch(/unknown whether job .* started; asking again is safe/);
  });
});

describe('a job start while Temporal cannot be reached', () => {
  it('is a 503 "nothing was started", sent nowhere, as soon as the channel fails to connect', async () => {
    const send = jest.fn(async () => ({ firstExecutionRunId: 'run-1' }));
    const describe = jest.fn(async () => ({ runId: 'run-1' }));
    const notConnected = async () => Promise.reject(new Error('Failed to connect before the deadline'));
    const err = (await start(gatewayWhereStartTimesOut(describe, deadlineExceeded, send, notConnected)).catch((e: unknown) => e)) as Unavailable;
    expect(err).toBeInstanceOf(Unavailable);
    expect(toHttpError(err)?.status).toBe(503);
    expect(toHttpError(err)?.headers['Retry-After']).toMatch(/^\d+$/);
    expect(err.message).toMatch(/nothing was started/);
    expect(send).not.toHaveBeenCalled();
    expect(describe).not.toHaveBeenCalled();
  });
});
