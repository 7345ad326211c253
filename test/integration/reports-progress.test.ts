import { MockActivityEnvironment } from '@temporalio/testing';
import { createReportActivities } from '../../activities/reports';
import type { ActivityDeps } from '../../activities';
import { loadConfig } from '../../src/config';
import { createRepositories } from '../../src/db/repositories';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { createLogger } from '../../src/logger';
import { createWorld, type World } from '../support/fixtures';
import { createAuthService } from '../../src/auth/auth-service';
import { prepareDatabase } from '../../src/db/prepare';
import { testEnv } from '../support/system';
import { waitFor } from '../support/wait';
import { buildActivityDeps, closeActivityDeps } from '../../workers/activity-deps';

// a slow throttle: 50 rows a second, so 5,000 rows would take 100 s
const ROWS_PER_SECOND = 50;
let deps: ActivityDeps;
let world: World;

beforeAll(async () => {
  const config = loadConfig(testEnv({ REPORT_EXPORT_MAX_ROWS_PER_SECOND: String(ROWS_PER_SECOND) }));
  const { db } = await prepareDatabase(config);
  const repos = createRepositories(db);
  world = await createWorld(repos, createAuthService(repos, { tokenTtlHours: 1 }));
  await seedBulkTickets(db, { count: 5000, companyIds: [world.companyA.id], userIds: [world.agent.id], seed: 41 });
  await db.destroy();
  deps = buildActivityDeps(config, createLogger('silent'));
}, 60_000);

afterAll(async () => {
  if (deps) await closeActivityDeps(deps);
});

async function startExport() {
  const report = await deps.repos.reports.create({ userId: world.agent.id, companyId: null, format: 'csv', filters: { companyIds: [world.companyA.id] } });
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `report-${report.id}`, runId: 'r1' } });
  const activities = createReportActivities(deps);
  await env.run(activities.countReportRows, { reportId: report.id });
  const settled = { done: false, error: undefined as unknown };
  const running = env.run(activities.exportReport, { reportId: report.id }).then(
    () => {
      settled.done = true;
    },
    (err: unknown) => {
      settled.done = true;
      settled.error = err;
    },
  );
  return { report, env, running, settled };
}

const rowsInDatabase = async (id: number) => (await deps.repos.reports.findById(id))?.rowsWritten ?? -1;

it('with the export throttle on, the rows written count up in the database every second', async () => {
  const { report, env, running } = await startExport();
  try {
    const first = await waitFor(async () => {
      const rows = await rowsInDatabase(report.id);
      return rows > 0 ? rows : undefined;
    }, { timeoutMs: 10_000 });
    const later = await waitFor(async () => {
      const rows = await rowsInDatabase(report.id);
      return rows > first ? rows : undefined;
    }, { timeoutMs: 10_000 });
    expect(later).toBeLessThan(5000);
  } finally {
    env.cancel();
    await running;
  }
});

// it notices at its next progress write (about a second); the bound is loose for a loaded CI machine, yet far below the
// ~100 s the throttled export would still take if the deletion went unnoticed
const STOP_BOUND_MS = 15_000;

it('a throttled export stops at its next progress write once its report is deleted, long before its rows run out', async () => {
  const { report, running, settled } = await startExport();
  await waitFor(async () => ((await rowsInDatabase(report.id)) > 0 ? true : undefined), { timeoutMs: 10_000 });
  await deps.repos.reports.delete(report.id);
  await Promise.race([running, new Promise((resolve) => setTimeout(resolve, STOP_BOUND_MS))]);
  expect(settled.done).toBe(true);
  expect(settled.error).toMatchObject({ type: 'ReportGone' });
  await running;
});
