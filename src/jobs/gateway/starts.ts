import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { TaskQueueName } from '../contract';
import type { StartContext } from '../job-definition';
import { jobSearchAttributes, type JobTags } from '../search-attributes';
import type { GatewayContext } from './context';
import { GRPC_DEADLINE_EXCEEDED, grpcCodeOf, reachedServer } from './deadline';

export interface StartedJob {
  workflowId: string;
  runId: string;
  /** false when the workflow already existed (the same event or report sent again) */
  started: boolean;
}

export interface WorkflowStart {
  workflowType: string;
  workflowId: string;
  taskQueue: TaskQueueName;
  args: unknown[];
  tags: JobTags;
  /** a fixed id that names "the one run of its kind": while one runs, another start is refused (started: false); once closed it may run again */
  reusableId?: boolean;
}

/** Starts a job of a registered type: its workflow, queue, id and tags come from its definition. */
export async function startJob(context: GatewayContext, jobType: string, input: unknown, startContext: StartContext = {}): Promise<StartedJob> {
  const definition = context.registry.get(jobType);
  const parsed = definition.input.safeParse(input);
  if (!parsed.success) throw new Error(`invalid ${jobType} input: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return startWorkflow(context, {
    workflowType: definition.workflowType,
    workflowId: definition.workflowId(input, startContext),
    taskQueue: definition.taskQueue,
    // the input as given (validated, not rewritten), so histories and payloads stay as they were
    args: [input],
    tags: { jobType, ...definition.tags(input, startContext) },
  });
}

export async function startWorkflow(context: GatewayContext, options: WorkflowStart): Promise<StartedJob> {
  const { workflowId } = options;
  try {
    const handle = await context.withDeadline(() =>
      context.client.workflow.start(options.workflowType, {
        workflowId,
        taskQueue: options.taskQueue,
        args: options.args,
        typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes(options.tags)),
        // a second request for the same id joins the running workflow instead of starting another
        workflowIdConflictPolicy: options.reusableId ? 'FAIL' : 'USE_EXISTING',
        workflowIdReusePolicy: options.reusableId ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      }),
    );
    context.logger.info({ workflowId, runId: handle.firstExecutionRunId, taskQueue: options.taskQueue }, 'job started');
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const existing = await context.describe(workflowId);
      return { workflowId, runId: existing?.runId ?? '', started: false };
    }
    if (grpcCodeOf(err) === GRPC_DEADLINE_EXCEEDED && reachedServer(err)) return context.confirmStart(workflowId, err);
    throw context.translate(err);
  }
}
