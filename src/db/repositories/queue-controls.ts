import type { Db } from '../knex';
import { toBool, toDateOrNull } from '../normalize';

export interface QueueControl {
  queue: string;
  paused: boolean;
  restartGeneration: number;
  restartRequestedAt: Date | null;
}

const DEFAULT = { paused: false, restartGeneration: 0, restartRequestedAt: null };

export function createQueueControlsRepository(db: Db) {
  async function ensure(queue: string, userId: number | null, at: Date): Promise<void> {
    const exists = await db('queue_controls').where({ queue }).first('queue');
    if (!exists) {
      await db('queue_controls')
        .insert({ queue, paused: false, restart_generation: 0, updated_by: userId, updated_at: at })
        .onConflict('queue')
        .ignore();
    }
  }

  return {
    async get(queue: string): Promise<QueueControl> {
      const row = await db('queue_controls').where({ queue }).first();
      if (!row) return { queue, ...DEFAULT };
      return {
        queue,
        paused: toBool(row.paused),
        restartGeneration: Number(row.restart_generation),
        restartRequestedAt: toDateOrNull(row.restart_requested_at),
      };
    },
    async setPaused(queue: string, paused: boolean, userId: number | null, at: Date = new Date()): Promise<void> {
      await ensure(queue, userId, at);
      await db('queue_controls').where({ queue }).update({ paused, updated_by: userId, updated_at: at });
    },
    async requestRestart(queue: string, userId: number | null, at: Date = new Date()): Promise<void> {
      await ensure(queue, userId, at);
      await db('queue_controls')
        .where({ queue })
        .update({ restart_generation: db.raw('restart_generation + 1'), restart_requested_at: at, updated_by: userId, updated_at: at });
    },
  };
}

export type QueueControlsRepository = ReturnType<typeof createQueueControlsRepository>;
