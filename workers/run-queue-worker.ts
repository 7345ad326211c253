import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { loadConfig, temporalAddress, type Config } from '../src/config';
import type { TaskQueueName } from '../src/jobs/contract';
import { createLogger } from '../src/logger';
import { buildActivityDeps, closeActivityDeps } from './activity-deps';
import { createQueueWorker, workflowSource } from './create-worker';
import { runControlledWorker, type ControlledWorker } from './queue-control';
import { createQueueControlsRepository } from '../src/db/repositories/queue-controls';
import { joinFleet, workerIdentity } from './worker-fleet';
import { flushJobMetrics } from '../src/observability/metrics/worker-wiring';
import { installWorkerTelemetry } from '../src/observability/metrics/worker-telemetry';
import { installTracing } from '../src/observability/tracing';

export interface QueueWorkerHooks {
  /** runs once the worker is connected, before it polls (e.g. ensure the cleanup schedule) */
  beforeRun?: (context: { config: Config; deps: ActivityDeps; connection: NativeConnection }) => Promise<void>;
}

/**
 * The body of every worker entry point: one process, one task queue (production), or several queues in one process
 * sharing one Temporal runtime, connection and set of dependencies (`npm start`, like the test system). With several,
 * a queue's graceful restart starts its worker again in the process; with one, the process exits and is started again.
 */
export async function runQueueWorkers(queues: readonly TaskQueueName[], hooks: QueueWorkerHooks = {}): Promise<void> {
  const single = queues.length === 1;
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { component: 'worker', ...(single ? { queue: queues[0] } : {}) }, undefined, {
    pretty: config.logFormat === 'pretty',
  });
  installWorkerTelemetry(config, logger);
  installTracing(single ? `helpdesk-worker-${queues[0]}` : 'helpdesk-worker', { otlpEndpoint: config.tracing.otlpEndpoint });
  const deps = buildActivityDeps(config, logger);
  const connection = await NativeConnection.connect({ address: temporalAddress(config) });
  try {
    await hooks.beforeRun?.({ config, deps, connection });
    const controls = createQueueControlsRepository(deps.db);
    const running = new Map<TaskQueueName, ControlledWorker>();
    let stopping = false;
    // while paused no Worker exists for the runtime's own signal handling to stop
    const stop = () => {
      stopping = true;
      for (const controlled of running.values()) void controlled.stop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);

    const runQueue = async (queue: TaskQueueName): Promise<void> => {
      const queueLogger = single ? logger : logger.child({ queue });
      // pollers and heartbeats share the identity; several queues in one process each need their own
      const identity = single ? workerIdentity() : `${workerIdentity()}:${queue}`;
      for (;;) {
        const controlled = runControlledWorker({
          queue,
          controls,
          logger: queueLogger,
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
        running.set(queue, controlled);
        if (stopping) void controlled.stop();
        // one of N processes of this queue: heartbeat for the overview, /health for the orchestrator (one queue a process)
        const fleet = await joinFleet({ db: deps.db, queue, state: () => controlled.state(), logger: queueLogger, healthPort: single ? config.workers.healthPort : undefined, identity });
        queueLogger.info({ concurrency: config.workers.concurrency[queue], identity }, 'worker started');
        const exit = await controlled.done.finally(() => fleet.stop());
        queueLogger.info({ exit }, exit === 'restart' ? 'worker drained for a graceful restart' : 'worker stopped');
        if (single || exit !== 'restart' || stopping) return;
      }
    };
    await Promise.all(queues.map(runQueue));
  } finally {
    await connection.close();
    await flushJobMetrics(deps.db);
    await closeActivityDeps(deps);
  }
}

/** One process, one task queue. */
export function runQueueWorker(queue: TaskQueueName, hooks: QueueWorkerHooks = {}): Promise<void> {
  return runQueueWorkers([queue], hooks);
}

export function startWorkerProcess(queue: TaskQueueName, hooks?: QueueWorkerHooks): void {
  startWorkersProcess([queue], hooks);
}

export function startWorkersProcess(queues: readonly TaskQueueName[], hooks?: QueueWorkerHooks): void {
  runQueueWorkers(queues, hooks).catch((err: unknown) => {
    console.error(`worker ${queues.join(',')} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
