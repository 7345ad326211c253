import { createCleanupActivities } from './cleanup';
import { createDeadLetterActivities } from './dead-letter';
import type { ActivityDeps } from './deps';
import { createNotificationActivities } from './notifications';
import { createReportActivities } from './reports';

export type { ActivityDeps } from './deps';

/** Every activity of the built-in job types (workflows import the type; workers register per queue from the job registry). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeadLetterActivities(deps),
    ...createCleanupActivities(deps),
    ...createNotificationActivities(deps),
    ...createReportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
