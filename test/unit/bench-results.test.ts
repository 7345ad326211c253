import fs from 'node:fs';
import path from 'node:path';
import {
  formatFigure,
  formatGoalLine,
  formatScalingLine,
  mergeResults,
  parseOnly,
  parseResults,
  redactUrl,
  README_SUMMARY_END,
  README_SUMMARY_START,
  renderResultsMarkdown,
  withReadmeSummary,
  type SuiteRecord,
} from '../../bench/lib/results';
import { goalFromPairs, goalWithinLimit, scalingOf, tenthOf } from '../../bench/lib/suite';

const machine = { nproc: 2, ramGb: 7.8, cpu: 'Test CPU', node: '20.20.2', platform: 'linux 6.1' };

function suite(name: string, ranAt: string, goals: SuiteRecord['goals'], error?: string): SuiteRecord {
  return { name, ranAt, durationS: 12.5, quick: false, database: 'mysql://root@127.0.0.1:3306/helpdesk_bench', machine, command: 'npm run bench', goals, error };
}

const throughput = goalFromPairs({
  id: 'notifications.throughput',
  title: 'mail throughput vs pooled nodemailer (3 connections)',
  unit: 'mails/s',
  samples: [
    { project: 50, baseline: 60 },
    { project: 55, baseline: 62 },
    { project: 52, baseline: 58 },
  ],
  higherIsBetter: true,
  threshold: 0.8,
});

