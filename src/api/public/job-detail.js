// @ts-check (tsconfig.public.json)
// The job detail panel of the Jobs page: open a job by workflow id (or with any "Details" button carrying
// data-job-detail), see its steps, attempts, durations, last error with stack and, while it runs, live state.
import { api, describeError, el, formatDateTime } from './session.js';

const POLL_MS = 2000;
const CSS = '/assets/job-detail.css';

function stepRows(steps) {
  if (steps.length === 0) return [el('tr', {}, el('td', { colspan: '5', text: 'No steps yet.' }))];
  return steps.map((s) =>
    el(
      'tr',
      {},
      el('td', { 'data-label': 'Step', text: s.step }),
      el('td', { 'data-label': 'Status', text: s.status }),
      el('td', { 'data-label': 'Attempts', text: String(s.attempts) }),
      el('td', { 'data-label': 'Duration', text: s.durationMs === null ? '–' : `${s.durationMs} ms` }),
      el('td', { 'data-label': 'Error', text: s.error ? `${s.error.type ?? 'Error'}: ${s.error.message}` : '' }),
    ),
  );
}

/** Renders the panel into `section` (holding an h2#job-detail-title) and returns open(workflowId). */
export function startJobDetail(section) {
  let timer;
  let current = null;
  if (!document.querySelector(`link[href="${CSS}"]`)) document.head.append(el('link', { rel: 'stylesheet', href: CSS }));
  const input = el('input', { id: 'job-detail-id', name: 'workflowId', autocomplete: 'off', spellcheck: 'false', required: true });
  const form = el(
    'form',
    { id: 'job-detail-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: 'job-detail-id', text: 'Workflow id' }), input),
    el('div', { class: 'actions' }, el('button', { type: 'submit', text: 'Open job' })),
  );
  const status = el('p', { role: 'status', class: 'muted' });
  const body = el('div', { id: 'job-detail-body' });
  section.append(form, status, body);

  function render(detail) {
    const live = detail.pending.map((p) => el('li', { class: 'job-live', text: `${p.step}: ${p.live}` }));
    const facts = [
      ['Type', detail.jobType ?? detail.type],
      ['Status', detail.status],
      ['Queue', detail.taskQueue],
      ['Workflow id', detail.workflowId],
      ['Run id', detail.runId],
      ['Started', formatDateTime(detail.startTime)],
      ['Closed', detail.closeTime ? formatDateTime(detail.closeTime) : '–'],
      ...Object.entries(detail.tags)
        .filter(([key]) => key !== 'JobType')
        .map(([key, value]) => [key, String(value)]),
    ];
    if (detail.progress) facts.push(['Progress', `${detail.progress.rowsWritten} of ${detail.progress.totalRows ?? '?'} rows`]);
    const dl = el('dl', { class: 'facts' });
    for (const [term, value] of facts) dl.append(el('dt', { text: term }), el('dd', { text: value }));
    const parts = [el('h3', { id: 'job-detail-heading', tabindex: '-1', text: `${detail.jobType ?? detail.type} ${detail.workflowId}` }), dl];
    if (live.length > 0) parts.push(el('h4', { text: 'Now' }), el('ul', { id: 'job-detail-live' }, ...live));
    parts.push(
      el(
        'div',
        { class: 'steps-box' },
        el(
        'table',
        { class: 'job-steps' },
        el('caption', { text: 'Steps' }),
        el('thead', {}, el('tr', {}, ...['Step', 'Status', 'Attempts', 'Duration', 'Error'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, ...stepRows(detail.steps)),
        ),
      ),
    );
    if (detail.lastError) {
      parts.push(
        el('h4', { text: 'Last error' }),
        el('p', { id: 'job-detail-error', text: `${detail.lastError.type ?? 'Error'}: ${detail.lastError.message}` }),
        el('details', {}, el('summary', { text: 'Stack' }), el('pre', { class: 'stack', text: detail.lastError.stack ?? 'no stack recorded' })),
      );
    }
    parts.push(el('p', {}, el('a', { href: detail.temporalUi, dataset: { temporalUi: '1' }, text: 'Open in the Temporal UI' })));
    body.replaceChildren(...parts);
  }

  async function load(focus) {
    clearTimeout(timer);
    if (!current) return;
    try {
      const detail = await api('GET', `/api/admin/jobs/${encodeURIComponent(current)}/detail`);
      render(detail);
      status.textContent = detail.status === 'RUNNING' ? 'Running: updated every 2 seconds.' : '';
      if (focus) document.getElementById('job-detail-heading')?.focus();
      if (detail.status === 'RUNNING') timer = setTimeout(() => load(false), POLL_MS);
    } catch (err) {
      body.replaceChildren();
      status.textContent = err.status === 404 ? `No job ${current}.` : `The job could not load: ${describeError(err)}`;
    }
  }

  function open(workflowId) {
    current = workflowId;
    input.value = workflowId;
    section.scrollIntoView({ block: 'start' });
    void load(true);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (id) open(id);
  });
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-job-detail]') : null;
    if (target instanceof HTMLElement && target.dataset.jobDetail) open(target.dataset.jobDetail);
  });
  return { open, stop: () => clearTimeout(timer) };
}
