/**
 * Benchmark (not a test): exports N tickets as CSV and JSON through the real exportReport activity
 * and reports elapsed time and the process's peak RSS growth.
 *
 *   npm run bench:reports                      # 1 000 000 tickets in mysql://root@127.0.0.1:3306/helpdesk_bench
 *   BENCH_DATABASE_URL=mysql://... BENCH_TICKETS=200000 npm run bench:reports
 *   BENCH_SQLITE_FILE=.data/bench.sqlite npm run bench:reports   # the SQLite path (better-sqlite3 iterate())
 *
 * The database is seeded once (reused on later runs) and is dedicated to the benchmark: DATABASE_URL is ignored.
 * Each format is measured in a fresh child process, so one export's memory never hides another's.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReportActivities, type ExportedReport } from '../activities/reports';
import { buildActivityDeps, closeActivityDeps } from '../workers/activity-deps';
import { syncRolesAndPermissions } from '../src/auth/permissions';
import { loadConfig } from '../src/config';
import { ensureMysqlDatabase, migrateLatest } from '../src/db/knex';
import { seedBulkTickets } from '../src/db/seed-bulk';
import type { ReportFormat } from '../src/jobs/contract';
import { createLogger } from '../src/logger';

const MB = 1024 * 1024;
const LIMIT_MB = 128;
const STEP_LIMIT_S = 300;

async function main(): Promise<void> {
  const sqliteFile = process.env.BENCH_SQLITE_FILE;
  if (process.env.DATABASE_URL && !process.env.BENCH_DATABASE_URL && !sqliteFile && !process.env.BENCH_FORMAT) {
    // the benchmark seeds its own database: it never writes a million tickets into the one DATABASE_URL names
    console.warn('DATABASE_URL is ignored here; set BENCH_DATABASE_URL (or BENCH_SQLITE_FILE) to choose the benchmark database');
  }
  const databaseUrl = sqliteFile ? '' : (process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/helpdesk_bench');
  const tickets = Number(process.env.BENCH_TICKETS ?? 1_000_000);
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-bench-'));
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    SQLITE_FILE: sqliteFile,
    REPORTS_DIR: reportsDir,
    LOG_LEVEL: 'warn',
    REPORT_EXPORT_MAX_ROWS_PER_SECOND: '0',
  });
  const logger = createLogger(config.logLevel, { component: 'bench' });
  if (config.database.client === 'mysql2') await ensureMysqlDatabase(config.database.url);
  // the same dependencies a reports worker builds: database, repositories, storage in REPORTS_DIR
  const deps = buildActivityDeps(config, logger);
  const { db, repos, storage } = deps;
  try {
    await migrateLatest(db);
    await syncRolesAndPermissions(db);

    let company = await db('companies').where({ name: 'Bench Company' }).first('id');
    if (!company) company = { id: (await repos.companies.create('Bench Company')).id };
    const users: number[] = [];
    for (const role of ['agent', 'client'] as const) {
      const email = `bench-${role}@example.test`;
      const existing = await db('users').where({ email }).first('id');
      users.push(
        existing ? Number(existing.id) : (await repos.users.create({ email, name: `Bench ${role}`, role, companyId: company.id, passwordHash: 'x' })).id,
      );
    }

    const [{ n }] = await db('tickets').count({ n: '*' });
    const have = Number(n);
    if (have < tickets) {
      console.log(`seeding ${tickets - have} tickets (have ${have})...`);
      const started = Date.now();
      await seedBulkTickets(db, {
        count: tickets - have,
        companyIds: [company.id],
        userIds: users,
        seed: have + 1,
        onProgress: (done) => {
          if (done % 100_000 < 10_000) process.stdout.write(`  ${done} rows, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
        },
      });
      console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const [{ n: total }] = await db('tickets').count({ n: '*' });
    console.log(`tickets in ${config.database.client === 'mysql2' ? 'MariaDB/MySQL' : 'SQLite'}: ${total}`);

    const only = process.env.BENCH_FORMAT as ReportFormat | undefined;
    if (!only) {
      let failed = false;
      for (const format of ['csv', 'json']) {
        const child = spawnSync(process.execPath, [...process.execArgv, __filename], {
          env: { ...process.env, BENCH_FORMAT: format, BENCH_TICKETS: String(tickets) },
          stdio: 'inherit',
        });
        failed ||= child.status !== 0;
      }
      console.log(`limits: step < ${STEP_LIMIT_S} s, RSS growth < ${LIMIT_MB} MB`);
      if (failed) process.exitCode = 1;
      return;
    }

    const activities = createReportActivities(deps);
    const results: string[] = [];
    let failed = false;
    for (const format of [only]) {
      const report = await repos.reports.create({ userId: users[0], companyId: null, format, filters: {} });
      const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `bench-report-${report.id}`, runId: 'bench' } });
      let heartbeats = 0;
      env.on('heartbeat', () => heartbeats++);
      await env.run(activities.countReportRows, { reportId: report.id });

      (global as { gc?: () => void }).gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      let atPeak = process.memoryUsage();
      const sampler = setInterval(() => {
        const usage = process.memoryUsage();
        if (usage.rss > peak) {
          peak = usage.rss;
          atPeak = usage;
        }
      }, 25);
      const started = Date.now();
      const exported = (await env.run(activities.exportReport, { reportId: report.id })) as ExportedReport;
      const elapsed = (Date.now() - started) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      await env.run(activities.finishReport, { reportId: report.id, ...exported });

      const growth = (peak - baseline) / MB;
      const ok = growth < LIMIT_MB && elapsed < STEP_LIMIT_S && exported.rowCount === Number(total);
      failed ||= !ok;
      results.push(
        `${format.toUpperCase().padEnd(4)} rows=${exported.rowCount} size=${(exported.fileSize / MB).toFixed(1)} MB ` +
          `elapsed=${elapsed.toFixed(1)} s (${Math.round(exported.rowCount / elapsed)} rows/s) ` +
          `rss baseline=${(baseline / MB).toFixed(0)} MB peak=${(peak / MB).toFixed(0)} MB growth=${growth.toFixed(1)} MB ` +
          `(heap ${(atPeak.heapTotal / MB).toFixed(0)} MB, external ${(atPeak.external / MB).toFixed(0)} MB) ` +
          `heartbeats=${heartbeats} ${ok ? 'OK' : 'OVER LIMIT'}`,
      );
      console.log(results.at(-1));
      await storage.remove(exported.fileName);
      await repos.reports.delete(report.id);
    }
    if (failed) process.exitCode = 1;
  } finally {
    await closeActivityDeps(deps);
    fs.rmSync(reportsDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
