// @ts-check (tsconfig.public.json)
import {
  announce,
  api,
  apiFetch,
  clearFieldErrors,
  confirmAction,
  describeError,
  el,
  fieldValue,
  formatDateTime,
  renderKeepingFocus,
  showFieldErrors,
  startSession,
  targetOf,
  whileBusy,
} from './session.js';

const ACTIVE = new Set(['queued', 'running']);
const FAST_POLL_MS = 1000;
const SLOW_POLL_MS = 15000;

const form = /** @type {HTMLFormElement} */ (document.getElementById('report-form'));
const body = document.getElementById('reports-body');
const table = document.getElementById('reports-table');
const empty = document.getElementById('reports-empty');
const live = document.getElementById('live-indicator');
const showAll = /** @type {HTMLInputElement} */ (document.getElementById('show-all'));
const rows = new Map();
/** company id → name, for the filter choices and the filter descriptions */
const companyNames = new Map();
let pollTimer;
let signedIn = false;

/** Companies are chosen by name; a client is offered its own company only. */
async function loadCompanies() {
  const box = document.getElementById('filter-companies');
  try {
    const { companies } = await api('GET', '/api/companies');
    companyNames.clear();
    box.replaceChildren(
      ...companies.map((company) => {
        companyNames.set(company.id, company.name);
        const label = el('label', {});
        label.append(el('input', { type: 'checkbox', name: 'companyIds', value: String(company.id) }), ` ${company.name}`);
        return label;
      }),
    );
  } catch (err) {
    if (err.status !== 401) announce(`Could not load the companies: ${describeError(err)}`, 'error');
  }
}

function readFilters() {
  const filters = {};
  if (fieldValue(form, 'from')) filters.from = fieldValue(form, 'from');
  if (fieldValue(form, 'to')) filters.to = fieldValue(form, 'to');
  const checked = (name) => [.../** @type {NodeListOf<HTMLInputElement>} */ (form.querySelectorAll(`input[name="${name}"]:checked`))].map((input) => input.value);
  if (checked('companyIds').length) filters.companyIds = checked('companyIds').map(Number);
  if (checked('statuses').length) filters.statuses = checked('statuses');
  if (checked('priorities').length) filters.priorities = checked('priorities');
  return { filters };
}

function describeFilters(filters) {
  const parts = [];
  if (filters.from || filters.to) parts.push(`${filters.from ?? '…'} → ${filters.to ?? '…'}`);
  if (filters.companyIds?.length) parts.push(filters.companyIds.map((id) => companyNames.get(id) ?? `company #${id}`).join(', '));
  if (filters.statuses?.length) parts.push(filters.statuses.join(', '));
  if (filters.priorities?.length) parts.push(filters.priorities.join(', '));
  return parts.length ? parts.join(' · ') : 'all tickets';
}

function statusLabel(report) {
  if (report.status === 'failed' && report.error) return `failed: ${report.error}`;
  return report.status;
}

function progressCell(report) {
  const { percent, rowsWritten, totalRows } = report.progress;
  const wrap = el('div', { class: 'progress' });
  wrap.append(
    el('progress', { max: '100', value: String(percent), 'aria-label': `Report ${report.id} progress` }),
    el('span', { class: 'progress-text', text: totalRows ? `${percent} % (${rowsWritten}/${totalRows})` : `${percent} %` }),
  );
  return wrap;
}

function actionsFor(report) {
  const box = el('div', { class: 'actions' });
  if (report.status === 'ready') {
    const download = el('button', { type: 'button', dataset: { action: 'download', id: String(report.id), focusKey: `download-${report.id}` }, text: 'Download' });
    download.setAttribute('aria-label', `Download report ${report.id} (${report.format.toUpperCase()})`);
    box.append(download);
  }
  const remove = el('button', {
    type: 'button',
    class: 'secondary danger',
    // Cancel turns into Delete in place once the report stops: one key, so the focus stays on it
    dataset: { action: 'delete', id: String(report.id), focusKey: `remove-${report.id}` },
    text: ACTIVE.has(report.status) ? 'Cancel' : 'Delete',
  });
  remove.setAttribute('aria-label', `${ACTIVE.has(report.status) ? 'Cancel' : 'Delete'} report ${report.id}`);
  box.append(remove);
  return box;
}

function cell(label, content, extra = {}) {
  const td = el('td', { 'data-label': label, ...extra });
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

/** Rows are updated in place so a focused button keeps its focus while the list refreshes. */
function renderReports(reports) {
  const seen = new Set();
  reports.forEach((report, index) => {
    seen.add(report.id);
    let row = rows.get(report.id);
    if (!row) {
      row = el('tr', { id: `report-${report.id}`, dataset: { id: String(report.id) } });
      row.append(
        cell('#', String(report.id)),
        cell('Format', report.format.toUpperCase()),
        cell('Filters', describeFilters(report.filters)),
        cell('Status', '', { class: 'status' }),
        cell('Progress', ''),
        cell('Rows', ''),
        cell('Requested', showAll.checked ? `${formatDateTime(report.createdAt)} by user #${report.userId}` : formatDateTime(report.createdAt)),
        cell('Actions', ''),
      );
      rows.set(report.id, row);
    }
    const cells = row.children;
    if (row.dataset.status !== report.status || cells[4].dataset.percent !== String(report.progress.percent) || cells[4].dataset.rows !== String(report.progress.rowsWritten)) {
      cells[3].replaceChildren(el('span', { class: `badge badge-${report.status}`, text: statusLabel(report) }));
      cells[4].replaceChildren(progressCell(report));
      cells[4].dataset.percent = String(report.progress.percent);
      cells[4].dataset.rows = String(report.progress.rowsWritten);
      cells[5].textContent = report.rowCount === null ? '—' : String(report.rowCount);
      if (row.dataset.status !== report.status) {
        if (row.dataset.status && report.status === 'ready') announce(`Report ${report.id} is ready to download.`, 'success');
        if (row.dataset.status && report.status === 'failed') announce(`Report ${report.id} failed: ${report.error ?? 'unknown error'}`, 'error');
        renderKeepingFocus(cells[7], [actionsFor(report)]);
      }
      row.dataset.status = report.status;
    }
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null);
  });
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  empty.hidden = reports.length > 0;
  table.hidden = reports.length === 0;
}

