import { announce, api, describeError, el, formatDateTime, startSession } from './session.js';

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
      );
    }),
  );
  document.getElementById('overview-updated').textContent = `Updated ${new Date(overview.generatedAt).toLocaleTimeString()}`;
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
      return el('div', { class: 'group' }, el('h3', { id: headingId, text: `${key} — ${jobs.length} job${jobs.length === 1 ? '' : 's'}` }), table);
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

failedGroups.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action="retry"]');
  if (button) void retry(Number(button.dataset.id), button);
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
    try {
      renderOverview(await api('GET', '/api/admin/overview'));
    } catch (err) {
      content.hidden = true;
      notAllowed.hidden = false;
      document.getElementById('not-allowed-text').textContent =
        err.status === 403 ? `You are not allowed to see the Jobs page. ${err.message}.` : `The Jobs page could not load: ${describeError(err)}`;
      document.getElementById('not-allowed-title').textContent = err.status === 403 ? 'Not allowed' : 'Unavailable';
      return;
    }
    me = user;
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
