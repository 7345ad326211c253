import type { TaskQueueName } from '../jobs/contract';
import type { JobsGateway } from '../jobs/gateway';
import { livePollers, type WorkerSighting } from './live-pollers';
import { temporalUiLink } from './job-query';

export { livePollers, type WorkerSighting } from './live-pollers';

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