describe('bench results', () => {
  it('prints a goal as ratio, target, verdict, title and both medians', () => {
    expect(formatGoalLine(throughput)).toBe(
      '0.87x  target >= 0.8  MET  mail throughput vs pooled nodemailer (3 connections)  (project 52.0 mails/s, baseline 60.0 mails/s)',
    );
  });

  it('says NOT MET for an upper bound the project exceeds', () => {
    const latency = goalWithinLimit({ id: 'n.latency', title: 'idle latency p95', unit: 'ms', values: [310, 350, 320], limit: 300 });
    expect(formatGoalLine(latency)).toBe('1.07x  target <= 1 (limit 300 ms)  NOT MET  idle latency p95  (project 320 ms, baseline 300 ms)');
  });

  it('the scaling factor is the median cost at full size over the median cost at a tenth of it; 10x is linear', () => {
    const scaling = scalingOf({ sizeUnit: 'rows', size: 1_000_000, costUnit: 's', full: [12, 10, 11], tenth: [1.2, 1, 1.1] });
    expect(scaling).toEqual({ sizeUnit: 'rows', size: 1_000_000, tenthSize: 100_000, costUnit: 's', full: 11, tenth: 1.1, factor: 11 / 1.1 });
    expect([tenthOf(300), tenthOf(20_000), tenthOf(5)]).toEqual([30, 2_000, 1]);
    // no RSS growth at all at 1/10: no factor, and the line says so
    const flat = scalingOf({ sizeUnit: 'rows', size: 20_000, costUnit: 'MB', full: [3], tenth: [0] });
    expect(flat.factor).toBeNull();
    expect(formatScalingLine({ ...throughput, scaling: flat })).toBe('  scaling n/a for 10x the rows (linear: 10x): 20000 rows 3.00 MB, 2000 rows 0 MB');
  });

  it("prints a goal's scaling under its ratio line, in RESULTS.md and in the summary table's last column", () => {
    const exportsGoal = goalFromPairs({
      id: 'exports.csv.mariadb',
      title: 'CSV export of 1000000 rows on MariaDB',
      unit: 'rows/s',
      samples: [{ project: 90_000, baseline: 150_000 }],
      higherIsBetter: true,
      threshold: 0.5,
      scaling: scalingOf({ sizeUnit: 'rows', size: 1_000_000, costUnit: 's', full: [11.1], tenth: [1.2] }),
    });
    expect(formatScalingLine(exportsGoal)).toBe('  scaling 9.3x for 10x the rows (linear: 10x): 1000000 rows 11.1 s, 100000 rows 1.20 s');
    expect(formatScalingLine(throughput)).toBeNull();
    const markdown = renderResultsMarkdown({ updatedAt: '2026-12-01T12:00:00.000Z', suites: [suite('exports', '2026-12-01T10:00:00Z', [exportsGoal])] });
    expect(markdown).toContain('| exports | CSV export of 1000000 rows on MariaDB | 0.60x | >= 0.5 | MET | 90000 rows/s | 150000 rows/s | 9.3x |');
    expect(markdown).toContain('`scaling 9.3x for 10x the rows (linear: 10x): 1000000 rows 11.1 s, 100000 rows 1.20 s`');
  });

  it('rounds figures to about three significant digits', () => {
    expect([formatFigure(1234.5), formatFigure(65.84), formatFigure(1.234), formatFigure(0.012345), formatFigure(0)]).toEqual([
      '1235',
      '65.8',
      '1.23',
      '0.0123',
      '0',
    ]);
  });

  it('a full run keeps only the suites it ran', () => {
    const previous = { updatedAt: 'x', suites: [suite('exports', '2026-12-01T10:00:00Z', []), suite('memory', '2026-12-01T10:00:00Z', [])] };
    const merged = mergeResults(previous, [suite('notifications', '2026-12-01T11:00:00Z', [throughput])], [], new Date('2026-12-01T12:00:00Z'));
    expect(merged.suites.map((s) => s.name)).toEqual(['notifications']);
    expect(merged.updatedAt).toBe('2026-12-01T12:00:00.000Z');
  });

  it('a BENCH_ONLY run replaces its own suites and keeps the others, in name order', () => {
    const previous = {
      updatedAt: 'x',
      suites: [suite('notifications', 'old', []), suite('exports', '2026-12-01T10:00:00Z', []), suite('memory', '2026-12-01T10:00:00Z', [])],
    };
    const fresh = suite('notifications', 'new', [throughput]);
    const merged = mergeResults(previous, [fresh], ['notifications'], new Date());
    expect(merged.suites.map((s) => [s.name, s.ranAt])).toEqual([
      ['exports', '2026-12-01T10:00:00Z'],
      ['memory', '2026-12-01T10:00:00Z'],
      ['notifications', 'new'],
    ]);
  });

  it('treats a missing or foreign results file as no previous results', () => {
    expect(parseResults(null)).toBeNull();
    expect(parseResults('not json')).toBeNull();
    expect(parseResults('{"goals":[]}')).toBeNull();
    expect(parseResults('{"updatedAt":"t","suites":[]}')).toEqual({ updatedAt: 't', suites: [] });
  });

  it('renders RESULTS.md with a summary table, the machine, the command, every pair and failed suites', () => {
    const markdown = renderResultsMarkdown({
      updatedAt: '2026-12-01T12:00:00.000Z',
      suites: [suite('exports', '2026-12-01T10:00:00Z', [], 'seeding failed: ER_ACCESS_DENIED'), suite('notifications', '2026-12-01T11:00:00Z', [throughput])],
    });
    expect(markdown).toContain('1 of 1 goals met');
    expect(markdown).toContain('| notifications | mail throughput vs pooled nodemailer (3 connections) | 0.87x | >= 0.8 | MET | 52.0 mails/s | 60.0 mails/s | — |');
    expect(markdown).toContain('| exports | **suite failed**: seeding failed: ER_ACCESS_DENIED |');
    expect(markdown).toContain('2 CPUs (Test CPU), 7.8 GB RAM');
    expect(markdown).toContain('- command: `npm run bench`');
    expect(markdown).toContain('| 3 | 52.0 | 58.0 |');
  });

  it('notes the load average a suite started under, when it was recorded', () => {
    const loaded = { ...suite('notifications', '2026-12-01T11:00:00Z', [throughput]), machine: { ...machine, load1: 3.5 } };
    expect(renderResultsMarkdown({ updatedAt: '2026-12-01T12:00:00.000Z', suites: [loaded] })).toContain('linux 6.1, load average 3.50 at the start');
  });

  it("puts the summary table between the README's markers and leaves the rest of the README as it was", () => {
    const results = { updatedAt: '2026-12-01T12:00:00.000Z', suites: [suite('notifications', '2026-12-01T11:00:00Z', [throughput])] };
    const readme = `# Title\n\nbefore\n\n${README_SUMMARY_START}\nan older table\n${README_SUMMARY_END}\n\nafter\n`;
    const written = withReadmeSummary(readme, results);
    expect(written.startsWith(`# Title\n\nbefore\n\n${README_SUMMARY_START}\n`)).toBe(true);
    expect(written.endsWith(`${README_SUMMARY_END}\n\nafter\n`)).toBe(true);
    expect(written).not.toContain('an older table');
    expect(written).toContain('Last written 2026-12-01T12:00:00.000Z. 1 of 1 goals met.');
    expect(written).toContain('| notifications | mail throughput vs pooled nodemailer (3 connections) | 0.87x | >= 0.8 | MET | 52.0 mails/s | 60.0 mails/s |');
    // written twice, the same
    expect(withReadmeSummary(written, results)).toBe(written);
    expect(() => withReadmeSummary('# no markers\n', results)).toThrow(/bench summary/);
  });

  it('the README holds the summary of the committed bench/results.json', () => {
    const root = path.join(__dirname, '..', '..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const results = parseResults(fs.readFileSync(path.join(root, 'bench', 'results.json'), 'utf8'));
    expect(results).not.toBeNull();
    expect(withReadmeSummary(readme, results!)).toBe(readme);
  });

  it('escapes table separators in titles', () => {
    const goal = { ...throughput, title: 'a | b' };
    expect(renderResultsMarkdown({ updatedAt: 't', suites: [suite('s', 't', [goal])] })).toContain('| s | a \\| b |');
  });

  it('reads BENCH_ONLY as a trimmed list', () => {
    expect(parseOnly(undefined)).toEqual([]);
    expect(parseOnly(' notifications, exports ,,')).toEqual(['notifications', 'exports']);
  });

  it('never prints a database password', () => {
    expect(redactUrl('mysql://bench:s3cret@db:3306/helpdesk_bench')).toBe('mysql://bench:***@db:3306/helpdesk_bench');
    expect(redactUrl('mysql://root@127.0.0.1:3306/helpdesk_bench')).toBe('mysql://root@127.0.0.1:3306/helpdesk_bench');
  });
});
