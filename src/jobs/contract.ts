/**
 * The one module shared by the API, the workers and the workflows.
 * It must stay free of Node built-ins and runtime dependencies: workflow code imports it.
 */

export const TASK_QUEUES = {
  default: 'default',
  notifications: 'notifications',
  reports: 'reports',
} as const;
export type TaskQueueName = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];
export const ALL_TASK_QUEUES: TaskQueueName[] = Object.values(TASK_QUEUES);

export const WORKFLOW_TYPES = {
  ticketNotification: 'ticketNotificationWorkflow',
  generateReport: 'generateReportWorkflow',
  cleanupOldData: 'cleanupOldDataWorkflow',
  ticketUpdates: 'ticketUpdatesWorkflow',
  checkAlerts: 'checkAlertsWorkflow',
} as const;

export const JOB_TYPES = {
  notification: 'notification',
  report: 'report',
  cleanup: 'cleanup',
  alertCheck: 'alert_check',
} as const;
export type JobType = (typeof JOB_TYPES)[keyof typeof JOB_TYPES];

/** Custom search attributes registered on every dev server start. */
export const SEARCH_ATTRIBUTES = {
  JobType: 'Keyword',
  TicketId: 'Int',
  CompanyId: 'Int',
  RequestedBy: 'Int',
} as const;

export const CLEANUP_SCHEDULE_ID = 'cleanup-old-data';
/** The schedule that checks the alert rules (every ALERT_CHECK_INTERVAL_SECONDS); its runs are `alert-check-<time>`. */
export const ALERT_SCHEDULE_ID = 'alert-check';

export const workflowIds = {
  notification: (ticketId: number, eventId: string): string => `ticket-${ticketId}-event-${eventId}`,
  /** the long-lived per-ticket workflow that coalesces `updated` events */
  ticketUpdates: (ticketId: number): string => `ticket-${ticketId}-updates`,
  /** one coalesced mail: its digest id is `digest-<first event id>` */
  digest: (ticketId: number, firstEventId: string): string => `ticket-${ticketId}-event-digest-${firstEventId}`,
  report: (reportId: number): string => `report-${reportId}`,
  manualCleanup: (at: Date): string => `cleanup-manual-${at.getTime()}`,
  manualAlertCheck: (at: Date): string => `alert-check-manual-${at.getTime()}`,
  /** a failed report run again from the dead-letter list */
  reportRetry: (reportId: number, failedJobId: number): string => `report-${reportId}-retry-${failedJobId}`,
};

// ---------- notifications ----------
export const TICKET_EVENT_TYPES = ['created', 'updated', 'assigned', 'closed', 'commented'] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];

export interface FieldChange {
  from: unknown;
  to: unknown;
}

export interface TicketNotificationInput {
  eventId: string;
  type: TicketEventType;
  ticketId: number;
  actorId: number;
  occurredAt: string;
  changes?: Record<string, FieldChange>;
  commentId?: number;
  /**
   * How long (hours) a recipient whose send failed for a transient reason is tried again on durable timers
   * before it is dead-lettered (MAIL_REDELIVERY_HOURS when the API started the run); absent or 0: not at all.
   */
  redeliverForHours?: number;
  /**
   * A coalesced mail (NOTIFY_COALESCE_SECONDS): the `updated` events of one ticket, in the order they arrived.
   * Then `eventId` names the digest (`digest-<first event id>`), `type` is `updated` and `actorId` the last actor.
   */
  digest?: DigestEvent[];
}

/** One posted event inside a coalesced mail; the ledger keeps a row per (ticket, this event id, recipient). */
export interface DigestEvent {
  eventId: string;
  actorId: number;
  occurredAt: string;
  changes?: Record<string, FieldChange>;
}

/** The event types a per-ticket workflow holds back for NOTIFY_COALESCE_SECONDS; the others go out at once. */
export const COALESCED_EVENT_TYPES: readonly TicketEventType[] = ['updated'];

/** The signal that hands a posted event to its ticket's per-ticket workflow (signal-with-start). */
export const TICKET_EVENT_SIGNAL = 'ticketEvent';
/** The query answering which events a per-ticket workflow holds and which digest took the others. */
export const TICKET_UPDATES_QUERY = 'ticketUpdatesState';

export interface TicketUpdatesInput {
  ticketId: number;
  coalesceSeconds: number;
  /** with nothing held for this long the workflow ends (default 30 min); the next event starts it again */
  idleSeconds?: number;
  /** continue-as-new past this many history events (default 2000), carrying the held events */
  maxHistoryEvents?: number;
  /** carried across continue-as-new */
  pending?: TicketNotificationInput[];
  /** event id → the digest workflow that mailed it (most recent ones), carried across continue-as-new */
  sentIn?: Record<string, string>;
}

export interface TicketUpdatesState {
  held: Array<{ eventId: string; sendsAt: string | null }>;
  sentIn: Record<string, string>;
}

