/**
 * The real notification stack for the notifications suite: a Temporal dev server from the project's resolver, the
 * notifications worker and the API as their own processes (the production entry points), and an SMTP receiver
 * that accepts every message at once and notes when it arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SMTPServer } from 'smtp-server';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/observability/metrics/worker-wiring';
import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { freePort, productionNodeOptions, type AppService } from './bench-stack';

export { freePort };

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');


export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function startTemporal(workDir: string): Promise<RunningDevServer> {
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, log: () => undefined });
  return startDevServer({ cli, port: await freePort(), namespaces: ['default'], logFile: path.join(workDir, 'temporal.log') });
}

/** The workflow bundle production workers load (with the metrics interceptors, as `npm run build` writes it). */
export async function writeWorkflowBundle(file: string): Promise<string> {
  const silent = () => undefined;
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { log: silent, trace: silent, debug: silent, info: silent, warn: silent, error: (message: string) => console.error(message) },
  });
  fs.writeFileSync(file, bundle.code);
  return file;
}

export interface NodeProcess {
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * A project entry point (`workers/notifications.ts`, `src/api/server.ts`) as its own process, as the image runs it:
 * its compiled file in dist/ (built by ensureProductionBuild) with its compose service's NODE_OPTIONS; output into a log file.
 */
export function spawnEntry(entry: string, service: AppService, env: Record<string, string>, logFile: string): NodeProcess {
  const out = fs.openSync(logFile, 'a');
  const compiled = path.join(PROJECT_ROOT, 'dist', entry.replace(/\.ts$/, '.js'));
  const child = spawn(process.execPath, [compiled], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_OPTIONS: productionNodeOptions(service), ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Waits for an HTTP endpoint of a spawned process to answer 200, failing early (with its log) if the process exits. */
export async function waitForHttp(url: string, proc: NodeProcess, what: string, timeoutMs = 90_000): Promise<void> {
  try {
    await waitUntil(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${what} exited with code ${proc.child.exitCode}`);
        return (await fetch(url)).ok;
      },
      what,
      timeoutMs,
      200,
    );
  } catch (err) {
    const log = fs.existsSync(proc.logFile) ? fs.readFileSync(proc.logFile, 'utf8').slice(-3000) : '';
    throw new Error(`${(err as Error).message}\n${log}`);
  }
}

export interface Arrival {
  messageId: string;
  at: number;
}

export interface FastReceiver {
  port: number;
  url: string;
  /** arrivals whose Message-ID contains `tag` */
  arrivals(tag: string): Arrival[];
  /** resolves once `count` messages tagged `tag` arrived (or rejects after the timeout) */
  waitFor(tag: string, count: number, timeoutMs: number): Promise<Arrival[]>;
  close(): Promise<void>;
}

const MESSAGE_ID = /^message-id:\s*<([^>\r\n]+)>/im;
/** the run tag every bench Message-ID carries (`bm<run>-…`) */
const TAG = /(bm[a-z0-9]+)-/;

/**
 * An SMTP receiver that accepts every message as soon as its data ends (no parsing beyond the Message-ID header),
 * so what is measured is the sender, not the receiver.
 */
export async function startFastReceiver(): Promise<FastReceiver> {
  const byTag = new Map<string, Arrival[]>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const messageId = MESSAGE_ID.exec(head)?.[1] ?? '';
        const tag = TAG.exec(messageId)?.[1] ?? '';
        const list = byTag.get(tag) ?? [];
        list.push({ messageId, at: performance.now() });
        byTag.set(tag, list);
        for (const wake of waiters) wake();
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    arrivals: (tag) => byTag.get(tag) ?? [],
    waitFor(tag, count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const list = byTag.get(tag) ?? [];
          if (list.length < count) return;
          done();
          resolve(list);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`only ${(byTag.get(tag) ?? []).length} of ${count} mails tagged ${tag} arrived within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The pid of the dev server listening on `address` (its CLI child), found by its command line; undefined when not found. */
export function devServerPid(address: string): number | undefined {
  const port = address.split(':').at(-1);
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes('start-dev') && cmdline[cmdline.indexOf('--port') + 1] === port) return Number(entry);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
