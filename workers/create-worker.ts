import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
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

/** Development and tests compile workflows from source; production loads the prebuilt bundle. */
export function workflowSource(bundlePath: string | undefined): WorkflowSource {
  return bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: require.resolve('../workflows') };
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
    shutdownGraceTime: '30s',
  });
}
