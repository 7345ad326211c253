import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createApp } from '../../src/api/app';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from '../../src/api/middleware/rate-limits';
import type { AuthService } from '../../src/auth/auth-service';
import { createAppServices, type AppServices } from '../../src/composition';
import { loadConfig, type Config } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { prepareDatabase } from '../../src/db/prepare';
import type { Repositories } from '../../src/db/repositories';
import { ALERT_SCHEDULE_ID, type TaskQueueName } from '../../src/jobs/contract';
import type { JobsGateway } from '../../src/jobs/gateway';
import { createLogger, type Logger } from '../../src/logger';
import type { ReportStorage } from '../../src/reports/storage';
import { buildActivityDeps } from '../../workers/activity-deps';
import { createQueueWorker } from '../../workers/create-worker';
import { runControlledWorker, type ControlledWorker, type ControlledWorkerState } from '../../workers/queue-control';
import { readTestRunEnv, workerDatabaseUrl, workerNamespace, workerSqliteFile } from './test-env';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The environment a test process (or a spawned worker process) runs with. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const run = readTestRunEnv();
  const databaseUrl = workerDatabaseUrl(run);
  const dataDir = fs.mkdtempSync(path.join(run.tmpDir, 'data-'));
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: run.temporalAddress,
    TEMPORAL_NAMESPACE: workerNamespace(),
    WORKFLOW_BUNDLE_PATH: run.workflowBundlePath,
    APP_URL: 'http://helpdesk.test',
    // every event mailed at once unless a test turns coalescing on
    NOTIFY_COALESCE_SECONDS: '0',
    // the alert-check schedule a spawned default-queue worker process creates fires hourly, not every minute, so its
    // checks stay out of the files that run on this namespace after it
    ALERT_CHECK_INTERVAL_SECONDS: '3600',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { SQLITE_FILE: workerSqliteFile(run) }),
    ...overrides,
  };
}


export interface TestSystem {
  env: Record<string, string>;
  config: Config;
  db: Db;
  repos: Repositories;
  auth: AuthService;
  jobs: JobsGateway;
  storage: ReportStorage;
  /** the services the API runs, from the composition root */
  services: AppServices;
  logger: Logger;
  baseUrl: string;
  workers: Worker[];
  /** the activity dependencies the in-process workers run with */
  activityDeps: ActivityDeps;
  /** graceful restarts done per queue (with queueControl) */
  workerRestarts: Partial<Record<TaskQueueName, number>>;
  /** the queue-controlled worker's state: 'paused' once a pause has drained it */
  workerState(queue: TaskQueueName): ControlledWorkerState | undefined;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** task queues to run an in-process worker for (none by default) */
  queues?: TaskQueueName[];
  env?: Record<string, string>;
  rateLimits?: Partial<RateLimitSettings>;
  /** adjust the real activity dependencies (e.g. point the mailer at a test SMTP receiver) */
  activityDeps?: (deps: ActivityDeps) => ActivityDeps;
  /** start the HTTP API (default true) */
  api?: boolean;
  /** run the workers under the queue control record (pause/resume/restart), relaunching after a restart like the supervisor */
  queueControl?: boolean;
}

/**
 * Removes the alert-check schedule from this namespace on the run's shared dev server, through a connection of its
 * own: the system's gateway (whose address a test may point at a dead port) is left as the test starts it.
 */
async function deleteLeftoverAlertSchedule(namespace: string): Promise<void> {
  const connection = await Connection.connect({ address: readTestRunEnv().temporalAddress });
  try {
    await new Client({ connection, namespace }).schedule.getHandle(ALERT_SCHEDULE_ID).delete().catch(() => undefined);
  } finally {
    await connection.close();
  }
}

/** The real system in-process: database, Temporal client, API on port 0, and workers for the given queues. */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const env = testEnv(options.env);
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, { component: 'test' });
  // creates (when needed) and migrates this jest worker's database
  const { db } = await prepareDatabase(config);
  // the composition root production uses (src/api/server.ts), on the migrated database
  const core = createAppServices(config, logger, { db });
  const { repos, auth, jobs, storage, services } = core;
  // an alert-check schedule that a default worker process spawned by an earlier file left in this namespace would start
  // checks (alert mails, audit entries) inside this file: every file starts without one (a test that wants it makes it)
  await deleteLeftoverAlertSchedule(config.temporal.namespace);

  let server: Server | undefined;
  let baseUrl = '';
  if (options.api !== false) {
    const app = createApp({ ...core, rateLimits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits } });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const baseDeps = buildActivityDeps(config, logger, db);
  const activityDeps = options.activityDeps ? options.activityDeps(baseDeps) : baseDeps;
  const queues = options.queues ?? [];
  const connection = queues.length > 0 ? await NativeConnection.connect({ address: config.temporal.address as string }) : undefined;
  const workers: Worker[] = [];
  const running: Array<Promise<void>> = [];
  const newWorker = (queue: TaskQueueName) =>
    createQueueWorker({
      connection: connection as NativeConnection,
      namespace: config.temporal.namespace,
      queue,
      deps: activityDeps,
      concurrency: config.workers.concurrency[queue],
      workflows: { workflowBundle: { codePath: config.temporal.workflowBundlePath as string } },
    });
  const controlled: ControlledWorker[] = [];
  const workerRestarts: Partial<Record<TaskQueueName, number>> = {};
  const latestControlled: Partial<Record<TaskQueueName, ControlledWorker>> = {};
  let workersStopped = false;
  const supervise = (queue: TaskQueueName): Promise<void> => {
    const worker = runControlledWorker({ queue, controls: repos.queueControls, createWorker: () => newWorker(queue), logger, pollMs: 200 });
    controlled.push(worker);
    latestControlled[queue] = worker;
    return worker.done.then((exit) => {
      if (exit !== 'restart' || workersStopped) return;
      workerRestarts[queue] = (workerRestarts[queue] ?? 0) + 1;
      return supervise(queue);
    });
  };
  for (const queue of queues) {
    if (options.queueControl) {
      running.push(supervise(queue));
      continue;
    }
    const worker = await newWorker(queue);
    workers.push(worker);
    running.push(worker.run());
  }

  async function stopWorkers(): Promise<void> {
    if (workersStopped) return;
    workersStopped = true;
    await Promise.all(controlled.map((worker) => worker.stop()));
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(running);
  }

  return {
    env,
    config,
    db,
    repos,
    auth,
    jobs,
    storage,
    services,
    logger,
    baseUrl,
    workers,
    activityDeps,
    workerRestarts,
    workerState: (queue) => latestControlled[queue]?.state(),
    stopWorkers,
    async stop() {
      await stopWorkers();
      await connection?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await jobs.close();
      await activityDeps.mailer.close();
      if (activityDeps.db !== db) await activityDeps.db.destroy();
      await db.destroy();
    },
  };
}

/** A worker as its own OS process (the production entry point), for kill -9 tests. */
export function spawnWorkerProcess(queue: TaskQueueName, env: Record<string, string>): ChildProcess {
  const entry = path.join(PROJECT_ROOT, 'workers', `${queue}.ts`);
  return spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
