// @ts-check (tsconfig.public.json)
import { startCharts } from './charts.js';
import { startJobDetail } from './job-detail.js';
import { announce, api, clearFieldErrors, confirmAction, describeError, el, formatDateTime, renderKeepingFocus, showFieldErrors, startSession, targetOf } from './session.js';

const POLL_MS = 3000;
/** Entries listed per failed-job group; the group's heading tells when it holds more. */
const GROUP_PAGE_SIZE = 100;
/** The API retries at most this many entries per bulk request (BULK_RETRY_LIMIT), the newest first; GET /api/admin/job-types says the current value. */
let BULK_RETRY_LIMIT = 100;

const content = document.getElementById('jobs-content');
const notAllowed = document.getElementById('not-allowed');
const overviewBody = document.getElementById('overview-body');
const failedSection = document.getElementById('failed-section');
const failedGroups = document.getElementById('failed-groups');
const retriedSection = document.getElementById('retried-section');
const retriedBody = document.getElementById('retried-body');
const alertsTable = document.getElementById('alerts-table');
const alertsBody = document.getElementById('alerts-body');
const alertsSummary = document.getElementById('alerts-summary');
let me;
let pollTimer;
let charts;
let jobDetail;
let workflowsBase = null;
const retrying = new Set();
const retryingGroups = new Set();
const busyQueues = new Set();
// the control whose button got disabled (and so lost the focus) while its action ran, per table
const lostFocus = { overview: null, failed: null };

function cell(label, value) {
  const td = el('td', { 'data-label': label });
  if (value instanceof Node) td.append(value);
  else td.textContent = value;
  return td;
}

function temporalLink(href, text, label, focusKey) {
  return el('a', { href, dataset: { temporalUi: '1', focusKey }, 'aria-label': label, text });
}

function workflowLink(workflowId, label, focusKey) {
  // every workflow shown can be opened in the job detail panel (job-detail.js listens for data-job-detail)
  const details = el('button', { type: 'button', class: 'secondary', dataset: { jobDetail: workflowId }, 'aria-label': `Details of ${workflowId}`, text: 'Details' });
  if (!workflowsBase) return el('span', {}, el('span', { class: 'error-text', text: workflowId }), ' ', details);
  return el('span', {}, temporalLink(`${workflowsBase}/${encodeURIComponent(workflowId)}`, workflowId, `${label} ${workflowId} in the Temporal UI`, focusKey), ' ', details);
}

/** per task queue: the dead-letter entries of the last 24 h and how many were since retried successfully */
let recentFailures = new Map();

/** "Failed (24 h)" with how many of those failures a retry has since put right. */
function failedCount(queue) {
  const retriedOk = recentFailures.get(queue.queue)?.retriedOk ?? 0;
  return retriedOk ? `${queue.last24h.failed} (${retriedOk} since retried OK)` : String(queue.last24h.failed);
}

function renderOverview(overview) {
  const first = overview.queues[0];
  // the UI's per-workflow pages sit under the namespace's workflow list
  if (first) workflowsBase = first.temporalUi.all.split('?')[0];
  const uiLink = /** @type {HTMLAnchorElement} */ (document.getElementById('temporal-ui-link'));
  if (workflowsBase) {
    uiLink.href = workflowsBase;
    uiLink.dataset.temporalUi = '1';
    uiLink.hidden = false;
  }
  const rows = overview.queues.map((queue) => {
    const backlog = queue.backlog.approximate
      ? 'unknown'
      : `${queue.backlog.workflowTasks} workflow / ${queue.backlog.activityTasks} activity tasks`;
    const links = el(
      'div',
      { class: 'actions' },
      temporalLink(queue.temporalUi.all, 'All', `All ${queue.queue} jobs in the Temporal UI`, `queue-${queue.queue}-all`),
      temporalLink(queue.temporalUi.running, 'Running', `Running ${queue.queue} jobs in the Temporal UI`, `queue-${queue.queue}-running`),
      temporalLink(queue.temporalUi.failed, 'Failed', `Failed ${queue.queue} jobs in the Temporal UI`, `queue-${queue.queue}-failed`),
    );
    return el(
      'tr',
      { dataset: { queue: queue.queue } },
      cell('Queue', queue.queue),
      cell('State', el('span', { class: `badge badge-${queue.paused ? 'paused' : 'ready'}`, text: queue.paused ? 'paused' : 'active' })),
      cell('Workers', queue.workers.length ? `${queue.workers.length} polling` : 'none polling'),
      cell('Backlog', backlog),
      cell('Running', String(queue.running)),
      cell('Completed (24 h)', String(queue.last24h.completed)),
      cell('Failed (24 h)', failedCount(queue)),
      cell('Temporal UI', links),
      cell('Controls', queueControls(queue)),
    );
  });
  // Pause becomes Resume in place: same key, so the focus stays on it
  if (renderKeepingFocus(overviewBody, rows, lostFocus.overview)) lostFocus.overview = null;
  document.getElementById('overview-updated').textContent = `Updated ${new Date(overview.generatedAt).toLocaleTimeString()}`;
}

