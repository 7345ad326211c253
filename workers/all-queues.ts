import { ALL_TASK_QUEUES } from '../src/jobs/contract';
import { ensureCleanupScheduleOnStart } from './cleanup-schedule';
import { startWorkersProcess } from './run-queue-worker';

// `npm start`: every queue's worker in one process (one Temporal runtime, one set of modules); production runs
// workers/<queue>.ts, one process per queue. It runs the default queue, so it keeps the cleanup schedule as default.ts does.
startWorkersProcess(ALL_TASK_QUEUES, {
  beforeRun: async ({ config, deps }) => {
    await ensureCleanupScheduleOnStart(config, deps.logger);
  },
});
