import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../src/config';
import type { TaskQueueName } from '../src/jobs/contract';

export type WorkflowSource = { workflowsPath: string } | { workflowBundle: { codePath: string } };

export interface QueueWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queue: TaskQueueName;
  deps: ActivityDeps;
  concurrency: number;
  workflows: WorkflowSource;
}

/**
 * How long a draining worker (pause, graceful restart, SIGTERM) lets running tasks finish before it cancels
 * them: the longest step on the queue (startToCloseTimeout: report export and cleanup batches 300 s, mail
 * sends 30 s) plus a margin, so a pause never cuts off work it could have finished.
 */
export const SHUTDOWN_GRACE: Record<TaskQueueName, `${number}s`> = {
  default: '310s',
  notifications: '40s',
  reports: '310s',
};

/** Development and tests compile workflows from source; production loads the prebuilt bundle, never the sources. */
export function workflowSource(config: Pick<Config, 'env'> & { temporal: Pick<Config['temporal'], 'workflowBundlePath'> }): WorkflowSource {
  const bundlePath = config.temporal.workflowBundlePath;
  if (bundlePath) return { workflowBundle: { codePath: bundlePath } };
  if (config.env === 'production') {
    throw new Error('WORKFLOW_BUNDLE_PATH is required when NODE_ENV=production (npm run build writes dist/workflow-bundle.js)');
  }
  return { workflowsPath: require.resolve('../workflows') };
}

export function createQueueWorker(options: QueueWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.queue,
    ...options.workflows,
    activities: createActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.concurrency,
    maxConcurrentWorkflowTaskExecutions: options.concurrency,
    shutdownGraceTime: SHUTDOWN_GRACE[options.queue],
  });
}
