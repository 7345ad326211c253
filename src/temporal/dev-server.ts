import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../jobs/contract';
import type { TemporalCli } from './cli-resolver';

export interface DevServerOptions {
  cli: TemporalCli;
  port: number;
  /** omit for a headless server */
  uiPort?: number;
  /** persist state to this SQLite file; omit for in-memory */
  dbFile?: string;
  namespaces?: string[];
  logFile?: string;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

export interface DevServerProcess extends RunningDevServer {
  /** settles, with how it ended, when the server exits (or, without a child process to watch, stops answering) */
  exited: Promise<string>;
}

/**
 * Eager activity dispatch: a workflow task that schedules a step on its own queue takes the step straight back when its
 * worker has a free activity slot (the SDK asks for it by default), instead of the server queueing it and the worker
 * polling it: one round trip and one matching dispatch less per step, as a Temporal cluster with the same setting does.
 *
 * One partition per task queue: a server splits each queue into 4 by default, so that several matching hosts share a
 * busy queue. The dev server is one process, and there the split only makes a task and the poll waiting for it land on
 * different partitions and be forwarded to the root one. Side by side (BENCH_ONLY=notifications, run after run) a
 * 300-event burst of notifications went from 0.76-0.79x to 0.87x the pooled-nodemailer ceiling; the 2-core bench
 * machine's own noise is about as large. A cluster keeps its own partition settings.
 */
const DYNAMIC_CONFIG_FLAGS = [
  ['system.enableActivityEagerExecution', 'true'],
  ['matching.numTaskqueueReadPartitions', '1'],
  ['matching.numTaskqueueWritePartitions', '1'],
].flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);

const searchAttributeFlags = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);

/** `temporal operator cluster health`: exit 0 and SERVING once the server answers. */
function answersHealth(cliPath: string, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cliPath, ['operator', 'cluster', 'health', '--address', address], { timeout: 5000 }, (err, stdout, stderr) => {
      if (!err && /SERVING/.test(stdout)) resolve();
      else reject(new Error((stderr || stdout || String(err)).trim().split('\n')[0]));
    });
  });
}

/**
 * Waits for the server to answer, asked with the CLI's own health check: a supervisor (`npm start`) need not load the
 * Temporal client (about 25 MB of its memory for as long as the stack runs) for the one question it asks at startup.
 */
async function waitUntilServing(cliPath: string, address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      await answersHealth(cliPath, address);
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs / 1000}s: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts `temporal server start-dev` with our search attributes registered in every namespace. */
export function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  return launchDevServer(options);
}

/** Like startDevServer, and tells when the server ends, so a supervisor can start it again (same port, same state file). */
export async function launchDevServer(options: DevServerOptions): Promise<DevServerProcess> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined;
  if (options.cli.kind === 'sdk-download') return startWithSdkDownload(options, address, uiUrl);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn', ...DYNAMIC_CONFIG_FLAGS];
  args.push(...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']));
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  args.push(...searchAttributeFlags);

  const logFd = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(options.cli.path, args, { stdio: ['ignore', logFd, logFd] });
  if (typeof logFd === 'number') fs.closeSync(logFd);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  try {
    await waitUntilServing(options.cli.path, address, child, 60_000);
  } catch (err) {
    await stopChild(child, 2000);
    throw err;
  }
  return { address, uiUrl, exited, stop: () => stopChild(child) };
}

/** Without a child process of our own to watch: the server counts as gone after three missed checks in a row. */
function watchAnswers(address: string, isStopped: () => boolean, everyMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const client = import('@temporalio/client');
    let missed = 0;
    const check = async () => {
      if (isStopped()) return resolve('stopped');
      try {
        const { Connection } = await client;
        const connection = await Connection.connect({ address, connectTimeout: everyMs });
        try {
          await connection.withDeadline(Date.now() + everyMs, () => connection.workflowService.getSystemInfo({}));
          missed = 0;
        } finally {
          await connection.close();
        }
      } catch {
        missed += 1;
      }
      if (missed >= 3) return resolve('stopped answering');
      setTimeout(() => void check(), everyMs).unref();
    };
    setTimeout(() => void check(), everyMs).unref();
  });
}

async function startWithSdkDownload(options: DevServerOptions, address: string, uiUrl: string | undefined): Promise<DevServerProcess> {
  // only reached on machines where the SDK may download the CLI itself
  const [{ TestWorkflowEnvironment }, { CompanyIdKey, JobTypeKey, RequestedByKey, TicketIdKey }] = await Promise.all([
    import('@temporalio/testing'),
    import('../jobs/search-attributes'),
  ]);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: '127.0.0.1',
      port: options.port,
      ui: Boolean(options.uiPort),
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      extraArgs: (options.namespaces ?? []).flatMap((namespace) => ['--namespace', namespace]),
      searchAttributes: [JobTypeKey, TicketIdKey, CompanyIdKey, RequestedByKey],
    },
  });
  let stopped = false;
  const exited = watchAnswers(address, () => stopped).then(async (how) => {
    if (!stopped) await env.teardown().catch(() => undefined);
    return how;
  });
  return {
    address,
    uiUrl,
    exited,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await env.teardown();
    },
  };
}
