import { spawn, type ChildProcess } from 'node:child_process';

/**
 * How `npm start` runs its TypeScript children: tsx's CommonJS hook only (the project is CommonJS; `--import tsx` adds
 * an ESM loader thread per process), and a small young generation (V8's default lets each idle process keep tens of MB
 * of nursery it no longer uses). Together they take about a quarter off each process's resident memory.
 */
export const TYPESCRIPT_NODE_ARGS = ['--max-semi-space-size=2', '--require', require.resolve('tsx/cjs')];

export interface SupervisedProcess {
  name: string;
  entry: string;
}

/** A long-lived service the supervisor launches itself (the Temporal dev server): running once `launch` resolves. */
export interface SupervisedService {
  /** settles when the service ends on its own */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * How long to wait before starting a crashed process again: 1 s, doubling up to 30 s while it keeps dying,
 * back to 1 s once a run lasted a minute.
 */
export class RestartBackoff {
  private failures = 0;

  constructor(
    private readonly firstMs = 1000,
    private readonly maxMs = 30_000,
    private readonly healthyAfterMs = 60_000,
  ) {}

  /** The pause before the next start, given how long the last run lasted. */
  next(ranForMs: number): number {
    if (ranForMs >= this.healthyAfterMs) this.failures = 0;
    const delay = Math.min(this.maxMs, this.firstMs * 2 ** this.failures);
    this.failures += 1;
    return delay;
  }
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Runs each child until shutdown: a child that exits on its own (a graceful restart, or a crash)
 * is started again, at once after a graceful exit, after a growing pause while it keeps crashing.
 * The Temporal dev server is supervised the same way (superviseService).
 */
export class ChildProcessSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  start(processes: SupervisedProcess[]): void {
    for (const p of processes) this.launch(p, new RestartBackoff(2000));
  }

  /**
   * Launches the service (a failure to start the first time is thrown), then starts it again, with backoff,
   * whenever it ends, until `stop()` on the returned handle or stopAll().
   */
  async superviseService(name: string, launch: () => Promise<SupervisedService>): Promise<{ stop(): Promise<void> }> {
    let current: SupervisedService | undefined = await launch();
    let stopped = false;
    const backoff = new RestartBackoff();
    const watch = (service: SupervisedService, startedAt: number) => {
      void service.exited.then((how) => {
        if (current !== service || stopped || this.stopping) return;
        current = undefined;
        const delay = backoff.next(Date.now() - startedAt);
        this.log(`${name} exited (${how}); starting it again in ${seconds(delay)}`);
        this.later(delay, relaunch);
      });
    };
    let launching: Promise<void> | undefined;
    const relaunch = () => {
      launching = relaunchOnce().finally(() => (launching = undefined));
    };
    const relaunchOnce = async () => {
      if (stopped || this.stopping) return;
      const startedAt = Date.now();
      try {
        const service = await launch();
        if (stopped || this.stopping) return void (await service.stop());
        current = service;
        this.log(`${name} is running again`);
        watch(service, startedAt);
      } catch (err) {
        if (stopped || this.stopping) return;
        const delay = backoff.next(Date.now() - startedAt);
        this.log(`${name} did not start (${err instanceof Error ? err.message : String(err)}); trying again in ${seconds(delay)}`);
        this.later(delay, relaunch);
      }
    };
    watch(current, Date.now());
    return {
      stop: async () => {
        stopped = true;
        // a start under way finishes first, then stops: no server is left behind
        await launching;
        const service = current;
        current = undefined;
        await service?.stop();
      },
    };
  }

  private later(delayMs: number, fn: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, delayMs);
    this.timers.add(timer);
  }

  private launch(p: SupervisedProcess, backoff: RestartBackoff): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, p.entry], { env: this.env, stdio: ['ignore', 'inherit', 'inherit'] });
    this.children.set(p.name, child);
    child.once('exit', (code, signal) => {
      this.children.delete(p.name);
      if (this.stopping) return;
      const delay = code === 0 ? 0 : backoff.next(Date.now() - startedAt);
      this.log(`${p.name} exited (${signal ?? `code ${code}`}); starting it again${delay ? ` in ${seconds(delay)}` : ''}`);
      this.later(delay, () => {
        if (!this.stopping) this.launch(p, backoff);
      });
    });
  }

  /** Stops every child (SIGTERM, SIGKILL after the grace period) and every pending restart; services stop through their handle. */
  async stopAll(graceMs = 35_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
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
