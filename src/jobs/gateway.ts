import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type ScheduleDescription,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { badRequest, serviceUnavailable, notFound } from '../api/errors';
import type { Logger } from '../logger';
import {
  CLEANUP_SCHEDULE_ID,
  JOB_TYPES,
  TASK_QUEUES,
  WORKFLOW_TYPES,
  workflowIds,
  type CleanupInput,
  type GenerateReportInput,
  type TaskQueueName,
  type TicketNotificationInput,
} from './contract';
import { jobSearchAttributes, type JobTags } from './search-attributes';

const CALL_DEADLINE_MS = 5_000;
/** Temporal down: a request learns it within this (then 503) instead of waiting out the call deadline in retries. */
const CONNECT_DEADLINE_MS = 1_500;
const REACHABLE_DEADLINE_MS = 2_000;
/** After an outage the channel tries again at least this often, so jobs start again soon after Temporal is back. */
const MAX_RECONNECT_BACKOFF_MS = 2_000;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

function grpcCodeOf(err: unknown): number | undefined {
  const e = err as { code?: number; cause?: { code?: number } } | undefined;
  return e?.code ?? e?.cause?.code;
}

/**
 * grpc-js names the server in a deadline's details ("remote_addr=…") once the call went out on a connection;
 * without it the call timed out still waiting for one (Temporal down), so the server never saw it.
 */
function reachedServer(err: unknown): boolean {
  const e = err as { details?: string; cause?: { details?: string } } | undefined;
  return /remote_addr=/.test(`${e?.details ?? ''} ${e?.cause?.details ?? ''}`);
}

/** A connection that can say whether it is connected, or connect within a deadline, before a call goes out. */
class GatewayConnection extends Connection {
  /** Resolves once the channel is connected (at once when it already is); rejects at the deadline. */
  connected(deadline: number): Promise<void> {
    return this.untilReady(deadline);
  }
}

export interface StartedJob {
  workflowId: string;
  runId: string;
  /** false when the workflow already existed (the same event or report sent again) */
  started: boolean;
}

export interface WorkflowPage {
  executions: WorkflowExecutionInfo[];
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

export interface JobsGatewayOptions {
  address: string;
  namespace: string;
  logger: Logger;
}

/** The only code that talks to the Temporal client: start, describe, cancel, list. */
export class JobsGateway {
  private constructor(
    private readonly connection: GatewayConnection,
    readonly client: Client,
    private readonly logger: Logger,
  ) {}

  static create(options: JobsGatewayOptions): JobsGateway {
    // lazy: the API starts and reports "not ready" while Temporal is down, instead of crashing
    const connection = GatewayConnection.lazy({
      address: options.address,
      channelArgs: { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS },
    }) as GatewayConnection;
    const client = new Client({ connection, namespace: options.namespace });
    return new JobsGateway(connection, client, options.logger);
  }

  async isReachable(): Promise<boolean> {
    try {
      // a readiness probe must answer quickly: a server that takes longer counts as down
      await this.withDeadline(() => this.client.workflowService.getSystemInfo({}), REACHABLE_DEADLINE_MS);
      return true;
    } catch {
      return false;
    }
  }

  startTicketNotification(input: TicketNotificationInput, tags: { companyId: number; requestedBy: number }) {
    return this.start({
      workflowType: WORKFLOW_TYPES.ticketNotification,
      workflowId: workflowIds.notification(input.ticketId, input.eventId),
      taskQueue: TASK_QUEUES.notifications,
      args: [input],
      tags: { jobType: JOB_TYPES.notification, ticketId: input.ticketId, ...tags },
    });
  }

  startReport(input: GenerateReportInput, tags: { companyId: number | null; requestedBy: number }) {
    return this.start({
      workflowType: WORKFLOW_TYPES.generateReport,
      workflowId: workflowIds.report(input.reportId),
      taskQueue: TASK_QUEUES.reports,
      args: [input],
      tags: { jobType: JOB_TYPES.report, ...tags },
    });
  }

  startCleanup(input: CleanupInput, at: Date = new Date()) {
    return this.start({
      workflowType: WORKFLOW_TYPES.cleanupOldData,
      workflowId: workflowIds.manualCleanup(at),
      taskQueue: TASK_QUEUES.default,
      args: [input],
      tags: { jobType: JOB_TYPES.cleanup, requestedBy: input.requestedBy ?? null },
    });
  }

