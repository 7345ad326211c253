import { temporalAddress, type Config } from '../src/config';
import { JobsGateway } from '../src/jobs/gateway';
import type { Logger } from '../src/logger';

/** Run by the default worker at every start: the nightly cleanup schedule follows CLEANUP_CRON and CLEANUP_CATCHUP_MINUTES. */
export async function ensureCleanupScheduleOnStart(config: Config, logger: Logger): Promise<'created' | 'updated'> {
  const jobs = JobsGateway.create({ address: temporalAddress(config), namespace: config.temporal.namespace, logger });
  try {
    const outcome = await jobs.ensureCleanupSchedule({ cron: config.cleanup.cron, catchupMinutes: config.cleanup.catchupMinutes });
    logger.info({ cron: config.cleanup.cron, outcome }, 'cleanup schedule ensured');
    return outcome;
  } finally {
    await jobs.close();
  }
}
