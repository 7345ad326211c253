import { temporalAddress, type Config } from '../src/config';
import { JobsGateway } from '../src/jobs/gateway';
import type { Logger } from '../src/logger';

/** Run by the default worker at every start, beside the cleanup schedule: the alert check follows ALERT_CHECK_INTERVAL_SECONDS. */
export async function ensureAlertScheduleOnStart(config: Config, logger: Logger): Promise<'created' | 'updated'> {
  const jobs = JobsGateway.create({ address: temporalAddress(config), namespace: config.temporal.namespace, logger });
  try {
    const outcome = await jobs.ensureAlertSchedule({ intervalSeconds: config.alerts.checkIntervalSeconds });
    logger.info({ intervalSeconds: config.alerts.checkIntervalSeconds, outcome }, 'alert schedule ensured');
    return outcome;
  } finally {
    await jobs.close();
  }
}