  /** Starts a workflow under a fresh id (a retry of a failed job), never deduplicated against the old one. */
  startRetry(options: {
    workflowType: string;
    workflowId: string;
    taskQueue: TaskQueueName;
    args: unknown[];
    tags: JobTags;
  }) {
    return this.start(options);
  }

  async describe(workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await this.withDeadline(() => this.client.workflow.getHandle(workflowId).describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw this.translate(err);
    }
  }

  async result<T>(workflowId: string): Promise<T> {
    return (await this.client.workflow.getHandle(workflowId).result()) as T;
  }

  async cancel(workflowId: string): Promise<void> {
    try {
      await this.withDeadline(() => this.client.workflow.getHandle(workflowId).cancel());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('Job');
      throw this.translate(err);
    }
  }

  async *list(query: string, limit: number): AsyncGenerator<WorkflowExecutionInfo> {
    let count = 0;
    for await (const execution of this.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      yield execution;
      if (++count >= limit) return;
    }
  }

  get namespace(): string {
    return this.client.options.namespace;
  }

  /** Visibility count, e.g. `TaskQueue = 'reports' AND ExecutionStatus = 'Running'`. */
  async countWorkflows(query: string): Promise<number> {
    const response = await this.withDeadline(() =>
      this.client.workflowService.countWorkflowExecutions({ namespace: this.namespace, query }),
    ).catch((err: unknown) => {
      throw this.translate(err);
    });
    return Number(response.count ?? 0);
  }

  /** One page of a visibility query; pass the returned token back for the next page. */
  async listWorkflowPage(query: string, pageSize: number, nextPageToken?: Uint8Array): Promise<WorkflowPage> {
    const response = await this.withDeadline(() =>
      this.client.workflowService.listWorkflowExecutions({ namespace: this.namespace, query, pageSize, nextPageToken }),
    ).catch((err: unknown) => {
      // 3 INVALID_ARGUMENT: a page token that belongs to another query, or one made up
      if ((err as { code?: number }).code === 3) {
        throw badRequest('Invalid job search', [{ field: 'query.nextPageToken', message: 'does not belong to this search' }]);
      }
      throw this.translate(err);
    });
    const converter = this.client.options.loadedDataConverter;
    const executions = await Promise.all(
      (response.executions ?? []).map((raw) => executionInfoFromRaw(raw, converter, raw, this.namespace) as Promise<WorkflowExecutionInfo>),
    );
    const token = response.nextPageToken;
    return { executions, nextPageToken: token && token.length > 0 ? token : undefined };
  }

  /** Pollers and backlog of a task queue, for its workflow and its activity tasks. */
  async describeTaskQueue(queue: string): Promise<TaskQueueDescription> {
    const side = async (taskQueueType: temporal.api.enums.v1.TaskQueueType): Promise<TaskQueueSide> => {
      const response = await this.withDeadline(() =>
        this.client.workflowService.describeTaskQueue({
          namespace: this.namespace,
          taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType,
          reportStats: true,
        }),
      ).catch((err: unknown) => {
        throw this.translate(err);
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
  async history(workflowId: string): Promise<HistoryEvent[] | undefined> {
    try {
      const history = await this.withDeadline(() => this.client.workflow.getHandle(workflowId).fetchHistory());
      return history.events ?? [];
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw this.translate(err);
    }
  }

  /**
   * Creates the nightly cleanup schedule, or brings an existing one in line with the config. A run missed
   * while Temporal was down is still started if it comes back within the catch-up window.
   */
  async ensureCleanupSchedule(options: { cron: string; catchupMinutes: number }): Promise<'created' | 'updated'> {
    const spec = { cronExpressions: [options.cron], timezone: 'UTC' };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: WORKFLOW_TYPES.cleanupOldData,
      workflowId: CLEANUP_SCHEDULE_ID,
      taskQueue: TASK_QUEUES.default,
      args: [{ dryRun: false }],
      typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes({ jobType: JOB_TYPES.cleanup })),
    };
    const policies = { overlap: 'SKIP' as const, catchupWindow: `${options.catchupMinutes} minutes` as Duration };
    try {
      await this.withDeadline(() => this.client.schedule.create({ scheduleId: CLEANUP_SCHEDULE_ID, spec, action, policies }));
      return 'created';
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw this.translate(err);
    }
    await this.withDeadline(() =>
      this.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action, policies })),
    );
    return 'updated';
  }

