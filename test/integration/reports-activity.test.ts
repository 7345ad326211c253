import fs from 'node:fs';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReportActivities, type ExportedReport } from '../../activities/reports';
import type { ActivityDeps } from '../../activities';
import { loadConfig } from '../../src/config';
import { createRepositories } from '../../src/db/repositories';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { createLogger } from '../../src/logger';
import { percentOf } from '../../src/reports/report-service';
import { createWorld, type World } from '../support/fixtures';
import { createAuthService } from '../../src/auth/auth-service';
import { prepareDatabase } from '../../src/db/prepare';
import { testEnv } from '../support/system';
import { waitFor } from '../support/wait';
import { buildActivityDeps, closeActivityDeps } from '../../workers/activity-deps';

// the activity functions themselves, in a mock activity context: heartbeats and Temporal's cancellation signal
let deps: ActivityDeps;
let world: World;

beforeAll(async () => {
  const config = loadConfig(testEnv({ REPORT_EXPORT_MAX_ROWS_PER_SECOND: '2000' }));
  const { db } = await prepareDatabase(config);
  const repos = createRepositories(db);
  world = await createWorld(repos, createAuthService(repos, { tokenTtlHours: 1 }));
  await seedBulkTickets(db, { count: 5000, companyIds: [world.companyA.id], userIds: [world.agent.id], seed: 31 });
  await db.destroy();
  // the same dependencies a reports worker builds
  deps = buildActivityDeps(config, createLogger('silent'));
}, 60_000);

afterAll(async () => {
  if (deps) await closeActivityDeps(deps);
});

const filesOf = (id: number) => (fs.existsSync(deps.config.reports.dir) ? fs.readdirSync(deps.config.reports.dir) : []).filter((n) => n.includes(`report-${id}.`));

async function runningReport(format: 'csv' | 'json') {
  const report = await deps.repos.reports.create({ userId: world.agent.id, companyId: null, format, filters: { companyIds: [world.companyA.id] } });
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `report-${report.id}`, runId: 'r1' } });
  const activities = createReportActivities(deps);
  await env.run(activities.countReportRows, { reportId: report.id });
  return { report, env, activities };
}

it('heartbeats growing {rowsWritten, totalRows} and ends with the whole file', async () => {
  const { report, env, activities } = await runningReport('csv');
  const beats: Array<{ rowsWritten: number; totalRows: number }> = [];
  env.on('heartbeat', (details) => beats.push(details));
  const exported = (await env.run(activities.exportReport, { reportId: report.id })) as ExportedReport;
  expect(exported.rowCount).toBe(5000);
  expect(beats.length).toBeGreaterThan(3);
  expect(beats.every((b) => b.totalRows === 5000)).toBe(true);
  const rows = beats.map((b) => b.rowsWritten);
  expect(rows).toEqual([...rows].sort((a, b) => a - b));
  expect(rows.at(-1)).toBe(5000);
  await env.run(activities.finishReport, { reportId: report.id, ...exported });
  const ready = await deps.repos.reports.findById(report.id);
  expect(ready).toMatchObject({ status: 'ready', rowCount: 5000, rowsWritten: 5000, totalRows: 5000, fileName: `report-${report.id}.csv` });
  expect(percentOf(ready!)).toBe(100);
  expect(filesOf(report.id)).toEqual([`report-${report.id}.csv`]);
});

it('stops on Temporal cancellation, throwing CancelledFailure and leaving no file', async () => {
  const { report, env, activities } = await runningReport('json');
  const running = env.run(activities.exportReport, { reportId: report.id }).catch((err: unknown) => err);
  await waitFor(async () => ((await deps.repos.reports.findById(report.id))?.rowsWritten ?? 0) > 0, { what: 'progress' });
  env.cancel();
  const outcome = await running;
  expect(outcome).toBeInstanceOf(CancelledFailure);
  expect(filesOf(report.id)).toEqual([]);
  await env.run(activities.discardReport, { reportId: report.id });
  expect((await deps.repos.reports.findById(report.id))?.status).toBe('cancelled');
});

it('refuses to resurrect a cancelled report', async () => {
  const { report, activities } = await runningReport('csv');
  await deps.repos.reports.markCancelled(report.id);
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `report-${report.id}`, runId: 'r2' } });
  await expect(env.run(activities.exportReport, { reportId: report.id })).rejects.toMatchObject({ type: 'ReportGone', nonRetryable: true });
  await expect(env.run(activities.countReportRows, { reportId: report.id })).rejects.toMatchObject({ type: 'ReportNotActive' });
  expect(filesOf(report.id)).toEqual([]);
});

it('a retried finish step after a lost answer keeps the ready report and its file', async () => {
  const { report, env, activities } = await runningReport('json');
  const exported = (await env.run(activities.exportReport, { reportId: report.id })) as ExportedReport;
  const first = (await env.run(activities.finishReport, { reportId: report.id, ...exported })) as { expiresAt: string };
  const again = (await env.run(activities.finishReport, { reportId: report.id, ...exported })) as { expiresAt: string };
  expect(again.expiresAt).toBe(first.expiresAt);
  expect((await deps.repos.reports.findById(report.id))?.status).toBe('ready');
  expect(filesOf(report.id)).toEqual([`report-${report.id}.json`]);
});
