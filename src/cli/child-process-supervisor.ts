import { spawn, type ChildProcess } from 'node:child_process';

export interface SupervisedProcess {
  name: string;
  entry: string;
}

/**
 * Runs each child until shutdown: a child that exits on its own (a graceful restart, or a crash)
 * is started again, after a short pause if it crashed.
 */
export class ChildProcessSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  start(processes: SupervisedProcess[]): void {
    for (const p of processes) this.launch(p);
  }

  private launch(p: SupervisedProcess): void {
    const child = spawn(process.execPath, ['--import', 'tsx', p.entry], { env: this.env, stdio: ['ignore', 'inherit', 'inherit'] });
    this.children.set(p.name, child);
    child.once('exit', (code, signal) => {
      this.children.delete(p.name);
      if (this.stopping) return;
      const crashed = code !== 0;
      this.log(`${p.name} exited (${signal ?? `code ${code}`}); starting it again${crashed ? ' in 2 s' : ''}`);
      setTimeout(() => {
        if (!this.stopping) this.launch(p);
      }, crashed ? 2000 : 0);
    });
  }

  async stopAll(graceMs = 35_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.entries()].map(
        ([name, child]) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => {
              this.log(`${name} did not stop in time; killing it`);
              child.kill('SIGKILL');
            }, graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
