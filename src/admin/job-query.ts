import { workflowIds, type JobType, type TaskQueueName } from '../jobs/contract';
import { jobRegistry } from '../jobs/registry';

/** Temporal's ExecutionStatus values as the visibility query language spells them. */
export const EXECUTION_STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** the registered job types and their queues: what the admin lists and filters offer */
export const JOB_TYPE_VALUES = jobRegistry.definitions.map((definition) => definition.jobType) as [JobType, ...JobType[]];
export const QUEUE_VALUES = jobRegistry.queues as [TaskQueueName, ...TaskQueueName[]];

/** What a workflow id (and a run id) may look like; anything else is never put into a visibility query. */
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,190}$/;
const RUN_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

/** The runs a dead-letter error type stands for (visibility does not index failure types; failed_jobs does). */
export interface DeadLetterRun {
  workflowId: string;
  runId: string | null;
}

export interface JobSearch {
  type?: JobType;
  status?: ExecutionStatus;
  queue?: TaskQueueName;
  ticketId?: number;
  companyId?: number;
  /** started on or after / on or before */
  from?: Date;
  to?: Date;
  /** ended on or after / on or before (the charts' buckets are by end time) */
  closedFrom?: Date;
  closedTo?: Date;
  /** exactly this workflow id */
  workflowId?: string;
  /** a ticket event (needs ticketId: event ids are scoped to their ticket): its workflow and its dead-letter retries */
  eventId?: string;
  /** the dead-letter entries' runs of an error type, resolved by the service */
  deadLetters?: DeadLetterRun[];
}

const quoted = (value: string, pattern: RegExp): string => {
  if (!pattern.test(value)) throw new Error('invalid job search value');
  return `'${value}'`;
};

/** `ticket-4-event-e1` and its retries `ticket-4-event-e1-retry-<n>` (see workflowIds and notificationRetryWorkflowId). */
function eventClause(ticketId: number, eventId: string): string {
  const workflowId = workflowIds.notification(Math.trunc(Number(ticketId)), eventId);
  return `(WorkflowId = ${quoted(workflowId, WORKFLOW_ID_PATTERN)} OR WorkflowId STARTS_WITH ${quoted(`${workflowId}-retry-`, WORKFLOW_ID_PATTERN)})`;
}

/** One clause for the dead letters' runs (an id no workflow could have is left out); no entry at all matches nothing. */
function deadLetterClause(runs: DeadLetterRun[]): string {
  const runIds = runs.flatMap((run) => (run.runId !== null && RUN_ID_PATTERN.test(run.runId) ? [`'${run.runId}'`] : []));
  const workflowIdsWithoutRun = runs.flatMap((run) => (run.runId === null && WORKFLOW_ID_PATTERN.test(run.workflowId) ? [`'${run.workflowId}'`] : []));
  const parts = [];
  if (runIds.length > 0) parts.push(`RunId IN (${runIds.join(', ')})`);
  if (workflowIdsWithoutRun.length > 0) parts.push(`WorkflowId IN (${workflowIdsWithoutRun.join(', ')})`);
  if (parts.length === 0) return "WorkflowId = ''";
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}

/**
 * Builds the visibility query from already validated values only: enums, integers and dates
 * re-serialised here, ids checked against patterns without quotes or spaces, so no caller text
 * can change the query's shape.
 */
export function buildJobQuery(search: JobSearch): string {
  const clauses: string[] = [];
  if (search.type) clauses.push(`JobType = '${JOB_TYPE_VALUES[JOB_TYPE_VALUES.indexOf(search.type)]}'`);
  if (search.status) clauses.push(`ExecutionStatus = '${EXECUTION_STATUSES[EXECUTION_STATUSES.indexOf(search.status)]}'`);
  if (search.queue) clauses.push(`TaskQueue = '${QUEUE_VALUES[QUEUE_VALUES.indexOf(search.queue)]}'`);
  if (search.ticketId !== undefined) clauses.push(`TicketId = ${Math.trunc(Number(search.ticketId))}`);
  if (search.companyId !== undefined) clauses.push(`CompanyId = ${Math.trunc(Number(search.companyId))}`);
  if (search.from) clauses.push(`StartTime >= '${search.from.toISOString()}'`);
  if (search.to) clauses.push(`StartTime <= '${search.to.toISOString()}'`);
  if (search.closedFrom) clauses.push(`CloseTime >= '${search.closedFrom.toISOString()}'`);
  if (search.closedTo) clauses.push(`CloseTime <= '${search.closedTo.toISOString()}'`);
  if (search.workflowId !== undefined) clauses.push(`WorkflowId = ${quoted(search.workflowId, WORKFLOW_ID_PATTERN)}`);
  if (search.eventId !== undefined) {
    if (search.ticketId === undefined) throw new Error('an event id needs its ticket id');
    clauses.push(eventClause(search.ticketId, search.eventId));
  }
  if (search.deadLetters) clauses.push(deadLetterClause(search.deadLetters));
  if (clauses.some((c) => c.includes('undefined') || c.includes('NaN'))) throw new Error('invalid job search value');
  return clauses.join(' AND ');
}

/** The Temporal UI's workflow list filtered by a visibility query. */
export function temporalUiLink(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
