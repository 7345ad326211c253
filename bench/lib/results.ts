/**
 * The results of `npm run bench`: one line per goal on the console, bench/results.json (machine) and
 * bench/RESULTS.md (human). Pure functions, so the runner stays thin and the rendering is unit-tested.
 */
import type { GoalResult, Scaling } from './suite';

export interface MachineInfo {
  nproc: number;
  ramGb: number;
  cpu: string;
  node: string;
  platform: string;
  /** the 1-minute load average when the suite started (absent in results written before it was recorded) */
  load1?: number;
}

export interface SuiteRecord {
  name: string;
  /** ISO instant the suite started */
  ranAt: string;
  durationS: number;
  quick: boolean;
  /** the database the suite measured on, without credentials */
  database: string;
  machine: MachineInfo;
  command: string;
  goals: GoalResult[];
  /** set when the suite threw: its goals are then missing */
  error?: string;
}

export interface BenchResults {
  /** ISO instant of the last write */
  updatedAt: string;
  suites: SuiteRecord[];
}

/** A figure with about three significant digits, no exponent for the magnitudes a bench prints. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : `${ratio}x`;
}

/** `<ratio>x  target <target>  MET|NOT MET  <title>  (project <p> <unit>, baseline <b> <unit>)` */
export function formatGoalLine(goal: GoalResult): string {
  return (
    `${formatRatio(goal.ratio)}  target ${goal.target}  ${goal.met ? 'MET' : 'NOT MET'}  ${goal.title}  ` +
    `(project ${formatFigure(goal.project)} ${goal.unit}, baseline ${formatFigure(goal.baseline)} ${goal.unit})`
  );
}

/** `9.7x` — the cost at full size over the cost at 1/10 (linear: 10x); `—` where the goal has no size; `n/a` when the 1/10 run cost nothing. */
export function formatScalingFactor(scaling: Scaling | undefined): string {
  if (!scaling) return '—';
  // results.json keeps a factor of nothing measured at 1/10 as null
  return typeof scaling.factor === 'number' && Number.isFinite(scaling.factor) ? `${scaling.factor.toFixed(1)}x` : 'n/a';
}

/** `  scaling 9.7x for 10x the rows (linear: 10x): 1000000 rows 12.1 s, 100000 rows 1.25 s`, or null without a size. */
export function formatScalingLine(goal: GoalResult): string | null {
  const scaling = goal.scaling;
  if (!scaling) return null;
  const at = (size: number, cost: number) => `${size} ${scaling.sizeUnit} ${formatFigure(cost)} ${scaling.costUnit}`;
  return (
    `  scaling ${formatScalingFactor(scaling)} for 10x the ${scaling.sizeUnit} (linear: 10x): ` +
    `${at(scaling.size, scaling.full)}, ${at(scaling.tenthSize, scaling.tenth)}`
  );
}

/**
 * The results after a run: a full run (`only` empty) keeps only the suites it ran; a BENCH_ONLY run replaces
 * the suites it ran and keeps every other suite of the previous results as they were. Suites in name order.
 */
export function mergeResults(previous: BenchResults | null, ran: SuiteRecord[], only: readonly string[], now: Date): BenchResults {
  const byName = new Map<string, SuiteRecord>();
  if (previous && only.length > 0) for (const suite of previous.suites) byName.set(suite.name, suite);
  for (const suite of ran) byName.set(suite.name, suite);
  const suites = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { updatedAt: now.toISOString(), suites };
}

