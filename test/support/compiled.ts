import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';
import { readTestRunEnv } from './test-env';
import { waitFor } from './wait';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const COMPILED_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
const TEST_UNSUBSCRIBE_SECRET = 'compiled-processes-unsubscribe-secret-0123456789';

/**
 * `npm run build` (tsc to dist/, the pages' assets, the prebuilt workflow bundle), as the Dockerfile runs it:
 * once per test run, whichever jest worker asks first (the others wait), so no file rebuilds dist/ under
 * processes another file runs from it.
 */
export async function buildForProduction(): Promise<void> {
  const run = readTestRunEnv();
  const done = path.join(run.tmpDir, 'production-build.done');
  const lock = path.join(run.tmpDir, 'production-build.lock');
  for (;;) {
    if (fs.existsSync(done)) return;
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    if (fs.existsSync(done)) return;
    const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
    if (!fs.existsSync(COMPILED_BUNDLE)) throw new Error('npm run build wrote no dist/workflow-bundle.js');
    fs.writeFileSync(done, new Date().toISOString());
  } finally {
    fs.rmdirSync(lock);
  }
}

export interface CompiledProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  /** SIGTERM and wait; SIGKILL after 20 s */
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** A production entry point from dist/, run by plain node (no tsx, no loader flags), with NODE_ENV=production. */
export function runCompiled(entry: string, env: Record<string, string>): CompiledProcess {
  const file = path.join(PROJECT_ROOT, 'dist', entry);
  if (!file.endsWith('.js')) throw new Error(`not a compiled entry point: ${entry}`);
  const child = spawn(process.execPath, [file], {
    cwd: PROJECT_ROOT,
    // production requires the unsubscribe-link secret: every process of a deployment shares one
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', UNSUBSCRIBE_SECRET: TEST_UNSUBSCRIBE_SECRET, ...env, NODE_ENV: 'production', NODE_OPTIONS: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid as number,
    exited,
    async stop() {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function runCompiledApi(env: Record<string, string>): Promise<CompiledProcess & { baseUrl: string; port: number }> {
  const port = await freePort();
  const api = runCompiled('src/api/server.js', { ...env, PORT: String(port), API_HOST: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (api.child.exitCode !== null) throw new Error(`the compiled API exited with code ${api.child.exitCode}`);
      return (await fetch(`${baseUrl}/ready`)).ok;
    },
    { timeoutMs: 30_000, what: 'the compiled API to be ready' },
  );
  return { ...api, baseUrl, port };
}

export async function runCompiledWorker(queue: string, env: Record<string, string>): Promise<CompiledProcess & { healthUrl: string }> {
  const port = await freePort();
  const worker = runCompiled(`workers/${queue}.js`, { ...env, WORKFLOW_BUNDLE_PATH: COMPILED_BUNDLE, WORKER_HEALTH_PORT: String(port) });
  const healthUrl = `http://127.0.0.1:${port}/health`;
  await waitFor(
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`the compiled ${queue} worker exited with code ${worker.child.exitCode}`);
      return (await fetch(healthUrl)).ok;
    },
    { timeoutMs: 60_000, what: `the compiled ${queue} worker to be healthy` },
  );
  return { ...worker, healthUrl };
}
