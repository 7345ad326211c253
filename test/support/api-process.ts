import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports';
import { waitFor } from './wait';

const SERVER = path.resolve(__dirname, '..', '..', 'src', 'api', 'server.ts');

export interface ApiProcess {
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The production API entry point (src/api/server.ts) as its own process, on a free port, once it answers /health. */
export async function spawnApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: { ...process.env, ...env, PORT: String(port), API_HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the API process exited with code ${child.exitCode}`);
        return (await fetch(`${baseUrl}/health`)).ok;
      },
      { timeoutMs: 30_000, what: 'the API process to answer /health' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, child, stop };
}
