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

function tableFor(measure, data) {
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Time' }), ...data.series.map((s) => el('th', { scope: 'col', text: label(s) })));
  const times = data.series[0]?.points.map((p) => p.t) ?? [];
  const rows = times
    .map((t, i) => ({ t, values: data.series.map((s) => s.points[i][measure.key]) }))
    // the table lists the buckets where something happened: 96 empty rows say nothing
    .filter((row) => row.values.some((v) => v !== null && v !== 0));
  const body = rows.map((row) =>
    el('tr', {}, el('th', { scope: 'row', text: timeText(row.t) }), ...row.values.map((v) => el('td', { text: v === null ? '–' : measure.format(v) }))),
  );
  if (body.length === 0) body.push(el('tr', {}, el('td', { colspan: String(data.series.length + 1), text: 'No jobs ended in this window.' })));
  return el('table', { class: 'chart-table', dataset: { measure: measure.key } }, el('caption', { text: `${measure.title}, by time` }), el('thead', {}, head), el('tbody', {}, ...body));
}

/**
 * Renders the charts section into `section` (which holds a heading with id charts-title) and refreshes it every
 * minute while the page is open. Keyboard: the window buttons are real buttons; each table sits in a <details>.
 */
export function startCharts(section) {
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
      plots.push(new uPlot(
        {
          width: plotWidth,
          height: 160,
          legend: { show: true },
          series: [{}, ...data.series.map((s, i) => ({ label: label(s), stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false }))],
          axes: [{}, { size: 56 }],
        },
        [xs, ...data.series.map((s) => s.points.map((p) => p[measure.key]))],
        plot,
      ));
      figure.append(el('details', {}, el('summary', { text: `${measure.title} as a table` }), tableFor(measure, data)));
    }
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