/** Pause/resume for manage_queues holders, a graceful restart for restart_queues holders. */
function queueControls(queue) {
  const may = (permission) => me?.permissions.includes(permission);
  const controls = [];
  if (may('manage_queues')) {
    const action = queue.paused ? 'resume' : 'pause';
    controls.push(
      el('button', {
        type: 'button',
        class: 'secondary',
        dataset: { action, queue: queue.queue, focusKey: `queue-${queue.queue}-toggle` },
        'aria-label': `${queue.paused ? 'Resume' : 'Pause'} the ${queue.queue} queue`,
        text: queue.paused ? 'Resume' : 'Pause',
      }),
    );
  }
  if (may('restart_queues')) {
    controls.push(
      el('button', {
        type: 'button',
        class: 'secondary',
        dataset: { action: 'restart', queue: queue.queue, focusKey: `queue-${queue.queue}-restart` },
        'aria-label': `Restart the ${queue.queue} workers gracefully`,
        text: 'Restart',
      }),
    );
  }
  if (controls.length === 0) return el('span', { class: 'hint', text: 'View only' });
  for (const button of controls) if (busyQueues.has(button.dataset.queue)) button.disabled = true;
  return el('div', { class: 'actions' }, ...controls);
}

/** The API action (its path segment) and what the admin is told once it is done. */
const QUEUE_ACTIONS = {
  pause: (queue) => `The ${queue} queue is paused: its workers finish the running jobs and take no new ones.`,
  resume: (queue) => `The ${queue} queue is resumed: its workers poll again.`,
  restart: (queue) => `The ${queue} workers are restarting: they drain, exit and start again.`,
};

/** Restarting stops every worker of the queue for a moment: the admin confirms it first. */
const QUEUE_CONFIRMATIONS = {
  restart: (queue) => ({
    title: `Restart the ${queue} workers?`,
    message: `Every ${queue} worker finishes its running jobs, exits and starts again. New jobs wait in the queue meanwhile; none is lost.`,
    confirmLabel: 'Restart the workers',
    cancelLabel: 'Keep them running',
  }),
};

async function controlQueue(action, queue) {
  if (QUEUE_CONFIRMATIONS[action] && !(await confirmAction(QUEUE_CONFIRMATIONS[action](queue)))) return;
  // disabling the focused button drops its focus: the re-render brings it back to the same control
  if (overviewBody.contains(document.activeElement)) lostFocus.overview = /** @type {HTMLElement} */ (document.activeElement).dataset.focusKey ?? null;
  busyQueues.add(queue);
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (overviewBody.querySelectorAll(`button[data-queue="${queue}"]`))) button.disabled = true;
  try {
    await api('POST', `/api/admin/queues/${encodeURIComponent(queue)}/${action}`);
    announce(QUEUE_ACTIONS[action](queue), 'success');
  } catch (err) {
    announce(`Could not ${action} the ${queue} queue: ${describeError(err)}`, 'error');
  } finally {
    busyQueues.delete(queue);
  }
  await refresh();
  lostFocus.overview = null;
}

/** A Retry button where a retry can work; otherwise the server's reason why not. */
function retryControl(job, groupBusy) {
  if (!me.permissions.includes('retry_failed_jobs')) return el('span', { class: 'hint', text: 'You may not retry jobs' });
  if (!job.retryable) return el('span', { class: 'hint', dataset: { notRetryable: String(job.id) }, text: job.notRetryableReason });
  const busy = groupBusy || retrying.has(job.id);
  const button = el('button', {
    type: 'button',
    dataset: { action: 'retry', id: String(job.id), focusKey: `retry-${job.id}` },
    'aria-label': `Retry failed job ${job.id}`,
    text: busy ? 'Retrying…' : 'Retry',
  });
  if (busy) button.disabled = true;
  return button;
}

