import {
  defaultPayloadConverter,
  SearchAttributeType,
  TypedSearchAttributes,
  type Payload,
  type SearchAttributePair,
} from '@temporalio/common';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

/** What the job list shows of one execution of a visibility page. */
export interface JobExecutionSummary {
  type: string;
  workflowId: string;
  runId: string;
  taskQueue: string;
  status: { code: temporal.api.enums.v1.WorkflowExecutionStatus; name: WorkflowExecutionStatusName };
  historyLength: number;
  startTime: Date;
  closeTime?: Date;
  typedSearchAttributes: TypedSearchAttributes;
  /** the workflow's memo (a notification run waiting to redeliver keeps its next try there) */
  memo?: Record<string, unknown>;
}

const Status = temporal.api.enums.v1.WorkflowExecutionStatus;
const STATUS_NAMES: Partial<Record<temporal.api.enums.v1.WorkflowExecutionStatus, WorkflowExecutionStatusName>> = {
  [Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED]: 'UNSPECIFIED',
  [Status.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'RUNNING',
  [Status.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'COMPLETED',
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED]: 'FAILED',
  [Status.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'CANCELLED',
  [Status.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'TERMINATED',
  [Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'CONTINUED_AS_NEW',
  [Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TIMED_OUT',
  [Status.WORKFLOW_EXECUTION_STATUS_PAUSED]: 'PAUSED',
};

/** The server spells a search attribute's type in the payload's `type` metadata. */
const ATTRIBUTE_TYPES: Record<string, SearchAttributeType> = {
  Text: SearchAttributeType.TEXT,
  Keyword: SearchAttributeType.KEYWORD,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
  Bool: SearchAttributeType.BOOL,
  Datetime: SearchAttributeType.DATETIME,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
};

function timestampToDate(ts: google.protobuf.ITimestamp | null | undefined): Date | undefined {
  if (!ts) return undefined;
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

function searchAttributesOf(fields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, payload] of Object.entries(fields ?? {})) {
    const typeName = payload.metadata?.type ? Buffer.from(payload.metadata.type).toString('utf8') : undefined;
    const type = typeName ? ATTRIBUTE_TYPES[typeName] : undefined;
    if (type === undefined) continue;
    const value = defaultPayloadConverter.fromPayload<unknown>(payload);
    if (value === null || value === undefined) continue;
    const typed = type === SearchAttributeType.DATETIME ? new Date(String(value)) : value;
    pairs.push({ key: { name, type }, value: typed } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

function memoOf(fields: Record<string, Payload> | null | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  return Object.fromEntries(Object.entries(fields).map(([name, payload]) => [name, defaultPayloadConverter.fromPayload<unknown>(payload)]));
}

/** Reads a raw visibility entry with the SDK's public pieces (proto, payload converter, TypedSearchAttributes). */
export function executionSummaryFromRaw(raw: RawExecution): JobExecutionSummary {
  const status = raw.status ?? Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
  return {
    type: raw.type?.name ?? '',
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    taskQueue: raw.taskQueue ?? '',
    status: { code: status, name: STATUS_NAMES[status] ?? 'UNKNOWN' },
    historyLength: Number(raw.historyLength ?? 0),
    startTime: timestampToDate(raw.startTime) ?? new Date(0),
    closeTime: timestampToDate(raw.closeTime),
    typedSearchAttributes: searchAttributesOf(raw.searchAttributes?.indexedFields as Record<string, Payload> | null | undefined),
    memo: memoOf(raw.memo?.fields as Record<string, Payload> | null | undefined),
  };
}
