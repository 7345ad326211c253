import { TASK_QUEUES } from '../src/jobs/contract';
import { ensureAlertScheduleOnStart } from './alert-schedule';
import { ensureCleanupScheduleOnStart } from './cleanup-schedule';
import { startWorkerProcess } from './run-queue-worker';

// the default queue runs the nightly cleanup and the alert check; this process keeps both schedules in line with the config
startWorkerProcess(TASK_QUEUES.default, {
  beforeRun: async ({ config, deps }) => {
    await ensureCleanupScheduleOnStart(config, deps.logger);
    await ensureAlertScheduleOnStart(config, deps.logger);
  },
});