/** Notification delivery failures are grouped by how they failed; the group names it in words. */
const GROUP_KINDS = {
  smtp_permanent: 'refused permanently by the mail server',
  smtp_temporary: 'temporary failures that ran out of attempts',
  smtp_auth: 'mail server authentication failed',
  template: 'the mail template failed',
  other: 'other errors',
};

function groupKey(group) {
  const kind = group.failureKind ? ` · ${GROUP_KINDS[group.failureKind] ?? group.failureKind}` : '';
  return `${group.jobType} · ${group.errorType}${kind}`;
}

/**
 * Retries the group through the bulk endpoint's filter, so entries not listed here are retried too,
 * at most BULK_RETRY_LIMIT per request; the label says how many one press retries.
 */
function retryAllControl(group) {
  if (!me.permissions.includes('retry_failed_jobs')) return null;
  const complete = group.count <= group.jobs.length;
  const retryable = group.jobs.filter((job) => job.retryable).length;
  if (complete && retryable < 2) return null;
  const busy = retryingGroups.has(groupKey(group));
  const batch = Math.min(group.count, BULK_RETRY_LIMIT);
  const label = complete ? `Retry all ${retryable}` : batch < group.count ? `Retry ${batch} of ${group.count}` : `Retry all ${group.count}`;
  const button = el('button', {
    type: 'button',
    class: 'secondary',
    dataset: {
      action: 'retry-all',
      jobType: group.jobType,
      errorType: group.errorType,
      failureKind: group.failureKind ?? undefined,
      focusKey: `retry-all-${group.jobType}-${group.errorType}-${group.failureKind ?? ''}`,
    },
    'aria-label':
      batch < group.count
        ? `Retry the newest ${batch} of the ${group.count} failed jobs in ${groupKey(group)} (at most ${BULK_RETRY_LIMIT} per press)`
        : `Retry all ${complete ? retryable : group.count} failed jobs in ${groupKey(group)}`,
    text: busy ? 'Retrying…' : label,
  });
  if (busy) button.disabled = true;
  return button;
}

function subjectOf(job) {
  return job.ticketId ? `${job.jobType}, ticket #${job.ticketId}` : job.jobType;
}

/** What the failure group means, in words (the error type is the technical name). */
const FAILURE_KINDS = {
  SmtpPermanentFailure: 'refused permanently by the mail server (5xx)',
  SmtpTransientFailure: 'temporary failures (4xx) that ran out of attempts',
  SmtpAuthFailure: 'the mail server refused our credentials',
  TemplateError: 'the mail template could not be rendered',
};

/** A failed notification names each recipient it could not serve, with the server's reply; other jobs show their error. */
function errorDetail(job) {
  if (!job.failedRecipients?.length) return el('span', { class: 'error-text', text: job.errorMessage ?? job.errorType });
  const list = el('ul', { class: 'recipients' });
  for (const recipient of job.failedRecipients) {
    const who = recipient.email ?? `user #${recipient.userId}`;
    const why = recipient.reply ?? FAILURE_KINDS[recipient.errorType] ?? recipient.errorType ?? 'unknown error';
    list.append(el('li', {}, el('strong', { text: who }), ': ', el('span', { class: 'error-text', text: why })));
  }
  return list;
}

function failedGroup(group, index) {
  const headingId = `failed-group-${index}`;
  const busy = retryingGroups.has(groupKey(group));
  const table = el(
    'table',
    { class: 'responsive', 'aria-labelledby': headingId },
    el('thead', {}, el('tr', {}, ...['#', 'Job', 'Error', 'Failed', 'Workflow', 'Action'].map((h) => el('th', { scope: 'col', text: h })))),
    el(
      'tbody',
      {},
      ...group.jobs.map((job) =>
        el(
          'tr',
          { id: `failed-job-${job.id}`, dataset: { id: String(job.id) } },
          cell('#', String(job.id)),
          cell('Job', subjectOf(job)),
          cell('Error', errorDetail(job)),
          cell('Failed', formatDateTime(job.failedAt)),
          cell('Workflow', workflowLink(job.workflowId, 'Failed workflow', `failed-${job.id}-workflow`)),
          cell('Action', retryControl(job, busy)),
        ),
      ),
    ),
  );
  const partial = group.count > group.jobs.length;
  return el(
    'div',
    { class: 'group', dataset: { jobType: group.jobType, errorType: group.errorType, failureKind: group.failureKind ?? undefined } },
    el(
      'div',
      { class: 'section-head' },
      el('h3', { id: headingId, text: `${groupKey(group)} — ${group.count} job${group.count === 1 ? '' : 's'}` }),
      retryAllControl(group),
    ),
    partial ? el('p', { class: 'hint group-partial', text: `Showing ${group.jobs.length} of ${group.count}, newest first.` }) : null,
    table,
  );
}

