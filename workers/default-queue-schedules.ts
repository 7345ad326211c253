import type { Config } from '../src/config';
import type { Logger } from '../src/logger';
import { ensureAlertScheduleOnStart } from './alert-schedule';
import { ensureCleanupScheduleOnStart } from './cleanup-schedule';

/** Whichever process runs the default queue keeps its schedules (nightly cleanup, alert check) in line with the config. */
export async function ensureDefaultQueueSchedules(config: Config, logger: Logger): Promise<void> {
  await ensureCleanupScheduleOnStart(config, logger);
  await ensureAlertScheduleOnStart(config, logger);
}
