import { WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { badRequest, notFound } from '../../errors';
import type { GatewayContext } from './context';
import { executionSummaryFromRaw, type JobExecutionSummary } from './execution-info';

export interface WorkflowPage {
  executions: JobExecutionSummary[];
  /** absent on the last page */
  nextPageToken?: Uint8Array;
}

export interface TaskQueueSide {
  pollers: Array<{ identity: string; lastAccessTime: Date | null }>;
  /** undefined when the server does not report task queue statistics */
  backlog?: number;
  backlogAgeSeconds?: number;
}

export interface TaskQueueDescription {
  workflow: TaskQueueSide;
  activity: TaskQueueSide;
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function describeWorkflow(gw: GatewayContext, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await gw.withDeadline(() => gw.client.workflow.getHandle(workflowId).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw gw.translate(err);
  }
}

export async function cancelWorkflow(gw: GatewayContext, workflowId: string): Promise<void> {
  try {
    await gw.withDeadline(() => gw.client.workflow.getHandle(workflowId).cancel());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound('Job');
    throw gw.translate(err);
  }
}

export async function* listWorkflows(gw: GatewayContext, query: string, limit: number): AsyncGenerator<WorkflowExecutionInfo> {
  let count = 0;
  for await (const execution of gw.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    yield execution;
    if (++count >= limit) return;
  }
}

/** Visibility count, e.g. `TaskQueue = 'reports' AND ExecutionStatus = 'Running'`. */
export async function countWorkflows(gw: GatewayContext, query: string): Promise<number> {
  const namespace = gw.client.options.namespace;
  const response = await gw
    .withDeadline(() => gw.client.workflowService.countWorkflowExecutions({ namespace, query }))
    .catch((err: unknown) => {
      throw gw.translate(err);
    });
  return Number(response.count ?? 0);
}

/** One page of a visibility query; pass the returned token back for the next page. */
export async function listWorkflowPage(gw: GatewayContext, query: string, pageSize: number, nextPageToken?: Uint8Array): Promise<WorkflowPage> {
  const namespace = gw.client.options.namespace;
  const response = await gw
    .withDeadline(() => gw.client.workflowService.listWorkflowExecutions({ namespace, query, pageSize, nextPageToken }))
    .catch((err: unknown) => {
      // 3 INVALID_ARGUMENT: a page token that belongs to another query, or one made up
      if ((err as { code?: number }).code === 3) {
        throw badRequest('Invalid job search', [{ field: 'query.nextPageToken', message: 'does not belong to this search' }]);
      }
      throw gw.translate(err);
    });
  const executions = (response.executions ?? []).map(executionSummaryFromRaw);
  const token = response.nextPageToken;
  return { executions, nextPageToken: token && token.length > 0 ? token : undefined };
}

/** Pollers and backlog of a task queue, for its workflow and its activity tasks. */
export async function describeTaskQueue(gw: GatewayContext, queue: string): Promise<TaskQueueDescription> {
  const namespace = gw.client.options.namespace;
  const side = async (taskQueueType: temporal.api.enums.v1.TaskQueueType): Promise<TaskQueueSide> => {
    const response = await gw
      .withDeadline(() =>
        gw.client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType,
          reportStats: true,
        }),
      )
      .catch((err: unknown) => {
        throw gw.translate(err);
      });
    const stats = response.stats;
    return {
      pollers: (response.pollers ?? []).map((p) => ({
        identity: p.identity ?? '',
        lastAccessTime: p.lastAccessTime?.seconds != null ? new Date(Number(p.lastAccessTime.seconds) * 1000) : null,
      })),
      backlog: stats ? Number(stats.approximateBacklogCount ?? 0) : undefined,
      backlogAgeSeconds: stats ? Number(stats.approximateBacklogAge?.seconds ?? 0) : undefined,
    };
  };
  const [workflow, activity] = await Promise.all([
    side(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
    side(temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  return { workflow, activity };
}

/** The workflow's history events, or undefined when it does not exist. */
export async function workflowHistory(gw: GatewayContext, workflowId: string): Promise<HistoryEvent[] | undefined> {
  try {
    const history = await gw.withDeadline(() => gw.client.workflow.getHandle(workflowId).fetchHistory());
    return history.events ?? [];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw gw.translate(err);
  }
}
