/**
 * `npm run bench`: runs every suite in bench/suites/*.ts (each `export default` a BenchSuite) in name order,
 * prints one line per goal and writes bench/results.json and bench/RESULTS.md.
 *
 *   npm run bench                                  # every suite
 *   BENCH_QUICK=1 npm run bench                    # smaller workloads and 3 pairs, the whole command in under three minutes
 *   BENCH_ONLY=notifications,exports npm run bench # only these suites; their goals replace theirs in the results
 *   BENCH_DATABASE_URL=mysql://… npm run bench     # another dedicated database (never DATABASE_URL)
 *   BENCH_NO_WRITE=1 npm run bench                 # print only, leave the results files alone
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureMysqlDatabase } from '../src/db/knex';
import {
  formatGoalLine,
  formatScalingLine,
  mergeResults,
  parseOnly,
  parseResults,
  redactUrl,
  renderResultsMarkdown,
  withReadmeSummary,
  type MachineInfo,
  type SuiteRecord,
} from './lib/results';
import type { BenchContext, BenchSuite, GoalResult } from './lib/suite';

const SUITES_DIR = path.join(__dirname, 'suites');
const RESULTS_JSON = path.join(__dirname, 'results.json');
const RESULTS_MD = path.join(__dirname, 'RESULTS.md');
const README = path.join(__dirname, '..', 'README.md');
const DEFAULT_DATABASE_URL = 'mysql://root@127.0.0.1:3306/helpdesk_bench';
const PAIRS = 5;
/** BENCH_QUICK=1: a first look in under three minutes, not a result (its suites are marked quick in RESULTS.md) */
const QUICK_PAIRS = 3;

/** The goal's `ratio` line, and under it how its cost grew from 1/10 of the size to the full size. */
function printGoal(goal: GoalResult): void {
  console.log(formatGoalLine(goal));
  const scaling = formatScalingLine(goal);
  if (scaling) console.log(scaling);
}

function machineInfo(): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.versions.node,
    platform: `${os.platform()} ${os.release()}`,
    load1: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

function loadSuites(): BenchSuite[] {
  if (!fs.existsSync(SUITES_DIR)) return [];
  const files = fs
    .readdirSync(SUITES_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(path.join(SUITES_DIR, file)) as { default?: BenchSuite };
    const suite = loaded.default;
    if (!suite || typeof suite.name !== 'string' || typeof suite.run !== 'function') {
      throw new Error(`bench/suites/${file} must export default a BenchSuite ({ name, run })`);
    }
    suites.push(suite);
  }
  return suites.sort((a, b) => a.name.localeCompare(b.name));
}

function benchDatabase(): { database: BenchContext['database']; label: string } {
  if (process.env.DATABASE_URL && !process.env.BENCH_DATABASE_URL) {
    console.warn('DATABASE_URL is ignored here; set BENCH_DATABASE_URL to choose the benchmark database');
  }
  const value = process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL;
  if (/^mysql2?:\/\//.test(value)) return { database: { client: 'mysql2', url: value }, label: redactUrl(value) };
  const filename = value.replace(/^(sqlite|file):(\/\/)?/, '');
  return { database: { client: 'better-sqlite3', filename: path.resolve(filename) }, label: `SQLite ${path.resolve(filename)}` };
}

function commandLine(): string {
  const env = ['BENCH_QUICK', 'BENCH_ONLY', 'BENCH_DATABASE_URL']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${name === 'BENCH_DATABASE_URL' ? redactUrl(process.env[name] ?? '') : process.env[name]}`);
  return [...env, 'npm run bench'].join(' ');
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const only = parseOnly(process.env.BENCH_ONLY);
  const all = loadSuites();
  const unknown = only.filter((name) => !all.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    throw new Error(`BENCH_ONLY names no suite: ${unknown.join(', ')} (suites: ${all.map((suite) => suite.name).join(', ') || 'none'})`);
  }
  const selected = only.length > 0 ? all.filter((suite) => only.includes(suite.name)) : all;
  const { database, label } = benchDatabase();
  if (database.client === 'mysql2') await ensureMysqlDatabase(database.url);
  const machine = machineInfo();
  const command = commandLine();
  console.log(`bench: ${selected.map((suite) => suite.name).join(', ')}${quick ? ' (quick)' : ''} on ${label}; ${machine.nproc} CPUs, ${machine.ramGb} GB`);

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bench-'));
  const records: SuiteRecord[] = [];
  try {
    for (const suite of selected) {
      const workDir = fs.mkdtempSync(path.join(runDir, `${suite.name}-`));
      const ctx: BenchContext = {
        quick,
        pairs: quick ? QUICK_PAIRS : PAIRS,
        database,
        workDir,
        log: (line) => console.log(`  [${suite.name}] ${line}`),
      };
      const started = Date.now();
      const record: SuiteRecord = {
        name: suite.name,
        ranAt: new Date(started).toISOString(),
        durationS: 0,
        quick,
        database: label,
        // the load this suite started under (a busy machine is why a ratio moves between runs)
        machine: machineInfo(),
        command,
        goals: [],
      };
      console.log(`\n== ${suite.name}`);
      try {
        record.goals = await suite.run(ctx);
      } catch (err) {
        record.error = err instanceof Error ? err.message : String(err);
        console.error(`  [${suite.name}] failed:`, err);
      } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
      }
      record.durationS = (Date.now() - started) / 1000;
      records.push(record);
      console.log(`  [${suite.name}] ${record.durationS.toFixed(0)} s`);
      for (const goal of record.goals) printGoal(goal);
    }
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }

  console.log('\n== summary');
  for (const record of records) {
    if (record.error) console.log(`SUITE FAILED  ${record.name}: ${record.error}`);
    for (const goal of record.goals) printGoal(goal);
  }

  if (process.env.BENCH_NO_WRITE !== '1') {
    const previous = parseResults(fs.existsSync(RESULTS_JSON) ? fs.readFileSync(RESULTS_JSON, 'utf8') : null);
    const results = mergeResults(previous, records, only, new Date());
    fs.writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(RESULTS_MD, renderResultsMarkdown(results));
    fs.writeFileSync(README, withReadmeSummary(fs.readFileSync(README, 'utf8'), results));
    console.log(`\nwritten: ${[RESULTS_MD, RESULTS_JSON, README].map((file) => path.relative(process.cwd(), file)).join(', ')} (its bench summary)`);
  }
  if (records.some((record) => record.error)) process.exitCode = 1;
}

main()
  .then(() => {
    // suites close what they open; a stray handle (a pool, a dev server's pipe) must not keep the command alive
    setTimeout(() => process.exit(), 1000).unref();
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
