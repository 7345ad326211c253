import type { Db } from '../knex';

export interface WorkerHeartbeat {
  identity: string;
  queue: string;
  state: string;
  startedAt: Date;
  seenAt: Date;
}

/** Each worker process's "still here" record, written every few seconds, so the overview lists the live fleet. */
export function createWorkerHeartbeatsRepository(db: Db) {
  return {
    async beat(entry: { identity: string; queue: string; state: string; startedAt: Date }, at: Date = new Date()): Promise<void> {
      await db('worker_heartbeats')
        .insert({ identity: entry.identity, queue: entry.queue, state: entry.state, started_at: entry.startedAt.getTime(), seen_at: at.getTime() })
        .onConflict('identity')
        .merge(['queue', 'state', 'started_at', 'seen_at']);
    },

    /** A worker that exits says so at once: the overview stops listing it without waiting for its heartbeat to age. */
    async stopped(identity: string, at: Date = new Date()): Promise<void> {
      await db('worker_heartbeats').where({ identity }).update({ state: 'stopped', seen_at: at.getTime() });
    },

    async list(queue: string): Promise<WorkerHeartbeat[]> {
      const rows = await db('worker_heartbeats').where({ queue }).select('identity', 'queue', 'state', 'started_at', 'seen_at');
      return rows.map((row) => ({
        identity: row.identity,
        queue: row.queue,
        state: row.state,
        startedAt: new Date(Number(row.started_at)),
        seenAt: new Date(Number(row.seen_at)),
      }));
    },

    /** Records of processes long gone. */
    async prune(olderThan: Date): Promise<number> {
      return db('worker_heartbeats').where('seen_at', '<', olderThan.getTime()).delete();
    },
  };
}

export type WorkerHeartbeatsRepository = ReturnType<typeof createWorkerHeartbeatsRepository>;
