import fs from 'node:fs';
import path from 'node:path';
import { ALL_TASK_QUEUES, type TaskQueueName } from '../../src/jobs/contract';
import {
  benchDatabase,
  benchDevServer,
  databaseEnv,
  ensureProductionBuild,
  envWith,
  freePort,
  productionNodeOptions,
  projectPath,
  startProjectProcess,
  waitUntil,
} from '../lib/bench-stack';
import { totalRssMb, treeRss, type ProcessRss } from '../lib/process-tree';
import { goalWithinLimit, median, type BenchContext, type BenchSuite, type GoalResult } from '../lib/suite';

const STACK_LIMIT_MB = 700;
const WORKER_LIMIT_MB = 150;
/**
 * How long a process is left alone after it is ready, before its memory is read. Startup grows V8's young generation
 * (up to 2 x --max-semi-space-size: 32 MB in the reports worker and the API) and V8's memory reducer gives it back
 * once the process has stayed idle a while: four production reports workers side by side read 158-162 MB 10 s after
 * their start, 127-159 MB at 40 s and 128-130 MB at 60 s and 90 s. Idle is the state a worker stays in, not the
 * tail of its startup; the reading 10 s after the start goes into the notes beside it.
 */
const SETTLE_MS = 60_000;
const JUST_STARTED_MS = 10_000;
const READING_EVERY_MS = 2_000;

/** `readings` reads of the tree's total RSS, READING_EVERY_MS apart; the processes of the last one for the notes. */
async function readTree(pid: number, readings: number): Promise<{ totals: number[]; last: ProcessRss[] }> {
  const totals: number[] = [];
  let last: ProcessRss[] = [];
  for (let i = 0; i < readings; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, READING_EVERY_MS));
    last = treeRss(pid);
    totals.push(totalRssMb(last));
  }
  return { totals, last };
}

const shortCommand = (command: string) =>
  command
    .replace(/\/\S*\/(node|temporal|esbuild)\b/g, '$1')
    .replace(/--require \S+ /g, '')
    .replace(new RegExp(`${projectPath()}/`, 'g'), '')
    .slice(0, 90);

const describeTree = (processes: ProcessRss[]) => processes.map((p) => `${p.rssMb.toFixed(0)} MB ${shortCommand(p.command)}`).join('; ');