/** Groups with their true counts; each lists its newest entries never retried. */
function renderFailed({ groups, retried }) {
  const shown = groups.filter((group) => group.jobs.length > 0);
  if (renderKeepingFocus(failedGroups, shown.map(failedGroup), lostFocus.failed)) lostFocus.failed = null;
  const waiting = shown.reduce((sum, group) => sum + group.count, 0);
  document.getElementById('failed-empty').hidden = waiting > 0;
  document.getElementById('failed-count').textContent = waiting ? `${waiting} waiting, in ${shown.length} group${shown.length === 1 ? '' : 's'}` : '';

  retriedSection.hidden = retried.length === 0;
  renderKeepingFocus(
    retriedBody,
    retried.map((job) =>
      el(
        'tr',
        { id: `retried-job-${job.id}` },
        cell('#', String(job.id)),
        cell('Job', subjectOf(job)),
        cell('Error', job.errorType),
        cell('Retry', el('span', { class: `badge badge-${job.retry.status === 'running' ? 'running' : job.retry.status}`, text: job.retry.status })),
        cell('Retried', formatDateTime(job.retry.retriedAt)),
        cell(
          'Workflows',
          el(
            'div',
            { class: 'actions' },
            workflowLink(job.workflowId, 'Failed workflow', `retried-${job.id}-failed`),
            workflowLink(job.retry.workflowId, 'Retry workflow', `retried-${job.id}-retry`),
          ),
        ),
      ),
    ),
  );
}

async function loadFailed() {
  const { groups, last24h } = await api('GET', '/api/admin/failed-jobs/groups?notRetried=true');
  const [pages, recent] = await Promise.all([
    Promise.all(
      groups.map((group) => {
        const query = new URLSearchParams({ jobType: group.jobType, errorType: group.errorType, notRetried: 'true', limit: String(GROUP_PAGE_SIZE) });
        if (group.failureKind) query.set('failureKind', group.failureKind);
        return api('GET', `/api/admin/failed-jobs?${query}`);
      }),
    ),
    api('GET', '/api/admin/failed-jobs?limit=100'),
  ]);
  return {
    // a failure recorded between the two calls can make a page longer than the count
    groups: groups.map((group, i) => ({ ...group, count: Math.max(group.count, pages[i].failedJobs.length), jobs: pages[i].failedJobs })),
    retried: recent.failedJobs.filter((job) => job.retry !== null),
    last24h: new Map((last24h ?? []).map((entry) => [entry.taskQueue, entry])),
  };
}

const searchForm = document.getElementById('search-form');
const searchBody = document.getElementById('search-body');
const searchMore = document.getElementById('search-more');
let searchParams = null;
let searchNextPage = null;

/** The form as query parameters; dates become the start or the end of that day, times that minute, in the admin's time zone. */
function searchQueryOf(form) {
  const params = new URLSearchParams();
  for (const name of ['type', 'status', 'queue', 'ticketId', 'companyId', 'workflowId', 'eventId', 'errorType']) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  if (from) params.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) params.set('to', new Date(`${to}T23:59:59.999`).toISOString());
  const closedFrom = form.elements.closedFrom.value;
  const closedBefore = form.elements.closedBefore.value;
  if (closedFrom) params.set('closedFrom', new Date(closedFrom).toISOString());
  // "ended before 10:05" is "ended at or before 10:04:59.999"
  if (closedBefore) params.set('closedTo', new Date(new Date(closedBefore).getTime() - 1).toISOString());
  return params;
}

