// no imports: the alert rules read this without pulling in the job registry

export interface WorkerSighting {
  identity: string;
  state: string;
  seenAt: Date;
}

/** A heartbeat older than this is a process gone (killed, host lost); a live one writes every 3 s. */
const HEARTBEAT_STALE_MS = 10_000;
/** For pollers with no heartbeat record (older workers): Temporal's own last poll time, a long poll lasting up to 70 s. */
const POLLER_STALE_MS = 70_000;

/**
 * The live worker processes of a queue: Temporal's pollers, checked against the processes' heartbeats. A
 * process that exited (marked stopped) or stopped writing (killed) is gone at once or within seconds,
 * although Temporal keeps listing its poller for minutes.
 */
export function livePollers(
  pollers: Array<{ identity: string; lastAccessTime: Date | null }>,
  heartbeats: WorkerSighting[] | undefined,
  now: Date,
): string[] {
  const byIdentity = new Map((heartbeats ?? []).map((h) => [h.identity, h]));
  const live = new Set<string>();
  for (const poller of pollers) {
    const heartbeat = byIdentity.get(poller.identity);
    if (heartbeat) {
      if (heartbeat.state !== 'stopped' && now.getTime() - heartbeat.seenAt.getTime() < HEARTBEAT_STALE_MS) live.add(poller.identity);
    } else if (!poller.lastAccessTime || now.getTime() - poller.lastAccessTime.getTime() < POLLER_STALE_MS) {
      live.add(poller.identity);
    }
  }
  // a paused process polls nothing, yet it is there and will poll again on resume
  for (const heartbeat of heartbeats ?? []) {
    if (heartbeat.state === 'paused' && now.getTime() - heartbeat.seenAt.getTime() < HEARTBEAT_STALE_MS) live.add(heartbeat.identity);
  }
  return [...live].sort();
}
