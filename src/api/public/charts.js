// @ts-check (tsconfig.public.json)
// Throughput and runtime charts of the Jobs page: uPlot (served from the project at /assets/vendor/uplot/), one chart
// per measure with one line per queue and job type, each followed by its numbers as a table (the text alternative).
import { api, describeError, el } from './session.js';

const UPLOT_URL = '/assets/vendor/uplot/uPlot.esm.js';
const UPLOT_CSS = '/assets/vendor/uplot/uPlot.min.css';
const CHARTS_CSS = '/assets/charts.css';
const REFRESH_MS = 60_000;
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989'];

/** The measures drawn, each a chart and a table. */
const MEASURES = [
  { key: 'perMinute', title: 'Jobs per minute', format: (v) => v.toFixed(2) },
  { key: 'failureRate', title: 'Failure rate', format: (v) => `${(v * 100).toFixed(1)} %` },
  { key: 'runtimeP50Ms', title: 'Runtime p50 (ms)', format: (v) => String(Math.round(v)) },
  { key: 'runtimeP95Ms', title: 'Runtime p95 (ms)', format: (v) => String(Math.round(v)) },
  { key: 'waitP95Ms', title: 'Wait p95 (ms)', format: (v) => String(Math.round(v)) },
];

let uPlotModule;
async function loadUPlot() {
  if (!uPlotModule) {
    for (const href of [UPLOT_CSS, CHARTS_CSS]) {
      if (!document.querySelector(`link[href="${href}"]`)) document.head.append(el('link', { rel: 'stylesheet', href }));
    }
    const url = UPLOT_URL;
    uPlotModule = (await import(url)).default;
  }
  return uPlotModule;
}

const label = (series) => `${series.queue} / ${series.jobType}`;
const timeText = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The jobs behind one bucket of one series: its queue and job type, ended within the bucket (failed ones for the failure rate). */
function pickOf(measure, data, seriesIndex, pointIndex) {
  const series = data.series[seriesIndex];
  const from = Date.parse(series.points[pointIndex].t);
  return {
    queue: series.queue,
    jobType: series.jobType,
    from,
    to: from + data.bucketMinutes * 60_000,
    failedOnly: measure.key === 'failureRate',
  };
}

/** Whether a bucket of a series has jobs to list (for the failure rate: failed ones). */
function hasJobs(measure, point) {
  return measure.key === 'failureRate' ? point.failed > 0 : point.completed + point.failed + point.cancelled > 0;
}

function tableFor(measure, data, onPick) {
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Time' }), ...data.series.map((s) => el('th', { scope: 'col', text: label(s) })));
  const times = data.series[0]?.points.map((p) => p.t) ?? [];
  const rows = times
    .map((t, i) => ({ t, i, values: data.series.map((s) => s.points[i][measure.key]) }))
    // the table lists the buckets where something happened: 96 empty rows say nothing
    .filter((row) => row.values.some((v) => v !== null && v !== 0));
  const valueCell = (row, v, seriesIndex) => {
    const text = v === null ? '–' : measure.format(v);
    const point = data.series[seriesIndex].points[row.i];
    if (!onPick || !hasJobs(measure, point)) return el('td', { text });
    const end = new Date(Date.parse(row.t) + data.bucketMinutes * 60_000).toISOString();
    const what = `${measure.key === 'failureRate' ? 'failed ' : ''}${label(data.series[seriesIndex])} jobs that ended ${timeText(row.t)}–${timeText(end)}`;
    const button = el('button', { type: 'button', class: 'chart-pick', 'aria-label': `List the ${what}`, title: `List the ${what}`, text });
    button.addEventListener('click', () => onPick(pickOf(measure, data, seriesIndex, row.i)));
    return el('td', {}, button);
  };
  const body = rows.map((row) => el('tr', {}, el('th', { scope: 'row', text: timeText(row.t) }), ...row.values.map((v, s) => valueCell(row, v, s))));
  if (body.length === 0) body.push(el('tr', {}, el('td', { colspan: String(data.series.length + 1), text: 'No jobs ended in this window.' })));
  return el('table', { class: 'chart-table', dataset: { measure: measure.key } }, el('caption', { text: `${measure.title}, by time` }), el('thead', {}, head), el('tbody', {}, ...body));
}

/** A click on a chart picks the bucket under the cursor and, of the series with jobs there, the one drawn nearest to it. */
function listenForPicks(plot, measure, data, onPick) {
  plot.over.addEventListener('click', () => {
    const index = plot.cursor.idx;
    if (index === null || index === undefined) return;
    /** @type {{ s: number, distance: number } | null} */
    let best = null;
    data.series.forEach((series, s) => {
      const point = series.points[index];
      const value = point[measure.key];
      if (value === null || !hasJobs(measure, point)) return;
      const distance = Math.abs(plot.valToPos(value, 'y') - (plot.cursor.top ?? 0));
      if (!best || distance < best.distance) best = { s, distance };
    });
    const nearest = /** @type {{ s: number, distance: number } | null} */ (best);
    if (nearest) onPick(pickOf(measure, data, nearest.s, index));
  });
}