/** A local `YYYY-MM-DDTHH:MM` for a datetime-local field. */
function localMinute(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * Lists the jobs behind a chart point or table cell: that queue and job type, ended within the bucket
 * (failed ones only for the failure rate), from which the detail opens.
 */
async function listJobsOf(pick) {
  const form = /** @type {any} */ (searchForm);
  form.reset();
  clearFieldErrors(form);
  const select = (name, value) => {
    const field = form.elements[name];
    if (![...field.options].some((option) => option.value === value)) field.append(el('option', { value, text: value }));
    field.value = value;
  };
  select('type', pick.jobType);
  select('queue', pick.queue);
  if (pick.failedOnly) select('status', 'Failed');
  form.elements.closedFrom.value = localMinute(new Date(pick.from));
  form.elements.closedBefore.value = localMinute(new Date(pick.to));
  searchParams = searchQueryOf(form);
  searchNextPage = null;
  await search(false);
  const summary = document.getElementById('search-summary');
  summary.setAttribute('tabindex', '-1');
  summary.scrollIntoView({ block: 'start' });
  summary.focus();
}

/** Temporal's status names (results) and the filter's values, spelt one way on the page. */
const STATUS_LABELS = {
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  CANCELED: 'Cancelled',
  TERMINATED: 'Terminated',
  TIMED_OUT: 'Timed out',
  CONTINUED_AS_NEW: 'Continued as new',
};

function statusLabel(status) {
  return STATUS_LABELS[status] ?? status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ');
}

function jobRow(job) {
  return el(
    'tr',
    { dataset: { workflowId: job.workflowId } },
    cell('Workflow', workflowLink(job.workflowId, 'Workflow')),
    cell('Type', job.tags?.JobType ?? job.type),
    cell('Queue', job.taskQueue),
    cell(
      'Status',
      el(
        'span',
        {},
        el('span', { class: `badge badge-${job.status.toLowerCase().replace(/_/g, '')}`, text: statusLabel(job.status) }),
        job.note ? el('small', { class: 'job-note', text: ` ${job.note}` }) : null,
      ),
    ),
    cell('Started', formatDateTime(job.startTime)),
    cell('Closed', formatDateTime(job.closeTime)),
  );
}

async function search(more) {
  const button = /** @type {HTMLButtonElement} */ (more ? searchMore : searchForm.querySelector('button[type="submit"]'));
  button.disabled = true;
  try {
    const params = new URLSearchParams(searchParams);
    params.set('pageSize', '20');
    if (more && searchNextPage) params.set('nextPageToken', searchNextPage);
    const page = await api('GET', `/api/admin/jobs?${params}`);
    if (!more) searchBody.replaceChildren();
    searchBody.append(...page.jobs.map(jobRow));
    searchNextPage = page.nextPageToken;
    const shown = searchBody.children.length;
    document.getElementById('search-table').hidden = shown === 0;
    searchMore.hidden = !searchNextPage;
    document.getElementById('search-summary').textContent = shown === 0 ? 'No job matches.' : `${shown} job${shown === 1 ? '' : 's'} shown${searchNextPage ? ', more available' : ''}.`;
    const link = /** @type {HTMLAnchorElement} */ (document.getElementById('search-temporal-link'));
    link.href = page.temporalUi;
    link.hidden = false;
  } catch (err) {
    const unmatched = showFieldErrors(searchForm, err.details);
    announce(unmatched.length || !err.details ? `Could not search the jobs: ${describeError(err)}` : 'Please correct the highlighted search fields.', 'error');
  } finally {
    button.disabled = false;
  }
}

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  clearFieldErrors(searchForm);
  announce('');
  searchParams = searchQueryOf(searchForm);
  searchNextPage = null;
  void search(false);
});
searchMore.addEventListener('click', () => void search(true));

/** The error types of the failed-jobs list, offered as suggestions in the search's error type field. */
function fillErrorTypes(groups) {
  const list = document.getElementById('search-error-types');
  const types = [...new Set(groups.map((group) => group.errorType))].sort();
  if (list.children.length === types.length && [...list.children].every((option, i) => option.getAttribute('value') === types[i])) return;
  list.replaceChildren(...types.map((value) => el('option', { value })));
}

/** "mail to ops@example.com: sent", per notification of one kind (firing or resolved). */
function notificationSummary(notifications, kind) {
  const ofKind = notifications.filter((n) => n.kind === kind);
  if (ofKind.length === 0) return null;
  return ofKind.map((n) => `${n.channel === 'webhook' ? 'webhook' : `mail to ${n.channel.slice('email:'.length)}`}: ${n.status}${n.error ? ` (${n.error})` : ''}`).join('; ');
}

