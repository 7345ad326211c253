import { createCleanupActivities } from './cleanup';
import type { ActivityDeps } from './deps';
import { createNotificationActivities } from './notifications';
import { createReportActivities } from './reports';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCleanupActivities(deps),
    ...createNotificationActivities(deps),
    ...createReportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
