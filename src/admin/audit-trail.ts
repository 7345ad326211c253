import type { Repositories } from '../db/repositories';

export interface AdminAction {
  userId: number;
  /** recorded as `admin.<verb>` */
  verb: string;
  subjectType: string;
  subjectId: string | number;
  properties?: Record<string, unknown>;
}

/** Every admin action leaves one activity-log entry: who, what, on which target, when. */
export function recordAdminAction(repos: Repositories, action: AdminAction): Promise<void> {
  return repos.activityLogs.record({
    userId: action.userId,
    action: `admin.${action.verb}`,
    subjectType: action.subjectType,
    subjectId: action.subjectId,
    properties: action.properties,
  });
}

export function createAuditService(repos: Repositories) {
  return {
    /** Newest first; `nextBeforeId` fetches the following page. */
    async list(filter: { action?: string; userId?: number; limit: number; beforeId?: number }) {
      const entries = await repos.activityLogs.list(filter);
      return {
        entries: entries.map((e) => ({
          id: e.id,
          userId: e.userId,
          action: e.action,
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          properties: e.properties,
          createdAt: e.createdAt.toISOString(),
        })),
        nextBeforeId: entries.length === filter.limit ? entries[entries.length - 1].id : null,
      };
    },
  };
}