function alertRow(episode) {
  const open = episode.resolvedAt === null;
  const state = el('span', { class: `badge ${open ? 'badge-failed' : 'badge-completed'}`, text: open ? 'Open' : 'Resolved' });
  const what = el('span', {}, el('strong', { text: episode.title }), ` ${episode.summary}`);
  const sent = el('span', {});
  for (const [kind, label] of [['firing', 'Alert'], ['resolved', 'Resolved']]) {
    const summary = notificationSummary(episode.notifications, kind);
    if (summary) sent.append(el('span', { class: 'hint', text: `${label}: ${summary}` }), el('br'));
  }
  if (!sent.childNodes.length) sent.textContent = 'Nothing sent yet';
  return el(
    'tr',
    {},
    cell('State', state),
    cell('Alert', what),
    cell('Opened', formatDateTime(episode.openedAt)),
    cell('Resolved', open ? '—' : formatDateTime(episode.resolvedAt)),
    cell('Notified', sent),
  );
}

function renderAlerts({ open, recent }) {
  alertsSummary.textContent = open.length === 0 ? 'No open alerts.' : `${open.length} open alert${open.length === 1 ? '' : 's'}.`;
  alertsTable.hidden = open.length + recent.length === 0;
  alertsBody.replaceChildren(...open.map(alertRow), ...recent.map(alertRow));
}

async function refresh() {
  clearTimeout(pollTimer);
  if (!me) return;
  // each section shows what it could load: a slow or failing overview never hides the alerts or the failed jobs
  const [overview, failed, alerts] = await Promise.allSettled([
    api('GET', '/api/admin/overview'),
    me.permissions.includes('view_failed_jobs') ? loadFailed() : Promise.resolve(null),
    api('GET', '/api/admin/alerts'),
  ]);
  const problems = [overview, failed, alerts].filter((result) => result.status === 'rejected').map((result) => result.reason);
  if (problems.some((err) => err.status === 401)) return;
  try {
    if (failed.status === 'fulfilled') recentFailures = failed.value?.last24h ?? new Map();
    if (overview.status === 'fulfilled') renderOverview(overview.value);
    if (alerts.status === 'fulfilled') renderAlerts(alerts.value);
    if (failed.status === 'fulfilled' && failed.value) {
      renderFailed(failed.value);
      fillErrorTypes(failed.value.groups);
    }
  } catch (err) {
    problems.push(err);
  }
  if (problems.length > 0) announce(`Could not refresh the jobs: ${describeError(problems[0])}`, 'error');
  pollTimer = setTimeout(() => void refresh(), POLL_MS);
}

async function retry(id, button) {
  retrying.add(id);
  button.disabled = true;
  button.textContent = 'Retrying…';
  lostFocus.failed = button.dataset.focusKey;
  try {
    const started = await api('POST', `/api/admin/failed-jobs/${id}/retry`);
    announce(`Retry of failed job ${id} started (workflow ${started.retryWorkflowId}).`, 'success');
    lostFocus.failed = null;
    document.getElementById('failed-title').focus();
  } catch (err) {
    announce(`Could not retry failed job ${id}: ${describeError(err)}`, 'error');
  } finally {
    retrying.delete(id);
  }
  await refresh();
  lostFocus.failed = null;
}