  async describeCleanupSchedule(): Promise<ScheduleDescription | undefined> {
    try {
      return await this.withDeadline(() => this.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw this.translate(err);
    }
  }

  async controlCleanupSchedule(action: 'pause' | 'resume' | 'trigger', note: string): Promise<void> {
    const handle = this.client.schedule.getHandle(CLEANUP_SCHEDULE_ID);
    try {
      await this.withDeadline(() =>
                // a manual trigger obeys the same overlap rule as the schedule: skipped while a run is in progress
        action === 'pause' ? handle.pause(note) : action === 'resume' ? handle.unpause(note) : handle.trigger('SKIP'),
      );
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound('Schedule');
      throw this.translate(err);
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async start(options: {
    workflowType: string;
    workflowId: string;
    taskQueue: TaskQueueName;
    args: unknown[];
    tags: JobTags;
  }): Promise<StartedJob> {
    const { workflowId } = options;
    try {
      const handle = await this.withDeadline(() =>
        this.client.workflow.start(options.workflowType, {
          workflowId,
          taskQueue: options.taskQueue,
          args: options.args,
          typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes(options.tags)),
          // a second request for the same id joins the running workflow instead of starting another
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
      this.logger.info({ workflowId, runId: handle.firstExecutionRunId, taskQueue: options.taskQueue }, 'job started');
      return { workflowId, runId: handle.firstExecutionRunId, started: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        const existing = await this.describe(workflowId);
        return { workflowId, runId: existing?.runId ?? '', started: false };
      }
      if (grpcCodeOf(err) === GRPC_DEADLINE_EXCEEDED && reachedServer(err)) return this.confirmStart(workflowId, err);
      throw this.translate(err);
    }
  }

  /**
   * A start that timed out may still have been accepted: the id is deterministic, so ask for it.
   * Found → it started; definitely not found → 503, nothing started; no answer either → 503 that says so.
   */
  private async confirmStart(workflowId: string, timeout: unknown): Promise<StartedJob> {
    let existing: WorkflowExecutionDescription | undefined;
    try {
      existing = await this.describe(workflowId);
    } catch {
      this.logger.warn({ err: timeout, workflowId }, 'Temporal did not answer a start, nor the check after it');
      throw serviceUnavailable(
        `The job system did not answer in time, so it is unknown whether job ${workflowId} started; asking again is safe, it never starts twice.`,
      );
    }
    if (!existing) throw this.translate(timeout);
    this.logger.info({ workflowId, runId: existing.runId }, 'job start timed out, but the job exists: it started');
    return { workflowId, runId: existing.runId, started: true };
  }

  /**
   * Every call first waits (briefly) for a connected channel: while Temporal is down, the SDK's retries of
   * UNAVAILABLE would otherwise use up the whole call deadline. Not connected in time → UNAVAILABLE, never sent.
   */
  private async withDeadline<T>(fn: () => Promise<T>, deadlineMs = CALL_DEADLINE_MS): Promise<T> {
    try {
      await this.connection.connected(Date.now() + CONNECT_DEADLINE_MS);
    } catch (err) {
      throw Object.assign(new Error(`Temporal is unreachable: ${(err as Error).message}`), { code: GRPC_UNAVAILABLE, cause: err });
    }
    return this.connection.withDeadline(Date.now() + deadlineMs, fn);
  }

  private translate(err: unknown): Error {
    const name = (err as { name?: string })?.name;
    const grpcCode = grpcCodeOf(err);
    // UNAVAILABLE, DEADLINE_EXCEEDED: the server is down or not answering
    if (grpcCode === GRPC_UNAVAILABLE || grpcCode === GRPC_DEADLINE_EXCEEDED || name === 'TransportError' || name === 'ConnectionError') {
      this.logger.warn({ err }, 'Temporal is unreachable');
      return serviceUnavailable('The job system is unavailable right now; nothing was started. Please try again shortly.');
    }
    return err as Error;
  }
}
