import type { TaskQueueName } from '../jobs/contract';
import type { JobsGateway } from '../jobs/gateway';
import { temporalUiLink } from './job-query';

const DAY_MS = 86_400_000;

export interface QueueState {
  paused: boolean;
  /** when the latest graceful restart of the queue's workers was asked for */
  restartRequestedAt?: Date | null;
}

/**
 * The pollers of workers still running. Temporal lists a poller for minutes after its worker exited; a
 * worker that drained for a graceful restart polled last before the restart was asked for, so it leaves
 * the list at once. (lastAccessTime has whole seconds: a poll in the second before the request still counts.)
 */
export function pollersSinceRestart<P extends { lastAccessTime: Date | null }>(pollers: P[], restartRequestedAt: Date | null | undefined): P[] {
  if (!restartRequestedAt) return pollers;
  return pollers.filter((p) => !p.lastAccessTime || p.lastAccessTime.getTime() + 1000 > restartRequestedAt.getTime());
}

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

/** Per task queue: workers polling, backlog, running jobs, and the last 24 h's completed and failed jobs. */
export function createOverviewService(deps: {
  jobs: JobsGateway;
  uiUrl: string;
  queueState?: (queue: TaskQueueName) => Promise<QueueState>;
  /** the worker processes' heartbeats (workers/worker-fleet.ts) */
  workerHeartbeats?: (queue: TaskQueueName) => Promise<WorkerSighting[]>;
}) {
  const { jobs } = deps;

  async function queueOverview(queue: TaskQueueName, since: Date, now: Date) {
    const inQueue = `TaskQueue = '${queue}'`;
    const closedSince = `CloseTime > '${since.toISOString()}'`;
    const [taskQueue, running, completed, failed, state, heartbeats] = await Promise.all([
      jobs.describeTaskQueue(queue),
      jobs.countWorkflows(`${inQueue} AND ExecutionStatus = 'Running'`),
      jobs.countWorkflows(`${inQueue} AND ExecutionStatus = 'Completed' AND ${closedSince}`),
      jobs.countWorkflows(`${inQueue} AND ExecutionStatus IN ('Failed', 'TimedOut') AND ${closedSince}`),
      deps.queueState?.(queue),
      deps.workerHeartbeats?.(queue),
    ]);
    // a worker that drained for a graceful restart leaves at once; a killed or stopped one when its heartbeat says so
    const pollers = pollersSinceRestart([...taskQueue.workflow.pollers, ...taskQueue.activity.pollers], state?.restartRequestedAt);
    const workers = livePollers(pollers, heartbeats, now);
    const backlogKnown = taskQueue.workflow.backlog !== undefined && taskQueue.activity.backlog !== undefined;
    return {
      queue,
      paused: state?.paused ?? false,
      workers,
      backlog: backlogKnown
        ? { workflowTasks: taskQueue.workflow.backlog, activityTasks: taskQueue.activity.backlog, approximate: false }
        : { workflowTasks: null, activityTasks: null, approximate: true },
      running,
      last24h: { completed, failed },
      temporalUi: {
        all: temporalUiLink(deps.uiUrl, jobs.namespace, inQueue),
        running: temporalUiLink(deps.uiUrl, jobs.namespace, `${inQueue} AND ExecutionStatus = 'Running'`),
        failed: temporalUiLink(deps.uiUrl, jobs.namespace, `${inQueue} AND ExecutionStatus = 'Failed'`),
      },
    };
  }

  return {
    async overview(now: Date = new Date()) {
      const since = new Date(now.getTime() - DAY_MS);
      return {
        namespace: jobs.namespace,
        generatedAt: now.toISOString(),
        queues: await Promise.all(jobs.registry.queues.map((queue) => queueOverview(queue, since, now))),
      };
    },
  };
}
