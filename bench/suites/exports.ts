/**
 * Report exports (issue #19): CSV and JSON of N tickets against the database's own command-line client running the
 * same SELECT into a file (`mariadb --batch --quick`, `sqlite3 -csv`), and a PDF at the 50,000-row cap against the
 * CSV of the same rows; plus each export's RSS growth. Each export also runs at 1/10 of its rows, for the scaling
 * factor. Every export runs through the real exportReport activity (a MockActivityEnvironment around the
 * activities a reports worker builds, from the production build with the reports worker's NODE_OPTIONS, as the
 * image runs them) in a fresh child process, so one export's memory never hides another's; baseline and project
 * alternate within each pair.
 *
 *   npm run bench                                   # every suite; BENCH_ONLY=exports for this one
 *   BENCH_QUICK=1 BENCH_ONLY=exports npm run bench  # 100 000 rows instead of 1 000 000, a PDF of 20 000 on SQLite only
 *   BENCH_EXPORTS=sqlite,pdf BENCH_NO_WRITE=1 BENCH_ONLY=exports npm run bench  # while iterating: only these
 *                                                   # databases (sqlite, mariadb) and parts (rows: CSV and JSON, pdf)
 *
 * The export throttle (REPORT_EXPORT_MAX_ROWS_PER_SECOND) is off, as it is by default. Tickets are seeded once
 * per size, each size under its own company (the export filters on it), into the bench MariaDB database and into
 * a SQLite file cached in .data/bench/; later runs reuse them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExportedReport } from '../../activities/reports';
import { syncRolesAndPermissions } from '../../src/auth/permissions';
import { loadConfig, type Config } from '../../src/config';
import { createDb, ensureMysqlDatabase, migrateLatest, type Db } from '../../src/db/knex';
import { createRepositories } from '../../src/db/repositories';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import type { ReportFormat } from '../../src/jobs/contract';
import { reportRowsQuery } from '../../src/reports/query';
import { ensureProductionBuild, productionNodeOptions, projectPath } from '../lib/bench-stack';
import { goalFromPairs, goalWithinLimit, scalingOf, tenthOf, type BenchContext, type BenchSuite, type GoalResult } from '../lib/suite';

const MB = 1024 * 1024;
const RSS_LIMIT_MB = 64;
const PDF_ROWS = 50_000;
const SQLITE_CACHE = path.resolve(__dirname, '../../.data/bench/exports.sqlite');
/** BENCH_EXPORTS: a comma list of databases (sqlite, mariadb) and parts (rows, pdf) to run; unset runs everything */
const ONLY = new Set((process.env.BENCH_EXPORTS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
/** whether `name` runs: named, or its group (`others`) names none */
const runs = (name: string, others: string[]) => ONLY.has(name) || !others.some((other) => ONLY.has(other));

type Database = BenchContext['database'];

interface ChildRequest {
  database: Database;
  reportsDir: string;
  companyId: number;
  userId: number;
  format: ReportFormat;
}

interface ChildResult {
  seconds: number;
  rssGrowthMb: number;
  rowCount: number;
}

function configFor(database: Database, reportsDir: string): Config {
  return loadConfig({
    ...process.env,
    DATABASE_URL: database.client === 'mysql2' ? database.url : '',
    SQLITE_FILE: database.client === 'better-sqlite3' ? database.filename : undefined,
    REPORTS_DIR: reportsDir,
    REPORTS_STORAGE: '',
    LOG_LEVEL: 'warn',
    // the throttle that spares a busy primary is off, as it is by default
    REPORT_EXPORT_MAX_ROWS_PER_SECOND: '0',
  });
}

const databaseName = (database: Database) => (database.client === 'mysql2' ? 'MariaDB' : 'SQLite');

/** The company holding `rows` seeded tickets (seeded now if it holds fewer), and a user to request the reports. */
async function seededCompany(db: Db, rows: number, log: (line: string) => void): Promise<{ companyId: number; userId: number }> {
  const repos = createRepositories(db);
  const name = `Bench exports ${rows} tickets`;
  const existing = await db('companies').where({ name }).first('id');
  const companyId = existing ? Number(existing.id) : (await repos.companies.create(name)).id;
  const users: number[] = [];
  for (const role of ['agent', 'client'] as const) {
    const email = `bench-exports-${rows}-${role}@example.test`;
    const user = await db('users').where({ email }).first('id');
    users.push(user ? Number(user.id) : (await repos.users.create({ email, name: `Bench ${role}`, role, companyId, passwordHash: 'x' })).id);
  }
  const [{ n }] = await db('tickets').where({ company_id: companyId }).count({ n: '*' });
  const have = Number(n);
  if (have > rows) throw new Error(`${name} holds ${have} tickets, more than ${rows}: remove them or use another bench database`);
  if (have < rows) {
    log(`  seeding ${rows - have} tickets into "${name}"...`);
    const started = Date.now();
    await seedBulkTickets(db, { count: rows - have, companyIds: [companyId], userIds: users, seed: rows + have });
    log(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return { companyId, userId: users[0] };
}

function run(command: string, args: string[], outFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(outFile, 'w');
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // untimed: the client's output reaches the disk and goes, so the export after it does not pay for its
      // write-back when it syncs its own file (a report is synced before it is renamed into place)
      fs.fsyncSync(out);
      fs.closeSync(out);
      fs.rmSync(outFile, { force: true });
      if (code !== 0) return reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
      resolve(seconds);
    });
  });
}

