import type { JobType, TaskQueueName } from '../jobs/contract';
import { jobRegistry } from '../jobs/registry';

/** Temporal's ExecutionStatus values as the visibility query language spells them. */
export const EXECUTION_STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** the registered job types and their queues: what the admin lists and filters offer */
export const JOB_TYPE_VALUES = jobRegistry.definitions.map((definition) => definition.jobType) as [JobType, ...JobType[]];
export const QUEUE_VALUES = jobRegistry.queues as [TaskQueueName, ...TaskQueueName[]];

export interface JobSearch {
  type?: JobType;
  status?: ExecutionStatus;
  queue?: TaskQueueName;
  ticketId?: number;
  companyId?: number;
  from?: Date;
  to?: Date;
}

/**
 * Builds the visibility query from already validated values only: enums, integers and dates
 * re-serialised here, so no caller text ever reaches the query.
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
  if (clauses.some((c) => c.includes('undefined') || c.includes('NaN'))) throw new Error('invalid job search value');
  return clauses.join(' AND ');
}

/** The Temporal UI's workflow list filtered by a visibility query. */
export function temporalUiLink(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
