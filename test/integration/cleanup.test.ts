import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CLEANUP_SCHEDULE_ID, TASK_QUEUES, type CleanupResult } from '../../src/jobs/contract';
import { createLogger } from '../../src/logger';
import { loadConfig } from '../../src/config';
import { ensureCleanupScheduleOnStart } from '../../workers/cleanup-schedule';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { spawnWorkerProcess, startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

async function count(system: TestSystem, table: string, column: string, olderThanDays: number): Promise<number> {
  const [row] = await system.db(table).where(column, '<', daysAgo(olderThanDays)).count<{ n: number }[]>({ n: '*' });
  return Number(row.n);
}

async function total(system: TestSystem, table: string): Promise<number> {
  const [row] = await system.db(table).count<{ n: number }[]>({ n: '*' });
  return Number(row.n);
}

async function insertActivityLogs(system: TestSystem, ages: number[], action = 'test.cleanup') {
  const rows = ages.map((age, i) => ({ user_id: null, action, subject_type: 'test', subject_id: String(i), properties: null, created_at: daysAgo(age) }));
  await system.db.batchInsert('activity_logs', rows, 400);
}

async function runCleanup(system: TestSystem, token: string, dryRun: boolean): Promise<CleanupResult> {
  const api = httpClient(system.baseUrl, token);
  const started = await api.post('/api/admin/cleanup/runs', { dryRun });
  expect(started.status).toBe(202);
  return system.jobs.result<CleanupResult>(started.body.workflowId);
}

describe('nightly cleanup', () => {
  let system: TestSystem;
  let world: World;
  let reportsDir: string;

  beforeAll(async () => {
    system = await startTestSystem({ queues: [TASK_QUEUES.default] });
    world = await createWorld(system.repos, system.auth);
    reportsDir = system.config.reports.dir;
    fs.mkdirSync(reportsDir, { recursive: true });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function insertReport(ageDays: number, status: string, fileName: string | null) {
    const [id] = await system.db('reports').insert({
      user_id: world.agent.id,
      format: 'csv',
      filters: '{}',
      status,
      file_name: fileName,
      created_at: daysAgo(ageDays),
      rows_written: 0,
    });
    if (fileName) fs.writeFileSync(path.join(reportsDir, fileName), 'id\n1\n');
    return Number(id);
  }

  it('deletes exactly the rows and files past each cutoff, keeps the rest, and a dry run first reports the same counts without changing anything', async () => {
    await insertActivityLogs(system, [400, 200, 91, 91, 89, 30, 1]);
    for (const age of [45, 31, 29, 2]) {
      await system.repos.failedJobs.record(
        { jobType: 'notification', workflowId: `wf-${age}`, taskQueue: 'notifications', errorType: 'X', errorMessage: 'x', payload: {} },
        daysAgo(age),
      );
    }
    const oldReport = await insertReport(8, 'ready', 'report-old.csv');
    const freshReport = await insertReport(6, 'ready', 'report-fresh.csv');
    const oldRunning = await insertReport(8, 'running', null);
    fs.writeFileSync(path.join(reportsDir, 'orphan-stale.csv'), 'x');
    fs.utimesSync(path.join(reportsDir, 'orphan-stale.csv'), daysAgo(1), daysAgo(1));
    fs.writeFileSync(path.join(reportsDir, 'orphan-being-written.tmp'), 'x');

    const expected = {
      activityLogs: await count(system, 'activity_logs', 'created_at', 90),
      failedJobs: await count(system, 'failed_jobs', 'failed_at', 30),
    };
    const keptLogs = (await total(system, 'activity_logs')) - expected.activityLogs;
    const keptFailedJobs = (await total(system, 'failed_jobs')) - expected.failedJobs;
    expect(expected.activityLogs).toBeGreaterThanOrEqual(4);
    expect(expected.failedJobs).toBeGreaterThanOrEqual(2);

    const dry = await runCleanup(system, world.tokens.admin, true);
    expect(dry.dryRun).toBe(true);
    expect(dry.counts).toEqual({ ...expected, reports: 1, reportFiles: 1, orphanFiles: 1 });
    expect(await count(system, 'activity_logs', 'created_at', 90)).toBe(expected.activityLogs);
    expect(await count(system, 'failed_jobs', 'failed_at', 30)).toBe(expected.failedJobs);
    expect(fs.existsSync(path.join(reportsDir, 'report-old.csv'))).toBe(true);
    expect(fs.existsSync(path.join(reportsDir, 'orphan-stale.csv'))).toBe(true);

    const real = await runCleanup(system, world.tokens.admin, false);
    expect(real.dryRun).toBe(false);
    expect(real.counts).toEqual(dry.counts);
    expect(await count(system, 'activity_logs', 'created_at', 90)).toBe(0);
    expect(await count(system, 'failed_jobs', 'failed_at', 30)).toBe(0);
    // the run adds its own activity-log entry, and the API call its audit entry
    expect(await total(system, 'activity_logs')).toBe(keptLogs + 2 + 2);
    expect(await total(system, 'failed_jobs')).toBe(keptFailedJobs);

    const remainingReports = (await system.db('reports').whereIn('id', [oldReport, freshReport, oldRunning]).pluck('id')).map(Number);
    expect(remainingReports.sort()).toEqual([freshReport, oldRunning].sort());
    expect(fs.readdirSync(reportsDir).sort()).toEqual(['orphan-being-written.tmp', 'report-fresh.csv']);

    const runs = await httpClient(system.baseUrl, world.tokens.admin).get('/api/admin/cleanup/runs');
    expect(runs.status).toBe(200);
    expect(runs.body.runs[0]).toMatchObject({ dryRun: false, counts: real.counts });
  });

  it('deletes a large backlog in batches while inserts into activity_logs keep succeeding', async () => {
    await insertActivityLogs(system, Array.from({ length: 3000 }, () => 120), 'test.backlog');
    const before = await count(system, 'activity_logs', 'created_at', 90);
    const started = await httpClient(system.baseUrl, world.tokens.admin).post('/api/admin/cleanup/runs', { dryRun: false });
    const result = system.jobs.result<CleanupResult>(started.body.workflowId);
    let inserted = 0;
    let finished = false;
    void result.finally(() => (finished = true));
    while (!finished) {
      await system.repos.activityLogs.record({ userId: null, action: 'test.concurrent' });
      inserted++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await result).counts.activityLogs).toBe(before);
    expect(inserted).toBeGreaterThan(0);
    const [row] = await system.db('activity_logs').where({ action: 'test.concurrent' }).count<{ n: number }[]>({ n: '*' });
    expect(Number(row.n)).toBe(inserted);
  });

  describe('permissions and settings', () => {
    it.each(['agent', 'clientA'] as const)('a %s gets 403 on every cleanup and schedule endpoint', async (who) => {
      const api = httpClient(system.baseUrl, world.tokens[who]);
      const responses = await Promise.all([
        api.post('/api/admin/cleanup/runs', { dryRun: true }),
        api.get('/api/admin/cleanup/runs'),
        api.get('/api/admin/cleanup/runs/cleanup-manual-1'),
        api.get('/api/admin/cleanup/schedule'),
        api.post('/api/admin/cleanup/schedule/pause'),
        api.post('/api/admin/cleanup/schedule/resume'),
        api.post('/api/admin/cleanup/schedule/trigger'),
        // switched methods are refused the same way, before any route matching
        api.delete('/api/admin/cleanup/runs'),
        api.put('/api/admin/cleanup/schedule'),
        api.get('/api/admin/cleanup/schedule/pause'),
      ]);
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(403));
    });

    it.each(['0', '-5', 'ninety'])('a retention of %s days stops the start with a message naming the setting', (value) => {
      expect(() => loadConfig({ ...system.env, RETENTION_ACTIVITY_LOG_DAYS: value })).toThrow(/^Invalid configuration: RETENTION_ACTIVITY_LOG_DAYS /);
    });
  });
});

describe('the cleanup-old-data schedule', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    // no worker polls the default queue here, so a triggered run stays in progress
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    const description = await system.jobs.describeCleanupSchedule();
    for (const action of description?.info.runningActions ?? []) {
      await system.jobs.client.workflow.getHandle(action.workflow.workflowId).terminate('test over');
    }
    await system.jobs.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).delete().catch(() => undefined);
    await system?.stop();
  });

  it('starting the worker twice leaves exactly one schedule, and a changed CLEANUP_CRON updates it', async () => {
    const logger = createLogger('silent');
    await ensureCleanupScheduleOnStart(system.config, logger);
    await ensureCleanupScheduleOnStart(system.config, logger);
    const ids: string[] = [];
    for await (const schedule of system.jobs.client.schedule.list()) ids.push(schedule.scheduleId);
    expect(ids.filter((id) => id === CLEANUP_SCHEDULE_ID)).toHaveLength(1);

    const nightly = await system.jobs.describeCleanupSchedule();
    expect(nightly!.policies.overlap).toBe('SKIP');
    expect(nightly!.info.nextActionTimes.every((time) => time.getUTCHours() === 3 && time.getUTCMinutes() === 0)).toBe(true);

    expect(await ensureCleanupScheduleOnStart(loadConfig({ ...system.env, CLEANUP_CRON: '30 5 * * *' }), logger)).toBe('updated');
    const changed = await system.jobs.describeCleanupSchedule();
    expect(changed!.info.nextActionTimes.every((time) => time.getUTCHours() === 5 && time.getUTCMinutes() === 30)).toBe(true);
  });

  it('an admin can pause, resume and trigger it; a trigger while a run is in progress is skipped', async () => {
    const api = httpClient(system.baseUrl, world.tokens.admin);
    expect((await api.post('/api/admin/cleanup/schedule/pause')).status).toBe(200);
    expect((await api.get('/api/admin/cleanup/schedule')).body.paused).toBe(true);
    expect((await api.post('/api/admin/cleanup/schedule/resume')).status).toBe(200);
    expect((await api.get('/api/admin/cleanup/schedule')).body.paused).toBe(false);

    expect((await api.post('/api/admin/cleanup/schedule/trigger')).status).toBe(202);
    const running = await waitFor(async () => {
      const schedule = (await api.get('/api/admin/cleanup/schedule')).body;
      return schedule.runningWorkflowIds.length === 1 ? schedule : undefined;
    });
    expect((await api.post('/api/admin/cleanup/schedule/trigger')).status).toBe(202);
    const after = await waitFor(async () => {
      const description = await system.jobs.describeCleanupSchedule();
      return description!.info.numActionsSkippedOverlap >= 1 ? description : undefined;
    });
    expect(after.info.runningActions.map((a) => a.workflow.workflowId)).toEqual(running.runningWorkflowIds);
    expect(after.info.recentActions).toHaveLength(1);

    const audit = await system.repos.activityLogs.list({ userId: world.admin.id, limit: 10 });
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['admin.schedule_pause', 'admin.schedule_resume', 'admin.schedule_trigger']),
    );
  });
});