/** The database's own client runs the export's SELECT (the same SQL, values inlined) into a file; its wall time in seconds. */
function baselineRunner(database: Database, sql: string, outFile: string): () => Promise<number> {
  if (database.client === 'better-sqlite3') return () => run('sqlite3', ['-csv', '-header', database.filename, sql], outFile);
  const url = new URL(database.url);
  const args = ['--batch', '--quick', '-h', url.hostname, '-P', url.port || '3306', '-u', decodeURIComponent(url.username)];
  if (url.password) args.push(`-p${decodeURIComponent(url.password)}`);
  args.push(url.pathname.replace(/^\//, ''), '-e', sql);
  return () => run('mariadb', args, outFile);
}

/**
 * One export through the real activity in a fresh process (this file, run as a script), of the production build with
 * the NODE_OPTIONS the production reports worker runs with (its young generation decides much of an export's speed
 * and memory).
 */
function exportInChild(request: ChildRequest): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', __filename], {
      env: { ...process.env, NODE_OPTIONS: productionNodeOptions('worker-reports'), BENCH_EXPORT_REQUEST: JSON.stringify(request) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`export child exited with ${code}: ${stdout.trim()}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

async function childMain(request: ChildRequest): Promise<void> {
  // the activities, their dependencies and the writers as production runs them: compiled by tsc (dist/), not
  // transpiled on the fly as this script is
  /* eslint-disable @typescript-eslint/no-require-imports */
  const built = <T>(module: string) => require(projectPath('dist', module)) as T;
  const { MockActivityEnvironment } = await import('@temporalio/testing');
  const { createReportActivities } = built<typeof import('../../activities/reports')>('activities/reports.js');
  const { buildActivityDeps, closeActivityDeps } = built<typeof import('../../workers/activity-deps')>('workers/activity-deps.js');
  const { createLogger } = built<typeof import('../../src/logger')>('src/logger.js');
  const config = configFor(request.database, request.reportsDir);
  const deps = buildActivityDeps(config, createLogger(config.logLevel, { component: 'bench-exports' }));
  try {
    const activities = createReportActivities(deps);
    const report = await deps.repos.reports.create({ userId: request.userId, companyId: null, format: request.format, filters: { companyIds: [request.companyId] } });
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `bench-report-${report.id}`, runId: 'bench' } });
    await env.run(activities.countReportRows, { reportId: report.id });
    // as in a worker that has written this format before: the PDF writer (pdfkit) is loaded on a process's first PDF,
    // once, while the CSV and JSON writers load with the activities; neither side's timing includes loading code
    if (request.format === 'pdf') built('src/reports/writers/pdf-writer.js');
    /* eslint-enable @typescript-eslint/no-require-imports */

    (global as { gc?: () => void }).gc?.();
    const before = process.memoryUsage.rss();
    const maxRssBefore = process.resourceUsage().maxRSS * 1024;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const started = process.hrtime.bigint();
    const exported = (await env.run(activities.exportReport, { reportId: report.id })) as ExportedReport;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const maxRssAfter = process.resourceUsage().maxRSS * 1024;
    // the kernel's high-water mark catches a peak between two samples, when it was reached during the export
    peak = Math.max(peak, process.memoryUsage.rss(), maxRssAfter > maxRssBefore ? maxRssAfter : 0);

    await env.run(activities.finishReport, { reportId: report.id, ...exported });
    await deps.storage.remove(exported.fileName);
    await deps.repos.reports.delete(report.id);
    const result: ChildResult = { seconds, rssGrowthMb: (peak - before) / MB, rowCount: exported.rowCount };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await closeActivityDeps(deps);
  }
}

async function prepareDatabase(database: Database, sizes: number[], log: (line: string) => void) {
  const config = configFor(database, os.tmpdir());
  if (config.database.client === 'mysql2') await ensureMysqlDatabase(config.database.url);
  const db = createDb(config.database);
  try {
    await migrateLatest(db);
    await syncRolesAndPermissions(db);
    const sets = new Map<number, { companyId: number; userId: number; sql: string }>();
    for (const rows of sizes) {
      const { companyId, userId } = await seededCompany(db, rows, log);
      sets.set(rows, { companyId, userId, sql: reportRowsQuery(db, { companyIds: [companyId] }).toQuery() });
    }
    // InnoDB's index statistics lag a bulk seed: with a million fresh tickets the optimizer took the few users
    // first and every ticket through the requester index (two seconds for a 5 000-row report). A live database's
    // statistics are current; the bench's must be too.
    if (database.client === 'mysql2') await db.raw('ANALYZE TABLE tickets, users, companies');
    return sets;
  } finally {
    await db.destroy();
  }
}

async function measureDatabase(ctx: BenchContext, database: Database, rows: number, pdfRows: number | null): Promise<GoalResult[]> {
  const name = databaseName(database);
  const key = name.toLowerCase();
  ctx.log(`exports on ${name}: ${rows} rows (CSV, JSON)${pdfRows ? `, PDF ${pdfRows} rows` : ''}`);
  // each export also runs at 1/10 of its size (its own seeded company), for how its cost scales
  const tenthRows = tenthOf(rows);
  const tenthPdfRows = pdfRows ? tenthOf(pdfRows) : null;
  const sizes = [rows, tenthRows, ...(pdfRows && tenthPdfRows ? [pdfRows, tenthPdfRows] : [])];
  const sets = await prepareDatabase(database, [...new Set(sizes)], ctx.log);
  const reportsDir = fs.mkdtempSync(path.join(ctx.workDir, `exports-${key}-`));
  const big = sets.get(rows)!;
  const bigTenth = sets.get(tenthRows)!;
  const small = pdfRows ? sets.get(pdfRows)! : undefined;
  const smallTenth = tenthPdfRows ? sets.get(tenthPdfRows)! : undefined;
  const baseline = baselineRunner(database, big.sql, path.join(reportsDir, `baseline.${database.client === 'mysql2' ? 'tsv' : 'csv'}`));
  const exportOf = async (format: ReportFormat, set: typeof big, expectedRows: number) => {
    const result = await exportInChild({ database, reportsDir, companyId: set.companyId, userId: set.userId, format });
    if (result.rowCount !== expectedRows) throw new Error(`the ${format} export wrote ${result.rowCount} rows, expected ${expectedRows}`);
    return result;
  };

  const csv: Array<{ project: number; baseline: number }> = [];
  const json: Array<{ project: number; baseline: number }> = [];
  /** the project's runs at full size and at 1/10, per format: seconds and RSS growth */
  const cost = { full: { csv: [], json: [], pdf: [] }, tenth: { csv: [], json: [], pdf: [] } } as Record<'full' | 'tenth', Record<ReportFormat, ChildResult[]>>;
  const runRows = runs('rows', ['pdf']);
  for (let pair = 0; runRows && pair < ctx.pairs; pair++) {
    const client = await baseline();
    const csvRun = await exportOf('csv', big, rows);
    const jsonRun = await exportOf('json', big, rows);
    csv.push({ project: rows / csvRun.seconds, baseline: rows / client });
    json.push({ project: rows / jsonRun.seconds, baseline: rows / client });
    const csvTenth = await exportOf('csv', bigTenth, tenthRows);
    const jsonTenth = await exportOf('json', bigTenth, tenthRows);
    cost.full.csv.push(csvRun);
    cost.full.json.push(jsonRun);
    cost.tenth.csv.push(csvTenth);
    cost.tenth.json.push(jsonTenth);
    ctx.log(
      `  pair ${pair + 1}: client ${client.toFixed(2)} s, CSV ${csvRun.seconds.toFixed(2)} s (+${csvRun.rssGrowthMb.toFixed(0)} MB), ` +
        `JSON ${jsonRun.seconds.toFixed(2)} s (+${jsonRun.rssGrowthMb.toFixed(0)} MB); ${tenthRows} rows: ` +
        `CSV ${csvTenth.seconds.toFixed(2)} s, JSON ${jsonTenth.seconds.toFixed(2)} s`,
    );
  }
  const pdf: Array<{ project: number; baseline: number }> = [];
  for (let pair = 0; small && smallTenth && pdfRows && tenthPdfRows && pair < ctx.pairs; pair++) {
    const csvRun = await exportOf('csv', small, pdfRows);
    const pdfRun = await exportOf('pdf', small, pdfRows);
    pdf.push({ project: pdfRun.seconds, baseline: csvRun.seconds });
    const pdfTenth = await exportOf('pdf', smallTenth, tenthPdfRows);
    cost.full.pdf.push(pdfRun);
    cost.tenth.pdf.push(pdfTenth);
    ctx.log(
      `  PDF pair ${pair + 1}: CSV ${csvRun.seconds.toFixed(2)} s, PDF ${pdfRun.seconds.toFixed(2)} s (+${pdfRun.rssGrowthMb.toFixed(0)} MB); ` +
        `${tenthPdfRows} rows: PDF ${pdfTenth.seconds.toFixed(2)} s`,
    );
  }
  const scaling = (format: ReportFormat, size: number, measure: 'seconds' | 'rssGrowthMb') =>
    scalingOf({
      sizeUnit: 'rows',
      size,
      costUnit: measure === 'seconds' ? 's' : 'MB',
      full: cost.full[format].map((run) => run[measure]),
      tenth: cost.tenth[format].map((run) => run[measure]),
    });
  /** each export's RSS growth at full size against the limit, and at 1/10 for how it scales */
  const rssGoal = (format: ReportFormat, size: number) =>
    goalWithinLimit({
      id: `exports.rss.${format}.${key}`,
      title: `worker RSS growth, ${format.toUpperCase()} of ${size} rows on ${name}`,
      unit: 'MB',
      values: cost.full[format].map((run) => run.rssGrowthMb),
      limit: RSS_LIMIT_MB,
      scaling: scaling(format, size, 'rssGrowthMb'),
    });
  fs.rmSync(reportsDir, { recursive: true, force: true });

  const client = database.client === 'mysql2' ? '`mariadb --batch --quick`' : '`sqlite3 -csv`';
  const threshold = database.client === 'mysql2' ? 0.5 : 0.4;
  const speedNote = 'exportReport activity in a fresh process vs the client running the same SELECT into a file (its whole process); throttle off';
  const goals = !runRows ? [] : [
    goalFromPairs({
      id: `exports.csv.${key}`,
      title: `CSV export of ${rows} rows on ${name} vs ${client}`,
      unit: 'rows/s',
      samples: csv,
      higherIsBetter: true,
      threshold,
      notes: speedNote,
      scaling: scaling('csv', rows, 'seconds'),
    }),
    goalFromPairs({
      id: `exports.json.${key}`,
      title: `JSON export of ${rows} rows on ${name} vs ${client}`,
      unit: 'rows/s',
      samples: json,
      higherIsBetter: true,
      threshold,
      notes: speedNote,
      scaling: scaling('json', rows, 'seconds'),
    }),
    rssGoal('csv', rows),
    rssGoal('json', rows),
  ];
  if (!pdfRows) return goals;
  return [
    ...goals,
    goalFromPairs({
      id: `exports.pdf.${key}`,
      title: `PDF of ${pdfRows} rows on ${name} vs the CSV of the same rows`,
      unit: 's',
      samples: pdf,
      higherIsBetter: false,
      threshold: 3,
      notes: 'both through the exportReport activity, each in a fresh process',
      scaling: scaling('pdf', pdfRows, 'seconds'),
    }),
    rssGoal('pdf', pdfRows),
  ];
}

const suite: BenchSuite = {
  name: 'exports',
  async run(ctx) {
    // a part of the suite must not replace the whole suite's rows in the results
    if (ONLY.size > 0 && process.env.BENCH_NO_WRITE !== '1') throw new Error('BENCH_EXPORTS runs part of the suite: add BENCH_NO_WRITE=1');
    const rows = ctx.quick ? 100_000 : 1_000_000;
    ensureProductionBuild(ctx.log);
    // quick: a smaller PDF, on the last database only (each export is a fresh process of a second or two; the
    // goals' figures are the full run's, at the cap, on both)
    const pdfRows = ctx.quick ? 20_000 : PDF_ROWS;
    const databases: Database[] = [];
    if (ctx.database.client === 'mysql2' && runs('mariadb', ['sqlite'])) databases.push(ctx.database);
    fs.mkdirSync(path.dirname(SQLITE_CACHE), { recursive: true });
    if (runs('sqlite', ['mariadb'])) databases.push(ctx.database.client === 'better-sqlite3' ? ctx.database : { client: 'better-sqlite3', filename: SQLITE_CACHE });
    const goals: GoalResult[] = [];
    for (const [i, database] of databases.entries()) {
      const pdf = runs('pdf', ['rows']) && (!ctx.quick || i === databases.length - 1);
      goals.push(...(await measureDatabase(ctx, database, rows, pdf ? pdfRows : null)));
    }
    return goals;
  },
};

export default suite;

if (require.main === module && process.env.BENCH_EXPORT_REQUEST) {
  childMain(JSON.parse(process.env.BENCH_EXPORT_REQUEST) as ChildRequest).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