/** Reads results.json written earlier; anything else (missing, or not our shape) counts as no previous results. */
export function parseResults(text: string | null): BenchResults | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as Partial<BenchResults>;
    if (!parsed || !Array.isArray(parsed.suites)) return null;
    return { updatedAt: String(parsed.updatedAt ?? ''), suites: parsed.suites };
  } catch {
    return null;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function machineLine(machine: MachineInfo): string {
  const load = machine.load1 === undefined ? '' : `, load average ${machine.load1.toFixed(2)} at the start`;
  return `${machine.nproc} CPUs (${machine.cpu}), ${machine.ramGb} GB RAM, Node ${machine.node}, ${machine.platform}${load}`;
}

/** "Last written …, N of M goals met." and the table of every goal: the top of RESULTS.md and the README's copy. */
export function renderSummary(results: BenchResults): string[] {
  const lines: string[] = [];
  const goals = results.suites.flatMap((suite) => suite.goals);
  const met = goals.filter((goal) => goal.met).length;
  lines.push(`Last written ${results.updatedAt}. ${met} of ${goals.length} goals met.`);
  lines.push('');
  lines.push(
    'The last column runs the project side again at 1/10 of the size: its cost at full size over its cost at 1/10 ' +
      '(time, or RSS growth for a memory goal). Linear is 10x; much less means a fixed part dominates the small run; ' +
      'for memory, about 1x means it does not grow with the size. `—`: the goal has no size (an idle process, one event).',
  );
  lines.push('');
  lines.push('| suite | goal | ratio | target | met | project | baseline | cost at 10x the size |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const suite of results.suites) {
    if (suite.error) lines.push(`| ${suite.name} | **suite failed**: ${cell(suite.error)} | | | | | | |`);
    for (const goal of suite.goals) {
      lines.push(
        `| ${suite.name} | ${cell(goal.title)} | ${formatRatio(goal.ratio)} | ${cell(goal.target)} | ${goal.met ? 'MET' : '**NOT MET**'} | ` +
          `${formatFigure(goal.project)} ${cell(goal.unit)} | ${formatFigure(goal.baseline)} ${cell(goal.unit)} | ${formatScalingFactor(goal.scaling)} |`,
      );
    }
  }
  return lines;
}

export const README_SUMMARY_START = '<!-- bench summary: written by npm run bench -->';
export const README_SUMMARY_END = '<!-- end of bench summary -->';

/** The README with the summary between its markers replaced by these results' (nothing else changes). */
export function withReadmeSummary(readme: string, results: BenchResults): string {
  const start = readme.indexOf(README_SUMMARY_START);
  const end = readme.indexOf(README_SUMMARY_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${README_SUMMARY_START}" … "${README_SUMMARY_END}" block for the bench summary`);
  const block = [README_SUMMARY_START, '', ...renderSummary(results), '', ''].join('\n');
  return readme.slice(0, start) + block + readme.slice(end);
}

export function renderResultsMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  lines.push('# Benchmark results');
  lines.push('');
  lines.push(
    'Written by `npm run bench` (bench/run.ts) from bench/results.json. Every goal is a ratio measured within one run: ' +
      'baseline and project interleaved in pairs, medians of the pairs. The machine is shared and noisy, so read the ' +
      'ratios, not the absolute figures. A suite run alone (`BENCH_ONLY=<suite>`) replaces only its own rows.',
  );
  lines.push('');
  lines.push(...renderSummary(results));
  for (const suite of results.suites) {
    lines.push('');
    lines.push(`## ${suite.name}`);
    lines.push('');
    lines.push(`- run: ${suite.ranAt}, ${formatFigure(suite.durationS)} s${suite.quick ? ', quick (BENCH_QUICK=1)' : ''}`);
    lines.push(`- command: \`${suite.command}\``);
    lines.push(`- machine: ${machineLine(suite.machine)}`);
    lines.push(`- database: ${suite.database}`);
    if (suite.error) lines.push(`- **failed**: ${suite.error}`);
    for (const goal of suite.goals) {
      lines.push('');
      lines.push(`### ${goal.title} (\`${goal.id}\`)`);
      lines.push('');
      lines.push(`\`${formatGoalLine(goal)}\``);
      const scalingLine = formatScalingLine(goal);
      if (scalingLine) {
        lines.push('');
        lines.push(`\`${scalingLine.trim()}\``);
      }
      if (goal.notes) {
        lines.push('');
        lines.push(goal.notes);
      }
      lines.push('');
      lines.push(`| pair | project (${cell(goal.unit)}) | baseline (${cell(goal.unit)}) |`);
      lines.push('|---|---|---|');
      goal.samples.forEach((sample, index) => {
        lines.push(`| ${index + 1} | ${formatFigure(sample.project)} | ${formatFigure(sample.baseline)} |`);
      });
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** BENCH_ONLY=a,b → ['a', 'b'] (trimmed, empty entries dropped). */
export function parseOnly(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** A database URL fit to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