describe('a cleanup run whose worker is killed', () => {
  let system: TestSystem;
  let world: World;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await system?.stop();
  });

  it('completes after a restart, its counts add up, and nothing inside the retention window is deleted', async () => {
    await insertActivityLogs(system, Array.from({ length: 20_000 }, (_, i) => 91 + (i % 300)), 'test.kill.old');
    await insertActivityLogs(system, Array.from({ length: 500 }, (_, i) => 89 - (i % 80)), 'test.kill.fresh');
    const expectedOld = await count(system, 'activity_logs', 'created_at', 90);
    const freshBefore = await total(system, 'activity_logs') - expectedOld;

    // small batches so the run is still deleting when the worker dies
    const workerEnv = { ...system.env, CLEANUP_BATCH_SIZE: '100' };
    const first = spawnWorkerProcess(TASK_QUEUES.default, workerEnv);
    children.push(first);
    const started = await httpClient(system.baseUrl, world.tokens.admin).post('/api/admin/cleanup/runs', { dryRun: false });
    expect(started.status).toBe(202);
    await waitFor(async () => (await count(system, 'activity_logs', 'created_at', 90)) < expectedOld - 500, {
      timeoutMs: 60_000,
      what: 'deletes to begin',
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const leftAfterKill = await count(system, 'activity_logs', 'created_at', 90);
    expect(leftAfterKill).toBeGreaterThan(0);

    children.push(spawnWorkerProcess(TASK_QUEUES.default, workerEnv));
    const result = await system.jobs.result<CleanupResult>(started.body.workflowId);
    expect(result.counts.activityLogs).toBe(expectedOld);
    expect(await count(system, 'activity_logs', 'created_at', 90)).toBe(0);
    // everything inside the window survived (plus entries written meanwhile)
    const [fresh] = await system.db('activity_logs').where('created_at', '>=', daysAgo(90)).count<{ n: number }[]>({ n: '*' });
    expect(Number(fresh.n)).toBeGreaterThanOrEqual(freshBefore);
    const [kept] = await system.db('activity_logs').where({ action: 'test.kill.fresh' }).count<{ n: number }[]>({ n: '*' });
    expect(Number(kept.n)).toBe(500);
  }, 180_000);
});
