import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ALERT_SCHEDULE_ID, CLEANUP_SCHEDULE_ID } from '../../src/jobs/contract';
import { freePort } from '../support/ports';
import { readTestRunEnv } from '../support/test-env';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const START = path.join(ROOT, 'src', 'cli', 'start.ts');

function descendants(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  const children = out ? out.split('\n').map(Number) : [];
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The `temporal server start-dev` process among the start command's descendants. */
function devServerPid(root: number): number | undefined {
  return descendants(root).find((pid) => /\bserver start-dev\b/.test(commandLine(pid)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the start command', () => {
  it('with DATABASE_URL=nonsense stops at once with one line naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', START], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: 'nonsense' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: Invalid configuration: DATABASE_URL /);
    expect(result.stdout).toBe('');
  });

  it('with an invalid port stops with one line naming PORT', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', START], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: Invalid configuration: PORT /)]);
  });

  it.each(['99 * * * *', '0 0 3 * * *'])('with CLEANUP_CRON=%s stops at once with one line naming it, before starting anything', (cron) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', START], {
      cwd: ROOT,
      env: { ...process.env, CLEANUP_CRON: cron },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: Invalid configuration: CLEANUP_CRON /)]);
    expect(result.stdout).toBe('');
  });

  it('with CLEANUP_CRON=99 * * * * the default worker on its own stops too, naming it, instead of crash-looping on the schedule', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', 'default.ts')], {
      cwd: ROOT,
      env: { ...process.env, CLEANUP_CRON: '99 * * * *', TEMPORAL_ADDRESS: readTestRunEnv().temporalAddress },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Invalid configuration: CLEANUP_CRON /);
  });

  it('brings up the dev server, workers and API; a documented request shows in Temporal with its tags; Ctrl-C leaves no process behind', async () => {
    const run = readTestRunEnv();
    const dataDir = fs.mkdtempSync(path.join(run.tmpDir, 'start-'));
    const [apiPort, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(apiPort),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      LOG_LEVEL: 'warn',
    };
    // what a fresh checkout does: no prebuilt bundle, no external database or Temporal
    delete env.WORKFLOW_BUNDLE_PATH;
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    // its own process group, like a command in a terminal, so Ctrl-C can reach the whole group
    const child = spawn(process.execPath, ['--import', 'tsx', START], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    try {
      await waitFor(async () => output.includes('Help desk jobs are running.'), { timeoutMs: 120_000, what: `npm start to be ready:\n${output}` });
      expect(output).toContain('admin@helpdesk.test');
      expect(output).toContain(`http://127.0.0.1:${uiPort}`);

      // the documented request, as printed
      const api = `http://127.0.0.1:${apiPort}`;
      const login = await fetch(`${api}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@helpdesk.test', password: 'password' }),
      }).then((r) => r.json() as Promise<{ token: string; user: { id: number } }>);
      const started = await fetch(`${api}/api/admin/cleanup/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
        body: JSON.stringify({ dryRun: true }),
      });
      expect(started.status).toBe(202);
      const { workflowId } = (await started.json()) as { workflowId: string };

      const connection = await Connection.connect({ address: `127.0.0.1:${devPort}` });
      try {
        const handle = new Client({ connection }).workflow.getHandle(workflowId);
        await handle.result();
        const description = await handle.describe();
        expect(description.searchAttributes).toMatchObject({ JobType: ['cleanup'], RequestedBy: [login.user.id] });
        // the one worker process runs the default queue, so it keeps that queue's schedules: the nightly cleanup and the alert check
        const schedules = new Client({ connection }).schedule;
        await waitFor(async () => {
          try {
            await Promise.all([CLEANUP_SCHEDULE_ID, ALERT_SCHEDULE_ID].map((id) => schedules.getHandle(id).describe()));
            return true;
          } catch {
            return false;
          }
        }, { timeoutMs: 30_000, what: 'the cleanup and alert-check schedules' });
      } finally {
        await connection.close();
      }
      expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);

      // the dev server dies (kill -9): the supervisor starts it again on its port, from its state file, and jobs run again
      const firstServer = devServerPid(child.pid as number);
      expect(firstServer).toBeDefined();
      process.kill(firstServer as number, 'SIGKILL');
      const startJob = () =>
        fetch(`${api}/api/admin/cleanup/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
          body: JSON.stringify({ dryRun: true }),
        });
      const restarted = await waitFor(
        async () => {
          const response = await startJob();
          return response.status === 202 ? ((await response.json()) as { workflowId: string }) : undefined;
        },
        { timeoutMs: 90_000, what: `a job request to be accepted after the dev server was killed:\n${output}` },
      );
      expect(devServerPid(child.pid as number)).not.toBe(firstServer);
      expect(output).toMatch(/the Temporal dev server exited \(SIGKILL\); starting it again/);
      const reconnected = await Connection.connect({ address: `127.0.0.1:${devPort}` });
      try {
        const client = new Client({ connection: reconnected });
        // the workers run it: they found the server again too
        await waitFor(async () => (await client.workflow.getHandle(restarted.workflowId).describe()).status.name === 'COMPLETED', {
          timeoutMs: 90_000,
          what: 'the job started after the restart to complete',
        });
        // same state file: the run from before the kill is still there
        expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
      } finally {
        await reconnected.close();
      }
    } finally {
      const tree = descendants(child.pid as number);
      const commands = tree.map(commandLine);
      // Ctrl-C in a terminal signals every process of the foreground group at once
      process.kill(-(child.pid as number), 'SIGINT');
      expect(await exited).toBe(0);
      await waitFor(async () => tree.every((pid) => !alive(pid)), { timeoutMs: 20_000, what: 'every child to exit' });
      // asserted after the shutdown, so a failure above never leaves the processes behind
      expect(tree.length).toBeGreaterThanOrEqual(3); // dev server, the one worker process of every queue, API
      expect(commands.filter((line) => /workers\/all-queues\.ts/.test(line))).toHaveLength(1);
    }
    // the dev server persisted its state under DATA_DIR, beside the one workflow bundle the workers shared
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'workflow-bundle.js'))).toBe(true);
  }, 360_000);
});