/** The idle `npm start` stack on a fresh data directory (SQLite, its own dev server), as the README runs it. */
async function idleStack(ctx: BenchContext, readings: number): Promise<{ totals: number[]; last: ProcessRss[] }> {
  const dataDir = path.join(ctx.workDir, 'npm-start');
  fs.mkdirSync(dataDir, { recursive: true });
  const [apiPort, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const stack = startProjectProcess(
    'npm',
    ['start'],
    envWith({
      DATA_DIR: dataDir,
      PORT: String(apiPort),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      // what a fresh checkout does: no prebuilt bundle, no external database or Temporal
      DATABASE_URL: undefined,
      SQLITE_FILE: undefined,
      WORKFLOW_BUNDLE_PATH: undefined,
      TEMPORAL_ADDRESS: undefined,
      NODE_ENV: undefined,
    }),
    path.join(ctx.workDir, 'npm-start.log'),
  );
  try {
    await waitUntil('npm start did not say it was running', () => stack.output().includes('Help desk jobs are running.'), 180_000, () => stack.output());
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return await readTree(stack.child.pid as number, readings);
  } finally {
    await stack.stop();
  }
}

/** Each queue's production worker (`node dist/workers/<queue>.js`, NODE_ENV=production, its compose service's NODE_OPTIONS), idle, at the same time. */
interface IdleWorker {
  totals: number[];
  last: ProcessRss[];
  /** its RSS JUST_STARTED_MS after it said it started */
  justStartedMb: number;
}

async function idleProductionWorkers(ctx: BenchContext, readings: number): Promise<Record<TaskQueueName, IdleWorker>> {
  ensureProductionBuild(ctx.log);
  const server = await benchDevServer();
  const db = await benchDatabase(ctx);
  await db.destroy();
  const workers = ALL_TASK_QUEUES.map((queue) => ({
    queue,
    process: startProjectProcess(
      process.execPath,
      [projectPath('dist', 'workers', `${queue}.js`)],
      envWith({
        ...databaseEnv(ctx),
        NODE_ENV: 'production',
        NODE_OPTIONS: productionNodeOptions(`worker-${queue}`),
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        WORKFLOW_BUNDLE_PATH: projectPath('dist', 'workflow-bundle.js'),
        UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef',
        REPORTS_DIR: path.join(ctx.workDir, 'reports'),
        LOG_LEVEL: 'info',
        WORKER_HEALTH_PORT: undefined,
        WORKER_METRICS_PORT: undefined,
        OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      }),
      path.join(ctx.workDir, `worker-${queue}.log`),
    ),
  }));
  try {
    for (const { queue, process: worker } of workers) {
      await waitUntil(`the ${queue} worker did not start`, () => worker.output().includes('worker started'), 90_000, () => worker.output());
    }
    await new Promise((resolve) => setTimeout(resolve, JUST_STARTED_MS));
    const justStarted = Object.fromEntries(workers.map(({ queue, process: worker }) => [queue, totalRssMb(treeRss(worker.child.pid as number))]));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS - JUST_STARTED_MS));
    const result = {} as Record<TaskQueueName, IdleWorker>;
    for (const { queue, process: worker } of workers) result[queue] = { ...(await readTree(worker.child.pid as number, readings)), justStartedMb: justStarted[queue] };
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.process.stop()));
    await server.stop();
  }
}

/**
 * Memory: RSS of every process of the idle `npm start` tree (npm, the start command, the Temporal dev server, the
 * workers, the API), read from /proc after it is ready and left alone; and of each queue's production worker. Each
 * goal is the median of `pairs` readings two seconds apart, against its limit (no baseline: an absolute bound).
 */
const memorySuite: BenchSuite = {
  name: 'memory',
  async run(ctx: BenchContext): Promise<GoalResult[]> {
    const readings = Math.max(ctx.pairs, 5);
    const stack = await idleStack(ctx, readings);
    ctx.log(`memory: idle npm start ${median(stack.totals).toFixed(0)} MB: ${describeTree(stack.last)}`);
    const workers = await idleProductionWorkers(ctx, readings);
    const byQueue = ALL_TASK_QUEUES.map((queue) => ({ queue, mb: median(workers[queue].totals), justStartedMb: workers[queue].justStartedMb }));
    const describeQueue = ({ queue, mb, justStartedMb }: (typeof byQueue)[number]) =>
      `${queue} ${mb.toFixed(0)} MB (${justStartedMb.toFixed(0)} MB ${JUST_STARTED_MS / 1000} s after its start)`;
    for (const entry of byQueue) ctx.log(`memory: production ${describeQueue(entry)}: ${describeTree(workers[entry.queue].last)}`);
    const largest = byQueue.reduce((a, b) => (b.mb > a.mb ? b : a));
    return [
      goalWithinLimit({
        id: 'memory.idle-stack',
        title: 'idle npm start stack, RSS of every process',
        unit: 'MB',
        values: stack.totals,
        limit: STACK_LIMIT_MB,
        notes: describeTree(stack.last),
      }),
      goalWithinLimit({
        id: 'memory.production-worker',
        title: `idle production worker, RSS (the largest queue: ${largest.queue})`,
        unit: 'MB',
        values: workers[largest.queue].totals,
        limit: WORKER_LIMIT_MB,
        notes: `read after ${SETTLE_MS / 1000} s idle: ${byQueue.map(describeQueue).join(', ')}`,
      }),
    ];
  },
};

export default memorySuite;
