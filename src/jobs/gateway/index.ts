import { tracingClientInterceptors } from '../../observability/tracing';
import { Client, type ScheduleDescription, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Logger } from '../../logger';
import { JOB_TYPES, type CleanupInput, type GenerateReportInput, type TaskQueueName, type TicketNotificationInput } from '../contract';
import type { StartContext } from '../job-definition';
import { jobRegistry, type JobRegistry } from '../registry';
import type { JobTags } from '../search-attributes';
import type { GatewayContext } from './context';
import { confirmStart, GatewayConnection, REACHABLE_DEADLINE_MS, withDeadline } from './deadline';
import { translate } from './errors';
import { controlCleanupSchedule, describeAlertSchedule, describeCleanupSchedule, ensureAlertSchedule, ensureCleanupSchedule } from './schedules';
import { startJob, startWorkflow, type StartedJob } from './starts';
import {
  cancelWorkflow,
  countWorkflows,
  describeTaskQueue,
  describeWorkflow,
  listWorkflowPage,
  listWorkflows,
  workflowHistory,
  type HistoryEvent,
  type TaskQueueDescription,
  type WorkflowPage,
} from './visibility';

export type { StartedJob } from './starts';
export type { JobExecutionSummary } from './execution-info';
export type { HistoryEvent, TaskQueueDescription, TaskQueueSide, WorkflowPage } from './visibility';

export interface JobsGatewayOptions {
  address: string;
  namespace: string;
  logger: Logger;
  /** the job types it starts (default: the real registry; tests add fixtures) */
  registry?: JobRegistry;
}

/**
 * The only code that talks to the Temporal client: start, describe, cancel, list, schedule.
 * A facade over gateway/starts, visibility, schedules, deadline and errors.
 */
export class JobsGateway {
  private readonly context: GatewayContext;

  private constructor(
    private readonly connection: GatewayConnection,
    readonly client: Client,
    logger: Logger,
    readonly registry: JobRegistry = jobRegistry,
  ) {
    const context: GatewayContext = {
      connection,
      client,
      logger,
      registry,
      withDeadline,
      translate,
      confirmStart,
      describe: (workflowId) => describeWorkflow(context, workflowId),
    };
    this.context = context;
  }

  static create(options: JobsGatewayOptions): JobsGateway {
    const connection = GatewayConnection.lazyTo(options.address);
    const client = new Client({ connection, namespace: options.namespace, interceptors: tracingClientInterceptors() });
    return new JobsGateway(connection, client, options.logger, options.registry);
  }

  async isReachable(): Promise<boolean> {
    try {
      // a readiness probe must answer quickly: a server that takes longer counts as down
      await this.context.withDeadline(() => this.client.workflowService.getSystemInfo({}), REACHABLE_DEADLINE_MS);
      return true;
    } catch {
      return false;
    }
  }

  /** Starts (or joins, same id) a job of any registered type; its definition gives workflow, queue, id and tags. */
  start(jobType: string, input: unknown, context: StartContext = {}): Promise<StartedJob> {
    return startJob(this.context, jobType, input, context);
  }

  startTicketNotification(input: TicketNotificationInput, tags: { companyId: number; requestedBy: number }) {
    return this.start(JOB_TYPES.notification, input, tags);
  }

  startReport(input: GenerateReportInput, tags: { companyId: number | null; requestedBy: number }) {
    return this.start(JOB_TYPES.report, input, tags);
  }

  startCleanup(input: CleanupInput, at: Date = new Date()) {
    return this.start(JOB_TYPES.cleanup, input, { at });
  }

  /** Starts a workflow under a fresh id (a retry of a failed job), never deduplicated against the old one. */
  startRetry(options: { workflowType: string; workflowId: string; taskQueue: TaskQueueName; args: unknown[]; tags: JobTags; reusableId?: boolean }) {
    return startWorkflow(this.context, options);
  }

  describe(workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
    return describeWorkflow(this.context, workflowId);
  }

  async result<T>(workflowId: string): Promise<T> {
    return (await this.client.workflow.getHandle(workflowId).result()) as T;
  }

  cancel(workflowId: string): Promise<void> {
    return cancelWorkflow(this.context, workflowId);
  }

  list(query: string, limit: number): AsyncGenerator<WorkflowExecutionInfo> {
    return listWorkflows(this.context, query, limit);
  }

  get namespace(): string {
    return this.client.options.namespace;
  }

  /** Visibility count, e.g. `TaskQueue = 'reports' AND ExecutionStatus = 'Running'`. */
  countWorkflows(query: string): Promise<number> {
    return countWorkflows(this.context, query);
  }

  /** One page of a visibility query; pass the returned token back for the next page. */
  listWorkflowPage(query: string, pageSize: number, nextPageToken?: Uint8Array): Promise<WorkflowPage> {
    return listWorkflowPage(this.context, query, pageSize, nextPageToken);
  }

  /** Pollers and backlog of a task queue, for its workflow and its activity tasks. */
  describeTaskQueue(queue: string): Promise<TaskQueueDescription> {
    return describeTaskQueue(this.context, queue);
  }

  /** The workflow's history events, or undefined when it does not exist. */
  history(workflowId: string): Promise<HistoryEvent[] | undefined> {
    return workflowHistory(this.context, workflowId);
  }

  ensureCleanupSchedule(options: { cron: string; catchupMinutes: number }): Promise<'created' | 'updated'> {
    return ensureCleanupSchedule(this.context, options);
  }

  describeCleanupSchedule(): Promise<ScheduleDescription | undefined> {
    return describeCleanupSchedule(this.context);
  }

  controlCleanupSchedule(action: 'pause' | 'resume' | 'trigger', note: string): Promise<string | null> {
    return controlCleanupSchedule(this.context, action, note);
  }

  /** The alert check's schedule (every ALERT_CHECK_INTERVAL_SECONDS, overlap SKIP), created or updated. */
  ensureAlertSchedule(options: { intervalSeconds: number }): Promise<'created' | 'updated'> {
    return ensureAlertSchedule(this.context, options);
  }

  describeAlertSchedule(): Promise<ScheduleDescription | undefined> {
    return describeAlertSchedule(this.context);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
