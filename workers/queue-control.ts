import type { Worker } from '@temporalio/worker';
import type { QueueControlsRepository } from '../src/db/repositories/queue-controls';
import type { TaskQueueName } from '../src/jobs/contract';
import type { Logger } from '../src/logger';

export type ControlledWorkerExit = 'restart' | 'stopped';
export type ControlledWorkerState = 'starting' | 'polling' | 'paused' | 'stopped';

export interface ControlledWorkerOptions {
  queue: TaskQueueName;
  controls: QueueControlsRepository;
  /** builds a fresh Worker on the shared connection; a shut-down Worker cannot run again */
  createWorker: () => Promise<Worker>;
  logger: Logger;
  pollMs?: number;
}

export interface ControlledWorker {
  /** resolves 'restart' when an admin asked for a graceful restart (the caller exits so the supervisor starts it again) */
  done: Promise<ControlledWorkerExit>;
  /** the Worker polling right now, if any */
  current(): Worker | undefined;
  /** 'paused' once a pause has drained the worker (or found it not started), 'polling' once a Worker runs */
  state(): ControlledWorkerState;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a queue's worker under the admin's control record: paused → shut the worker down (running tasks
 * finish, no new ones are taken); resumed → a new Worker polls again; restart requested → drain and return.
 */
export function runControlledWorker(options: ControlledWorkerOptions): ControlledWorker {
  const pollMs = options.pollMs ?? 1000;
  const log = options.logger;
  let stopping = false;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let state: ControlledWorkerState = 'starting';

  async function drain(): Promise<void> {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch((err: unknown) => log.error({ err }, 'worker failed while draining'));
    worker = undefined;
    running = undefined;
  }

  async function loop(): Promise<ControlledWorkerExit> {
    const startGeneration = (await options.controls.get(options.queue)).restartGeneration;
    while (!stopping) {
      const control = await options.controls.get(options.queue).catch((err: unknown) => {
        log.warn({ err }, 'queue control unreadable; keeping the current state');
        return undefined;
      });
      if (control && control.restartGeneration > startGeneration) {
        log.info('graceful restart requested: draining');
        await drain();
        return 'restart';
      }
      if (control?.paused && worker) {
        log.info('queue paused: draining, no new tasks');
        await drain();
        state = 'paused';
      } else if (control?.paused) {
        state = 'paused';
      } else if (control && !worker) {
        worker = await options.createWorker();
        running = worker.run();
        state = 'polling';
        log.info('queue polling');
      }
      // a worker that stopped on its own (SIGTERM via the runtime, or a fatal error) ends the loop
      const stoppedOnItsOwn = running && (await Promise.race([running.then(() => true, () => true), sleep(pollMs).then(() => false)]));
      if (stoppedOnItsOwn) {
        await running;
        return 'stopped';
      }
      if (!running) await sleep(pollMs);
    }
    await drain();
    return 'stopped';
  }

  const done = loop().finally(() => {
    state = 'stopped';
  });
  return {
    done,
    current: () => worker,
    state: () => state,
    async stop() {
      stopping = true;
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
    },
  };
}
