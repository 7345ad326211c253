import { TASK_QUEUES } from '../src/jobs/contract';
import { ensureCleanupScheduleOnStart } from './cleanup-schedule';
import { startWorkerProcess } from './run-queue-worker';

startWorkerProcess(TASK_QUEUES.default, {
  beforeRun: async ({ config, deps }) => {
    await ensureCleanupScheduleOnStart(config, deps.logger);
  },
});
