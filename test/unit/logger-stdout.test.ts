import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The production logger writes JSON lines to stdout asynchronously (src/logger.ts). A line must still reach stdout
 * when the process crashes or exits at once after logging it, and an idle process's last line must not wait for more.
 */
const SCRIPT = path.resolve(__dirname, '../support/log-then.ts');

function run(how: string): { lines: () => string[]; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, how], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { lines: () => stdout.split('\n').filter(Boolean), ended, kill: () => child.kill('SIGKILL') };
}

const lastLine = (lines: string[]) => lines.map((line) => JSON.parse(line) as { msg: string; how: string; component: string });

describe('the production logger on stdout', () => {
  it('a line logged just before an uncaught exception is written out before the process dies', async () => {
    const proc = run('crash');
    const { code } = await proc.ended;
    expect(code).not.toBe(0);
    expect(lastLine(proc.lines())).toEqual([expect.objectContaining({ msg: 'the last line before the end', how: 'crash', component: 'log-then' })]);
  }, 60_000);

  it('a line logged just before process.exit is written out', async () => {
    const proc = run('exit');
    const { code } = await proc.ended;
    expect(code).toBe(3);
    expect(lastLine(proc.lines())).toEqual([expect.objectContaining({ msg: 'the last line before the end', how: 'exit' })]);
  }, 60_000);

  it('an idle process writes its last line at once, without waiting for more output', async () => {
    const proc = run('idle');
    try {
      const deadline = Date.now() + 30_000;
      while (proc.lines().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lastLine(proc.lines())).toEqual([expect.objectContaining({ msg: 'the last line before the end', how: 'idle' })]);
    } finally {
      proc.kill();
      await proc.ended;
    }
  }, 60_000);
});
