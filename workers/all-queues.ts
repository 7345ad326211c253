import { ALL_TASK_QUEUES } from '../src/jobs/contract';
import { ensureDefaultQueueSchedules } from './default-queue-schedules';
import { startWorkersProcess } from './run-queue-worker';

// `npm start`: every queue's worker in one process (one Temporal runtime, one set of modules); production runs
// workers/<queue>.ts, one process per queue. It runs the default queue, so it keeps that queue's schedules
// (nightly cleanup, alert check) as default.ts does.
startWorkersProcess(ALL_TASK_QUEUES, {
  beforeRun: ({ config, deps }) => ensureDefaultQueueSchedules(config, deps.logger),
});