/** Every change of the events in order, per field from the first `from` to the last `to`. */
export function mergeChanges(events: Array<Pick<DigestEvent, 'changes'>>): Record<string, FieldChange> {
  const merged: Record<string, FieldChange> = {};
  for (const event of events) {
    for (const [field, change] of Object.entries(event.changes ?? {})) {
      merged[field] = field in merged ? { from: merged[field].from, to: change.to } : { from: change.from, to: change.to };
    }
  }
  return merged;
}

/** The waits before each redelivery round of a recipient the mail server turned away for now; the last repeats. */
export const REDELIVERY_SCHEDULE_MS: readonly number[] = [5 * 60_000, 15 * 60_000, 60 * 60_000];

/** Where a notification run stands: shown by the event status endpoint while it waits for its next try. */
export interface NotificationDeliveryState {
  phase: 'sending' | 'waiting_to_redeliver' | 'done';
  /** ISO time of the next redelivery round while waiting */
  nextTryAt: string | null;
  redeliveryRound: number;
  /** the users whose mail is still to be redelivered */
  waitingFor: number[];
}

export interface RecipientOutcome {
  userId: number;
  email: string;
  status: 'sent' | 'already_sent' | 'failed';
  messageId?: string;
  errorType?: string;
}

export interface TicketNotificationResult {
  eventId: string;
  ticketId: number;
  recipients: RecipientOutcome[];
}

// ---------- reports ----------
export const REPORT_FORMATS = ['csv', 'json', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const TICKET_STATUSES = ['open', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export interface ReportFilters {
  from?: string;
  to?: string;
  companyIds?: number[];
  statuses?: TicketStatus[];
  priorities?: TicketPriority[];
}

export interface GenerateReportInput {
  reportId: number;
}

export interface ReportProgress {
  rowsWritten: number;
  totalRows: number;
}

export interface GenerateReportResult {
  reportId: number;
  rowCount: number;
  fileSize: number;
  checksum: string;
}

// ---------- cleanup ----------
export interface CleanupInput {
  dryRun?: boolean;
  /** who asked for a manual run; absent for scheduled runs */
  requestedBy?: number;
}

export interface CleanupCounts {
  activityLogs: number;
  failedJobs: number;
  reports: number;
  reportFiles: number;
  orphanFiles: number;
}

export interface CleanupResult {
  dryRun: boolean;
  cutoffs: { activityLogs: string; failedJobs: string; reports: string };
  counts: CleanupCounts;
}

// ---------- notifications: recipients and failure types ----------
/** Why a user receives a notification; decides the wording. Earlier entries win when a user qualifies twice. */
export const RECIPIENT_REASONS = ['assignee', 'previous_assignee', 'requester', 'watcher', 'company_agent', 'admin'] as const;
export type RecipientReason = (typeof RECIPIENT_REASONS)[number];

export interface NotificationRecipient {
  userId: number;
  email: string;
  reason: RecipientReason;
  /** the display name when the recipients were resolved (the send step looks it up when absent: runs started before it was added) */
  name?: string;
  /** in a coalesced mail: the events this recipient is told about (never their own) */
  eventIds?: string[];
}

export interface ResolvedNotification {
  ticketId: number;
  companyId: number;
  recipients: NotificationRecipient[];
}

export const NOTIFICATION_FAILURES = {
  ticketNotFound: 'TicketNotFound',
  actorNotFound: 'ActorNotFound',
  commentNotFound: 'CommentNotFound',
  /** the actor may not see the ticket (another company's client) */
  actorNotAllowed: 'ActorNotAllowed',
  /** the comment of a `commented` event was written by someone other than the actor */
  commentNotByActor: 'CommentNotByActor',
  /** no longer raised (event ids are scoped to their ticket since migration 013); kept for the workflow's retry policy */
  eventIdConflict: 'EventIdConflict',
  deliveryFailed: 'NotificationDeliveryFailed',
  smtpPermanent: 'SmtpPermanentFailure',
  smtpAuth: 'SmtpAuthFailure',
  smtpTransient: 'SmtpTransientFailure',
} as const;

const PERMANENT_FAILURES: ReadonlySet<string> = new Set([
  NOTIFICATION_FAILURES.smtpPermanent,
  NOTIFICATION_FAILURES.smtpAuth,
  NOTIFICATION_FAILURES.eventIdConflict,
  NOTIFICATION_FAILURES.ticketNotFound,
  NOTIFICATION_FAILURES.actorNotFound,
  NOTIFICATION_FAILURES.commentNotFound,
  NOTIFICATION_FAILURES.actorNotAllowed,
  NOTIFICATION_FAILURES.commentNotByActor,
]);

/** 5xx, failed authentication, missing data: trying again later cannot help. Everything else (4xx, lost connections, timeouts) can. */
export function isPermanentNotificationFailure(errorType: string | undefined): boolean {
  return errorType !== undefined && PERMANENT_FAILURES.has(errorType);
}