async function retryGroup(jobType, errorType, failureKind, button) {
  const key = groupKey({ jobType, errorType, failureKind });
  const confirmed = await confirmAction({
    title: `${button.textContent}?`,
    message: `${button.getAttribute('aria-label')}: each starts again as a new workflow, and a retry that fails joins this list again.`,
    confirmLabel: button.textContent,
    cancelLabel: 'Keep them failed',
  });
  // a poll may have redrawn the group meanwhile: act on the button shown now
  const current = /** @type {HTMLButtonElement | null} */ (failedGroups.querySelector(`button[data-focus-key="${button.dataset.focusKey}"]`)) ?? button;
  if (!confirmed) {
    if (document.activeElement === document.body && current.isConnected) current.focus();
    return;
  }
  button = current;
  retryingGroups.add(key);
  button.disabled = true;
  button.textContent = 'Retrying…';
  lostFocus.failed = button.dataset.focusKey;
  try {
    const result = await api('POST', '/api/admin/failed-jobs/retry', { jobType, errorType, ...(failureKind ? { failureKind } : {}) });
    const skipped = result.skipped.length ? ` ${result.skipped.length} skipped: ${result.skipped.map((s) => `#${s.id} (${s.reason})`).join('; ')}` : '';
    announce(`Started ${result.started.length} ${result.started.length === 1 ? 'retry' : 'retries'} in ${key}.${skipped}`, result.started.length ? 'success' : 'error');
    lostFocus.failed = null;
    document.getElementById('failed-title').focus();
  } catch (err) {
    announce(`Could not retry the group: ${describeError(err)}`, 'error');
  } finally {
    retryingGroups.delete(key);
  }
  await refresh();
  lostFocus.failed = null;
}

failedGroups.addEventListener('click', (event) => {
  const button = targetOf(event, 'button[data-action="retry"]');
  if (button) void retry(Number(button.dataset.id), button);
  const all = targetOf(event, 'button[data-action="retry-all"]');
  if (all) void retryGroup(all.dataset.jobType, all.dataset.errorType, all.dataset.failureKind, all);
});

overviewBody.addEventListener('click', (event) => {
  const button = targetOf(event, 'button[data-queue]');
  if (button && Object.hasOwn(QUEUE_ACTIONS, button.dataset.action)) void controlQueue(button.dataset.action, button.dataset.queue);
});

// the Temporal UI gateway admits view_horizon holders through a short-lived cookie: get it, then follow the link
document.addEventListener('click', async (event) => {
  const link = targetOf(event, 'a[data-temporal-ui]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  try {
    await api('POST', '/api/admin/temporal-ui/session');
  } catch (err) {
    announce(`Could not open the Temporal UI: ${describeError(err)}`, 'error');
    return;
  }
  window.location.assign(/** @type {HTMLAnchorElement} */ (link).href);
});

/** Replaces a select's options (after "Any") with the given values, keeping the current choice when it still exists. */
function fillSelect(select, values, labelOf) {
  const current = select.value;
  select.replaceChildren(el('option', { value: '', text: 'Any' }), ...values.map((value) => el('option', { value, text: labelOf(value) })));
  select.value = values.includes(current) ? current : '';
}

/** The job types, queues and limits come from the registry (GET /api/admin/job-types); the page's built-in lists stay if it does not answer. */
async function loadJobTypes() {
  try {
    const { jobTypes, queues, limits } = await api('GET', '/api/admin/job-types');
    fillSelect(document.getElementById('search-type'), jobTypes.map((t) => t.jobType), (type) => type.charAt(0).toUpperCase() + type.slice(1).replace(/_/g, ' '));
    fillSelect(document.getElementById('search-queue'), queues.map((q) => q.queue), (queue) => queue);
    BULK_RETRY_LIMIT = limits.bulkRetry;
  } catch {
    // keep the built-in lists
  }
}

startSession({
  onReady: async (user) => {
    me = user;
    let overview = null;
    try {
      overview = await api('GET', '/api/admin/overview');
    } catch (err) {
      if (err.status === 401) return;
      if (err.status === 403) {
        content.hidden = true;
        notAllowed.hidden = false;
        document.getElementById('not-allowed-text').textContent = `You are not allowed to see the Jobs page. ${err.message}.`;
        me = undefined;
        return;
      }
      // anything else passes (Temporal slow or restarting answers 503): the page opens, the refresh says what failed
      // and tries again every few seconds, and the sections that could load show meanwhile
    }
    if (overview) renderOverview(overview);
    notAllowed.hidden = true;
    content.hidden = false;
    failedSection.hidden = !user.permissions.includes('view_failed_jobs');
    charts ??= startCharts(document.getElementById('charts-section'), { onPick: (pick) => void listJobsOf(pick) });
    jobDetail ??= startJobDetail(document.getElementById('job-detail-section'));
    await loadJobTypes();
    await refresh();
    // the most recent jobs show at once; the form narrows them down
    searchParams = searchQueryOf(searchForm);
    searchNextPage = null;
    await search(false);
  },
  onSignOut: () => {
    me = undefined;
    clearTimeout(pollTimer);
    content.hidden = true;
    notAllowed.hidden = true;
  },
});
