import { TASK_QUEUES } from '../src/jobs/contract';
import { ensureDefaultQueueSchedules } from './default-queue-schedules';
import { startWorkerProcess } from './run-queue-worker';

// the default queue runs the nightly cleanup and the alert check; this process keeps both schedules in line with the config
startWorkerProcess(TASK_QUEUES.default, {
  beforeRun: ({ config, deps }) => ensureDefaultQueueSchedules(config, deps.logger),
});
