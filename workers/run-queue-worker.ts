import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { loadConfig, temporalAddress, type Config } from '../src/config';
import type { TaskQueueName } from '../src/jobs/contract';
import { createLogger } from '../src/logger';
import { buildActivityDeps, closeActivityDeps } from './activity-deps';
import { createQueueWorker, workflowSource } from './create-worker';
import { runControlledWorker } from './queue-control';
import { createQueueControlsRepository } from '../src/db/repositories/queue-controls';
import { joinFleet, workerIdentity } from './worker-fleet';
import { flushJobMetrics } from '../src/observability/metrics/worker-wiring';
import { installWorkerTelemetry } from '../src/observability/metrics/worker-telemetry';
import { installTracing } from '../src/observability/tracing';

export interface QueueWorkerHooks {
  /** runs once the worker is connected, before it polls (e.g. ensure the cleanup schedule) */
  beforeRun?: (context: { config: Config; deps: ActivityDeps; connection: NativeConnection }) => Promise<void>;
}

/** The body of every worker entry point: one process, one task queue. */
export async function runQueueWorker(queue: TaskQueueName, hooks: QueueWorkerHooks = {}): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { component: 'worker', queue }, undefined, { pretty: config.logFormat === 'pretty' });
  installWorkerTelemetry(config, logger);
  installTracing(`helpdesk-worker-${queue}`, { otlpEndpoint: config.tracing.otlpEndpoint });
  const deps = buildActivityDeps(config, logger);
  const connection = await NativeConnection.connect({ address: temporalAddress(config) });
  try {
    await hooks.beforeRun?.({ config, deps, connection });
    const identity = workerIdentity();
    const controlled = runControlledWorker({
      queue,
      controls: createQueueControlsRepository(deps.db),
      logger,
      createWorker: () =>
        createQueueWorker({
          identity,
          connection,
          namespace: config.temporal.namespace,
          queue,
          deps,
          concurrency: config.workers.concurrency[queue],
          workflows: workflowSource(config),
        }),
    });
    // while paused no Worker exists for the runtime's own signal handling to stop
    const stop = () => void controlled.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // one of N processes of this queue: heartbeat for the overview, /health for the orchestrator
    const fleet = await joinFleet({ db: deps.db, queue, state: () => controlled.state(), logger, healthPort: config.workers.healthPort, identity });
    logger.info({ concurrency: config.workers.concurrency[queue], identity }, 'worker started');
    const exit = await controlled.done.finally(() => fleet.stop());
    logger.info({ exit }, exit === 'restart' ? 'worker drained for a graceful restart' : 'worker stopped');
  } finally {
    await connection.close();
    await flushJobMetrics(deps.db);
    await closeActivityDeps(deps);
  }
}

export function startWorkerProcess(queue: TaskQueueName, hooks?: QueueWorkerHooks): void {
  runQueueWorker(queue, hooks).catch((err: unknown) => {
    console.error(`worker ${queue} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