/**
 * Which tables the reader has open and which of their controls has the focus, so that a redraw (the minute's refresh)
 * gives them back instead of folding the tables and dropping the focus on the page's body.
 */
function readerPlace(charts) {
  const open = new Set([...charts.querySelectorAll('details[open]')].map((details) => details.closest('figure')?.dataset.measure));
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const focus = active && charts.contains(active) ? { measure: active.closest('figure')?.dataset.measure, label: active.getAttribute('aria-label') } : null;
  return { open, focus };
}

/** Focus the control that had it before the redraw; the table's summary when that value has left the window. */
function restoreFocus(charts, focus) {
  if (!focus || (document.activeElement && document.activeElement !== document.body)) return;
  const figure = [...charts.querySelectorAll('figure')].find((f) => f.dataset.measure === focus.measure);
  if (!figure) return;
  const same = focus.label ? [...figure.querySelectorAll('button.chart-pick')].find((b) => b.getAttribute('aria-label') === focus.label) : undefined;
  const target = /** @type {HTMLElement | null} */ (same ?? figure.querySelector('summary'));
  target?.focus();
}

/**
 * Renders the charts section into `section` (which holds a heading with id charts-title) and refreshes it every
 * minute while the page is open. Keyboard: the window buttons are real buttons; each table sits in a <details>.
 * `onPick` receives the bucket a chart point or a table cell names ({ queue, jobType, from, to, failedOnly }).
 */
export function startCharts(section, /** @type {{ onPick?: (pick: object) => void }} */ { onPick } = {}) {
  let range = '1h';
  let timer;
  const status = el('p', { class: 'muted', role: 'status', text: 'Loading charts…' });
  const buttons = ['1h', '24h'].map((w) =>
    el('button', { type: 'button', class: 'secondary', dataset: { window: w }, 'aria-pressed': String(w === range), text: w === '1h' ? 'Last hour' : 'Last 24 h' }),
  );
  const charts = el('div', { class: 'charts' });
  /** @type {any[]} */
  let plots = [];
  const widthNow = () => Math.max(200, Math.min(640, charts.clientWidth || section.clientWidth - 32));
  // the charts follow the page's width (a phone turned, a window resized)
  new ResizeObserver(() => {
    for (const plot of plots) plot.setSize({ width: Math.min(widthNow(), plot.root.parentElement.clientWidth || widthNow()), height: 160 });
  }).observe(section);
  section.append(el('div', { class: 'actions', role: 'group', 'aria-label': 'Chart window' }, ...buttons), status, charts);
  for (const button of buttons) {
    button.addEventListener('click', () => {
      range = button.dataset.window;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
      void load();
    });
  }

  async function draw(data) {
    const uPlot = await loadUPlot();
    const place = readerPlace(charts);
    charts.replaceChildren();
    for (const plot of plots) plot.destroy();
    plots = [];
    if (data.series.length === 0) {
      status.textContent = 'No jobs ended in this window yet.';
      return;
    }
    status.textContent = `${data.series.length} queue and job type series, ${range === '1h' ? 'per minute over the last hour' : 'per 15 minutes over the last 24 hours'}.`;
    const xs = data.series[0].points.map((p) => Date.parse(p.t) / 1000);
    for (const measure of MEASURES) {
      const figure = el('figure', { class: 'chart', dataset: { measure: measure.key } }, el('figcaption', { text: measure.title }));
      const plot = el('div', { class: 'chart-plot', 'aria-hidden': 'true' });
      figure.append(plot);
      charts.append(figure);
      const plotWidth = Math.min(widthNow(), figure.clientWidth || widthNow());
      const drawn = new uPlot(
        {
          width: plotWidth,
          height: 160,
          legend: { show: true },
          series: [{}, ...data.series.map((s, i) => ({ label: label(s), stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false }))],
          axes: [{}, { size: 56 }],
        },
        [xs, ...data.series.map((s) => s.points.map((p) => p[measure.key]))],
        plot,
      );
      plots.push(drawn);
      if (onPick) {
        plot.classList.add('chart-pickable');
        plot.title = 'Click a point to list its jobs';
        listenForPicks(drawn, measure, data, onPick);
      }
      const details = el('details', {}, el('summary', { text: `${measure.title} as a table` }), tableFor(measure, data, onPick));
      details.open = place.open.has(measure.key);
      figure.append(details);
    }
    restoreFocus(charts, place.focus);
  }

  async function load() {
    clearTimeout(timer);
    try {
      await draw(await api('GET', `/api/admin/metrics/jobs?window=${range}`));
    } catch (err) {
      status.textContent = `The charts could not load: ${describeError(err)}`;
    }
    timer = setTimeout(load, REFRESH_MS);
  }

  void load();
  return { stop: () => clearTimeout(timer) };
}
