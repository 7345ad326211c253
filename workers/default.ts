import { JobsGateway } from '../src/jobs/gateway';
import { temporalAddress } from '../src/config';
import { TASK_QUEUES } from '../src/jobs/contract';
import { startWorkerProcess } from './run-queue-worker';

startWorkerProcess(TASK_QUEUES.default, {
  // the nightly cleanup schedule follows CLEANUP_CRON every time this worker starts
  async beforeRun({ config, deps }) {
    const jobs = JobsGateway.create({ address: temporalAddress(config), namespace: config.temporal.namespace, logger: deps.logger });
    try {
      const outcome = await jobs.ensureCleanupSchedule({ cron: config.cleanup.cron });
      deps.logger.info({ cron: config.cleanup.cron, outcome }, 'cleanup schedule ensured');
    } finally {
      await jobs.close();
    }
  },
});
