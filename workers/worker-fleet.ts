import http, { type Server } from 'node:http';
import os from 'node:os';
import type { Db } from '../src/db/knex';
import { createWorkerHeartbeatsRepository } from '../src/db/repositories/worker-heartbeats';
import type { TaskQueueName } from '../src/jobs/contract';
import type { Logger } from '../src/logger';
import type { ControlledWorkerState } from './queue-control';

/** How often a worker process says it is alive, and how old a heartbeat may be before the overview drops it. */
export const HEARTBEAT_INTERVAL_MS = 3_000;
export const HEARTBEAT_STALE_MS = 10_000;

/** The identity Temporal shows for this process's pollers (the SDK's default): pid@host. */
export function workerIdentity(): string {
  return `${process.pid}@${os.hostname()}`;
}

export interface FleetMembership {
  /** the last heartbeat write succeeded (the database is reachable) */
  healthy(): boolean;
  stop(): Promise<void>;
}

/**
 * One worker process among N of its queue: a heartbeat row (identity, state) every few seconds, marked
 * stopped when the process exits, and optionally GET /health on WORKER_HEALTH_PORT for the orchestrator.
 */
export async function joinFleet(options: {
  db: Db;
  queue: TaskQueueName;
  state: () => ControlledWorkerState;
  logger: Logger;
  healthPort?: number;
  identity?: string;
}): Promise<FleetMembership & { healthServer?: Server }> {
  const heartbeats = createWorkerHeartbeatsRepository(options.db);
  const identity = options.identity ?? workerIdentity();
  const startedAt = new Date();
  let lastOk = 0;
  let beats = 0;
  const beat = async () => {
    try {
      await heartbeats.beat({ identity, queue: options.queue, state: options.state(), startedAt });
      lastOk = Date.now();
      if (++beats % 200 === 0) await heartbeats.prune(new Date(Date.now() - 86_400_000));
    } catch (err) {
      options.logger.warn({ err }, 'worker heartbeat not written');
    }
  };
  await beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_INTERVAL_MS);
  timer.unref();
  const healthy = () => Date.now() - lastOk < HEARTBEAT_STALE_MS;

  let healthServer: Server | undefined;
  if (options.healthPort !== undefined) {
    healthServer = http.createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/health') {
        res.writeHead(404).end();
        return;
      }
      const state = options.state();
      // paused by an admin is a healthy state: the orchestrator must not restart it
      const ok = healthy() && (state === 'polling' || state === 'paused');
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', queue: options.queue, identity, state, database: healthy() }));
    });
    const server = healthServer;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.healthPort, () => resolve());
    });
    options.logger.info({ port: options.healthPort }, 'worker health endpoint listening');
  }

  return {
    healthy,
    healthServer,
    async stop() {
      clearInterval(timer);
      healthServer?.close();
      await heartbeats.stopped(identity).catch(() => undefined);
    },
  };
}
