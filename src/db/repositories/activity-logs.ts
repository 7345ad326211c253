import type { Db } from '../knex';
import { parseJson, toDate } from '../normalize';

export interface ActivityLogEntry {
  id: number;
  userId: number | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  properties: Record<string, unknown>;
  createdAt: Date;
}

export interface NewActivityLogEntry {
  userId: number | null;
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  properties?: Record<string, unknown>;
}

export function createActivityLogsRepository(db: Db) {
  return {
    async record(entry: NewActivityLogEntry, at: Date = new Date()): Promise<void> {
      await db('activity_logs').insert({
        user_id: entry.userId,
        action: entry.action,
        subject_type: entry.subjectType ?? null,
        subject_id: entry.subjectId === undefined ? null : String(entry.subjectId),
        properties: entry.properties ? JSON.stringify(entry.properties) : null,
        created_at: at,
      });
    },
    async list(filter: { action?: string; userId?: number; limit: number; beforeId?: number }): Promise<ActivityLogEntry[]> {
      const query = db('activity_logs').orderBy('id', 'desc').limit(filter.limit);
      if (filter.action) query.where('action', filter.action);
      if (filter.userId) query.where('user_id', filter.userId);
      if (filter.beforeId) query.where('id', '<', filter.beforeId);
      const rows = await query;
      return rows.map((row) => ({
        id: Number(row.id),
        userId: row.user_id === null ? null : Number(row.user_id),
        action: row.action,
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        properties: parseJson(row.properties, {}),
        createdAt: toDate(row.created_at),
      }));
    },
  };
}

export type ActivityLogsRepository = ReturnType<typeof createActivityLogsRepository>;
