import { announce, api, clearFieldErrors, describeError, el, formatDateTime, showFieldErrors, startSession } from './session.js';

const POLL_MS = 3000;

const content = document.getElementById('jobs-content');
const notAllowed = document.getElementById('not-allowed');
const overviewBody = document.getElementById('overview-body');
const failedSection = document.getElementById('failed-section');
const failedGroups = document.getElementById('failed-groups');
const retriedSection = document.getElementById('retried-section');
const retriedBody = document.getElementById('retried-body');
let me;
let pollTimer;
let workflowsBase = null;
const retrying = new Set();
const busyQueues = new Set();
let pendingFocus = null;

function cell(label, value) {
  const td = el('td', { 'data-label': label });
  if (value instanceof Node) td.append(value);
  else td.textContent = value;
  return td;
}

function temporalLink(href, text, label) {
  return el('a', { href, dataset: { temporalUi: '1' }, 'aria-label': label, text });
}

function workflowLink(workflowId, label) {
  if (!workflowsBase) return el('span', { class: 'error-text', text: workflowId });
  return temporalLink(`${workflowsBase}/${encodeURIComponent(workflowId)}`, workflowId, `${label} ${workflowId} in the Temporal UI`);
}

function renderOverview(overview) {
  const first = overview.queues[0];
  // the UI's per-workflow pages sit under the namespace's workflow list
  if (first) workflowsBase = first.temporalUi.all.split('?')[0];
  const uiLink = document.getElementById('temporal-ui-link');
  if (workflowsBase) {
    uiLink.href = workflowsBase;
    uiLink.dataset.temporalUi = '1';
    uiLink.hidden = false;
  }
  // keep keyboard focus on the same control across the re-render (Pause becomes Resume in place)
  const active = document.activeElement;
  const focused = pendingFocus ?? (active?.dataset?.queue && overviewBody.contains(active) ? { control: active.dataset.control, queue: active.dataset.queue } : null);
  overviewBody.replaceChildren(
    ...overview.queues.map((queue) => {
      const backlog = queue.backlog.approximate
        ? 'unknown'
        : `${queue.backlog.workflowTasks} workflow / ${queue.backlog.activityTasks} activity tasks`;
      const links = el(
        'div',
        { class: 'actions' },
        temporalLink(queue.temporalUi.all, 'All', `All ${queue.queue} jobs in the Temporal UI`),
        temporalLink(queue.temporalUi.running, 'Running', `Running ${queue.queue} jobs in the Temporal UI`),
        temporalLink(queue.temporalUi.failed, 'Failed', `Failed ${queue.queue} jobs in the Temporal UI`),
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
        cell('Failed (24 h)', String(queue.last24h.failed)),
        cell('Temporal UI', links),
        cell('Controls', queueControls(queue)),
      );
    }),
  );
  const target = focused && overviewBody.querySelector(`button[data-control="${focused.control}"][data-queue="${focused.queue}"]`);
  if (target && !target.disabled) {
    target.focus();
    pendingFocus = null;
  }
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
        dataset: { action, control: 'toggle', queue: queue.queue },
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
        dataset: { action: 'restart', control: 'restart', queue: queue.queue },
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

async function controlQueue(action, queue) {
  // disabling the focused button drops its focus: bring it back on the re-rendered control
  if (document.activeElement?.dataset?.queue === queue) pendingFocus = { control: document.activeElement.dataset.control, queue };
  busyQueues.add(queue);
  for (const button of overviewBody.querySelectorAll(`button[data-queue="${queue}"]`)) button.disabled = true;
  try {
    await api('POST', `/api/admin/queues/${encodeURIComponent(queue)}/${action}`);
    announce(QUEUE_ACTIONS[action](queue), 'success');
  } catch (err) {
    announce(`Could not ${action} the ${queue} queue: ${describeError(err)}`, 'error');
  } finally {
    busyQueues.delete(queue);
  }
  await refresh();
}

function retryControl(job) {
  if (!me.permissions.includes('retry_failed_jobs')) return el('span', { class: 'hint', text: 'You may not retry jobs' });
  const button = el('button', {
    type: 'button',
    dataset: { action: 'retry', id: String(job.id) },
    'aria-label': `Retry failed job ${job.id}`,
    text: retrying.has(job.id) ? 'Retrying…' : 'Retry',
  });
  if (retrying.has(job.id)) button.disabled = true;
  return button;
}

function retryAllControl(key, jobs) {
  if (!me.permissions.includes('retry_failed_jobs') || jobs.length < 2) return el('span');
  const busy = jobs.some((job) => retrying.has(job.id));
  const button = el('button', {
    type: 'button',
    class: 'secondary',
    dataset: { action: 'retry-all', ids: jobs.map((job) => job.id).join(',') },
    'aria-label': `Retry all ${jobs.length} failed jobs in ${key}`,
    text: busy ? 'Retrying…' : `Retry all ${jobs.length}`,
  });
  if (busy) button.disabled = true;
  return button;
}

function subjectOf(job) {
  return job.ticketId ? `${job.jobType}, ticket #${job.ticketId}` : job.jobType;
}

function renderFailed(failedJobs) {
  const waiting = failedJobs.filter((job) => job.retry === null);
  const retried = failedJobs.filter((job) => job.retry !== null);
  const groups = new Map();
  for (const job of waiting) {
    const key = `${job.jobType} · ${job.errorType}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(job);
  }
  const focusedKey = document.activeElement?.dataset?.action === 'retry' ? document.activeElement.dataset.id : null;
  failedGroups.replaceChildren(
    ...[...groups.entries()].map(([key, jobs], index) => {
      const headingId = `failed-group-${index}`;
      const table = el(
        'table',
        { class: 'responsive', 'aria-labelledby': headingId },
        el(
          'thead',
          {},
          el('tr', {}, ...['#', 'Job', 'Error', 'Failed', 'Workflow', 'Action'].map((h) => el('th', { scope: 'col', text: h }))),
        ),
        el(
          'tbody',
          {},
          ...jobs.map((job) =>
            el(
              'tr',
              { id: `failed-job-${job.id}`, dataset: { id: String(job.id) } },
              cell('#', String(job.id)),
              cell('Job', subjectOf(job)),
              cell('Error', el('span', { class: 'error-text', text: job.errorMessage ?? job.errorType })),
              cell('Failed', formatDateTime(job.failedAt)),
              cell('Workflow', workflowLink(job.workflowId, 'Failed workflow')),
              cell('Action', retryControl(job)),
            ),
          ),
        ),
      );
      return el(
        'div',
        { class: 'group' },
        el('div', { class: 'section-head' }, el('h3', { id: headingId, text: `${key} — ${jobs.length} job${jobs.length === 1 ? '' : 's'}` }), retryAllControl(key, jobs)),
        table,
      );
    }),
  );
  if (focusedKey) failedGroups.querySelector(`button[data-action="retry"][data-id="${focusedKey}"]`)?.focus();
  document.getElementById('failed-empty').hidden = waiting.length > 0;
  document.getElementById('failed-count').textContent = waiting.length ? `${waiting.length} waiting, in ${groups.size} group${groups.size === 1 ? '' : 's'}` : '';

  retriedSection.hidden = retried.length === 0;
  retriedBody.replaceChildren(
    ...retried.map((job) =>
      el(
        'tr',
        { id: `retried-job-${job.id}` },
        cell('#', String(job.id)),
        cell('Job', subjectOf(job)),
        cell('Error', job.errorType),
        cell('Retry', el('span', { class: `badge badge-${job.retry.status === 'running' ? 'running' : job.retry.status}`, text: job.retry.status })),
        cell('Retried', formatDateTime(job.retry.retriedAt)),
        cell('Workflows', el('div', { class: 'actions' }, workflowLink(job.workflowId, 'Failed workflow'), workflowLink(job.retry.workflowId, 'Retry workflow'))),
      ),
    ),
  );
}

const searchForm = document.getElementById('search-form');
const searchBody = document.getElementById('search-body');
const searchMore = document.getElementById('search-more');
let searchParams = null;
let searchNextPage = null;

/** The form as query parameters; dates become the start or the end of that day in the admin's time zone. */
function searchQueryOf(form) {
  const params = new URLSearchParams();
  for (const name of ['type', 'status', 'queue', 'ticketId', 'companyId']) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  const from = form.elements.from.value;
  const to = form.elements.to.value;
  if (from) params.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) params.set('to', new Date(`${to}T23:59:59.999`).toISOString());
  return params;
}

function jobRow(job) {
  return el(
    'tr',
    { dataset: { workflowId: job.workflowId } },
    cell('Workflow', workflowLink(job.workflowId, 'Workflow')),
    cell('Type', job.tags?.JobType ?? job.type),
    cell('Queue', job.taskQueue),
    cell('Status', el('span', { class: `badge badge-${job.status.toLowerCase().replace(/_/g, '')}`, text: job.status.toLowerCase().replace(/_/g, ' ') })),
    cell('Started', formatDateTime(job.startTime)),
    cell('Closed', formatDateTime(job.closeTime)),
  );
}

async function search(more) {
  const button = more ? searchMore : searchForm.querySelector('button[type="submit"]');
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
    const link = document.getElementById('search-temporal-link');
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

async function refresh() {
  clearTimeout(pollTimer);
  if (!me) return;
  try {
    renderOverview(await api('GET', '/api/admin/overview'));
    if (me.permissions.includes('view_failed_jobs')) renderFailed((await api('GET', '/api/admin/failed-jobs?limit=100')).failedJobs);
  } catch (err) {
    if (err.status === 401) return;
    announce(`Could not refresh the jobs: ${describeError(err)}`, 'error');
  }
  pollTimer = setTimeout(() => void refresh(), POLL_MS);
}

async function retry(id, button) {
  retrying.add(id);
  button.disabled = true;
  button.textContent = 'Retrying…';
  try {
    const started = await api('POST', `/api/admin/failed-jobs/${id}/retry`);
    announce(`Retry of failed job ${id} started (workflow ${started.retryWorkflowId}).`, 'success');
    document.getElementById('failed-title').focus();
  } catch (err) {
    announce(`Could not retry failed job ${id}: ${describeError(err)}`, 'error');
  } finally {
    retrying.delete(id);
  }
  await refresh();
}

async function retryAll(ids, button) {
  for (const id of ids) retrying.add(id);
  button.disabled = true;
  button.textContent = 'Retrying…';
  try {
    const result = await api('POST', '/api/admin/failed-jobs/retry', { ids });
    const skipped = result.skipped.length ? ` ${result.skipped.length} skipped: ${result.skipped.map((s) => `#${s.id} (${s.reason})`).join('; ')}` : '';
    announce(`Started ${result.started.length} ${result.started.length === 1 ? 'retry' : 'retries'}.${skipped}`, result.started.length ? 'success' : 'error');
    document.getElementById('failed-title').focus();
  } catch (err) {
    announce(`Could not retry the group: ${describeError(err)}`, 'error');
  } finally {
    for (const id of ids) retrying.delete(id);
  }
  await refresh();
}

failedGroups.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action="retry"]');
  if (button) void retry(Number(button.dataset.id), button);
  const all = event.target.closest('button[data-action="retry-all"]');
  if (all) void retryAll(all.dataset.ids.split(',').map(Number), all);
});

overviewBody.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-queue]');
  if (button && Object.hasOwn(QUEUE_ACTIONS, button.dataset.action)) void controlQueue(button.dataset.action, button.dataset.queue);
});

// the Temporal UI gateway admits view_horizon holders through a short-lived cookie: get it, then follow the link
document.addEventListener('click', async (event) => {
  const link = event.target.closest('a[data-temporal-ui]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  try {
    await api('POST', '/api/admin/temporal-ui/session');
  } catch (err) {
    announce(`Could not open the Temporal UI: ${describeError(err)}`, 'error');
    return;
  }
  window.location.assign(link.href);
});

startSession({
  onReady: async (user) => {
    me = user;
    try {
      renderOverview(await api('GET', '/api/admin/overview'));
    } catch (err) {
      content.hidden = true;
      notAllowed.hidden = false;
      document.getElementById('not-allowed-text').textContent =
        err.status === 403 ? `You are not allowed to see the Jobs page. ${err.message}.` : `The Jobs page could not load: ${describeError(err)}`;
      document.getElementById('not-allowed-title').textContent = err.status === 403 ? 'Not allowed' : 'Unavailable';
      me = undefined;
      return;
    }
    notAllowed.hidden = true;
    content.hidden = false;
    failedSection.hidden = !user.permissions.includes('view_failed_jobs');
    await refresh();
  },
  onSignOut: () => {
    me = undefined;
    clearTimeout(pollTimer);
    content.hidden = true;
    notAllowed.hidden = true;
  },
});
