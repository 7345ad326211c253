import { NativeConnection, Worker } from '@temporalio/worker';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';
import type { ActivityDeps } from '../activities';
import { createDeadLetterActivities } from '../activities/dead-letter';
import type { Config } from '../src/config';
import type { TaskQueueName } from '../src/jobs/contract';
import type { ActivityFunctions } from '../src/jobs/job-definition';
import { jobRegistry, type JobRegistry } from '../src/jobs/registry';
import { jobMetricsRecorder, jobMetricsWorkerOptions } from '../src/observability/metrics/worker-wiring';
import { tracedMailer } from '../src/observability/tracing';

export type WorkflowSource = { workflowsPath: string } | { workflowBundle: { codePath: string } };

export interface QueueWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queue: TaskQueueName;
  deps: ActivityDeps;
  /** activity executions at once per worker process (WORKER_CONCURRENCY_<QUEUE>) */
  concurrency: number;
  workflows: WorkflowSource;
  /** the job types to run (default: the real registry; tests add fixtures) */
  registry?: JobRegistry;
  /** the pollers' name in Temporal (default: the SDK's pid@host); the fleet's heartbeat uses the same */
  identity?: string;
}

/** The SDK's own limit on one workflow activation (its default outside debug mode): a workflow stuck longer fails its task. */
const WORKFLOW_ACTIVATION_TIMEOUT = '5s';
/**
 * Workflows kept in the worker's sticky cache. The SDK sizes it from the V8 heap limit (about 2 000 on a 4 GB heap), far
 * beyond what this help desk's short workflows need; one evicted is replayed from its history when its next task comes.
 */
export const MAX_CACHED_WORKFLOWS = 250;

/**
 * Workflow tasks run on the process's main thread, in the SDK's reused V8 context, instead of a worker thread that loads
 * the bundle into a V8 heap of its own: about 50 MB less per worker (an idle production worker ~135 MB instead of ~205;
 * `npm start` runs three queues in one process and would have three such threads). This help desk's workflows are a
 * few milliseconds of decisions per task. The SDK calls this "debug mode" and lifts the activation timeout there; the
 * timeout (an option SDK 1.24 reads but does not type) is set back, so a stuck workflow still fails its task after 5 s.
 */
const WORKFLOWS_ON_MAIN_THREAD = { debugMode: true, isolateExecutionTimeout: WORKFLOW_ACTIVATION_TIMEOUT };

/**
 * With workflows on the main thread, the SDK's promise hook for the stack-trace query (the Temporal UI's "Stack Trace"
 * tab) runs for every promise of the whole process — activities, knex, mysql2, nodemailer — compiling a function per
 * promise to find its workflow, and capturing and source-mapping a stack for each workflow promise: about a third of
 * the notifications worker's CPU per mail in a burst. Nothing of ours reads that query (failure stack traces, which
 * the job detail shows, come from the SDK's prepareStackTrace, which stays), so the hook is never installed; the query
 * then answers without async stacks. Reaches into an SDK internal: answers false, changing nothing, where that is gone.
 */
export function skipWorkflowStackTraceHook(): boolean {
  const handlers = globalHandlers as unknown as { setPromiseHook?: unknown; stopPromiseHook?: unknown; promiseHookInstalled?: unknown } | undefined;
  if (!handlers || typeof handlers.setPromiseHook !== 'function' || typeof handlers.stopPromiseHook !== 'function') return false;
  if (typeof handlers.promiseHookInstalled !== 'boolean') return false;
  // installed already by an earlier worker of this process: stop it (the SDK keeps the stop function there)
  (handlers.stopPromiseHook as () => void).call(handlers);
  handlers.setPromiseHook = () => undefined;
  handlers.stopPromiseHook = () => undefined;
  // what the SDK tells new runs (stackTracesEnabled), as on a runtime without promise hooks
  handlers.promiseHookInstalled = false;
  return true;
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

/** The activities a queue's worker registers: those of the job types on that queue, plus the shared dead-letter activity. */
export function queueActivities(registry: JobRegistry, queue: TaskQueueName, deps: ActivityDeps): ActivityFunctions {
  const activities: ActivityFunctions = { ...createDeadLetterActivities(deps) };
  for (const definition of registry.onQueue(queue)) {
    for (const [name, fn] of Object.entries(definition.activities(deps))) {
      if (name in activities) throw new Error(`activity ${name} of job type ${definition.jobType} is registered twice on queue ${queue}`);
      activities[name] = fn;
    }
  }
  return activities;
}

/**
 * Slots per worker process. Activities (the real work: mails, exports, deletes) follow WORKER_CONCURRENCY_<QUEUE>;
 * workflow tasks are short replays/decisions, so the queue takes what its job types ask for, at least as many as activities.
 */
export function queueSlots(registry: JobRegistry, queue: TaskQueueName, concurrency: number) {
  const wanted = registry.onQueue(queue).map((definition) => definition.workflowTaskSlots);
  return {
    maxConcurrentActivityTaskExecutions: concurrency,
    maxConcurrentWorkflowTaskExecutions: Math.max(concurrency, ...wanted),
  };
}

export function createQueueWorker(options: QueueWorkerOptions): Promise<Worker> {
  skipWorkflowStackTraceHook();
  const registry = options.registry ?? jobRegistry;
  const { deps } = options;
  const jobTypeOf = (workflowType: string) => registry.definitions.find((d) => d.workflowType === workflowType)?.jobType ?? workflowType;
  const metrics = jobMetricsWorkerOptions(jobMetricsRecorder(deps.db, deps.logger, deps.config.metrics.flushSeconds * 1000), jobTypeOf);
  // a prebuilt bundle already holds the workflow interceptors (bundled with WORKFLOW_INTERCEPTOR_MODULES)
  if (!('workflowsPath' in options.workflows)) metrics.interceptors = { ...metrics.interceptors, workflowModules: [] };
  return Worker.create({
    ...metrics,
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.queue,
    ...(options.identity ? { identity: options.identity } : {}),
    ...options.workflows,
    activities: queueActivities(registry, options.queue, { ...deps, mailer: tracedMailer(deps.mailer) }),
    ...queueSlots(registry, options.queue, options.concurrency),
    ...WORKFLOWS_ON_MAIN_THREAD,
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: SHUTDOWN_GRACE[options.queue],
  });
}