async function refresh() {
  clearTimeout(pollTimer);
  if (!signedIn) return;
  let reports = [];
  try {
    reports = (await api('GET', showAll.checked ? '/api/reports?all=1' : '/api/reports')).reports;
    renderReports(reports);
  } catch (err) {
    if (err.status === 401) return;
    announce(`Could not refresh the reports: ${describeError(err)}`, 'error');
  }
  const active = reports.some((report) => ACTIVE.has(report.status));
  live.textContent = active ? 'Updating live…' : '';
  pollTimer = setTimeout(() => void refresh(), active ? FAST_POLL_MS : SLOW_POLL_MS);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  const { filters, error } = readFilters();
  if (error) {
    showFieldErrors(form, [error]);
    announce('Please correct the highlighted field.', 'error');
    return;
  }
  await whileBusy(form.querySelector('button[type="submit"]'), async () => {
    try {
      const created = await api('POST', '/api/reports', { format: fieldValue(form, 'format'), filters });
      announce(`Report ${created.id} requested; it is ${created.status}.`, 'success');
      await refresh();
    } catch (err) {
      const unmatched = showFieldErrors(form, err.details);
      const retry = err.status === 429 ? ' Please wait a moment before trying again.' : '';
      announce(`${unmatched.length ? describeError(err) : err.message}${retry}`, 'error');
    }
  });
});

function fileNameOf(response, id) {
  const match = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return match ? match[1] : `report-${id}`;
}

async function download(id, button) {
  await whileBusy(button, async () => {
    try {
      const response = await apiFetch('GET', `/api/reports/${id}/download`);
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = el('a', { href: url, download: fileNameOf(response, id), hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      announce(`Report ${id} downloaded.`, 'success');
    } catch (err) {
      announce(`Download failed: ${describeError(err)}`, 'error');
    }
  });
}

async function remove(id, button) {
  const cancelling = button.textContent === 'Cancel';
  const confirmed = await confirmAction(
    cancelling
      ? { title: `Cancel report ${id}?`, message: 'The export stops and the report is removed.', confirmLabel: 'Cancel the report', cancelLabel: 'Keep it running' }
      : { title: `Delete report ${id}?`, message: 'The report and its file are deleted.', confirmLabel: 'Delete the report', cancelLabel: 'Keep it' },
  );
  // a poll may have redrawn the row meanwhile (Cancel turns into Delete): act on the button shown now
  const current = /** @type {HTMLButtonElement} */ (body.querySelector(`button[data-action="delete"][data-id="${id}"]`));
  if (!current) return;
  if (!confirmed) {
    if (document.activeElement === document.body) current.focus();
    return;
  }
  let removed = false;
  await whileBusy(current, async () => {
    try {
      await api('DELETE', `/api/reports/${id}`);
      announce(cancelling ? `Report ${id} cancelled and removed.` : `Report ${id} deleted.`, 'success');
      removed = true;
    } catch (err) {
      announce(`Could not delete report ${id}: ${describeError(err)}`, 'error');
    }
  });
  if (!removed) return;
  document.getElementById('recent-title').focus();
  await refresh();
}

body.addEventListener('click', (event) => {
  const button = targetOf(event, 'button[data-action]');
  if (!button) return;
  const id = Number(button.dataset.id);
  if (button.dataset.action === 'download') void download(id, button);
  if (button.dataset.action === 'delete') void remove(id, button);
});

document.getElementById('recent-title').setAttribute('tabindex', '-1');

showAll.addEventListener('change', () => {
  for (const row of rows.values()) row.remove();
  rows.clear();
  document.getElementById('recent-title').textContent = showAll.checked ? "Everyone's recent reports" : 'Recent reports';
  void refresh();
});

startSession({
  onReady: async (me) => {
    signedIn = true;
    form.hidden = !me.permissions.includes('create_reports');
    if (me.role === 'client' && me.company) document.getElementById('filter-companies-hint').textContent = `You report on ${me.company.name ?? 'your company'} only.`;
    const mayShowAll = me.permissions.includes('view_all_reports');
    document.getElementById('show-all-box').hidden = !mayShowAll;
    if (!mayShowAll) showAll.checked = false;
    await loadCompanies();
    await refresh();
  },
  onSignOut: () => {
    signedIn = false;
    clearTimeout(pollTimer);
    for (const row of rows.values()) row.remove();
    rows.clear();
  },
});
