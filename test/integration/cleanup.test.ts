import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { insertVerdict } from '../../bench/cleanup-activity-logs';
import { CLEANUP_SCHEDULE_ID, TASK_QUEUES, WORKFLOW_TYPES, type CleanupResult } from '../../src/jobs/contract';
import { createLogger } from '../../src/logger';
import { loadConfig } from '../../src/config';
import { ensureCleanupScheduleOnStart } from '../../workers/cleanup-schedule';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { spawnWorkerProcess, startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { expectForbiddenForNonAdmins, roleTokens, statusMatrix } from './admin-helpers';

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

/**
 * Other files share this namespace and may leave cleanup runs nobody works on, and a real run never starts
 * beside one: end them, plus the given runs that visibility may not list yet.
 */
async function endRunningCleanups(system: TestSystem, alsoIds: string[] = []): Promise<void> {
  const ids = new Set(alsoIds);
  const query = `WorkflowType = '${WORKFLOW_TYPES.cleanupOldData}' AND ExecutionStatus = 'Running'`;
  for await (const execution of system.jobs.client.workflow.list({ query })) ids.add(execution.workflowId);
  const schedule = await system.jobs.describeCleanupSchedule();
  for (const action of schedule?.info.runningActions ?? []) ids.add(action.workflow.workflowId);
  for (const id of ids) {
    const handle = system.jobs.client.workflow.getHandle(id);
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
  }
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
    await endRunningCleanups(system);
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

  it('deletes exactly the rows and files past each cutoff, keeps the rest, reports what it removed, and a dry run first reports what it would delete without changing anything', async () => {
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
    // its file is already gone: the row goes, but no file is removed for it
    const oldMissingFile = await insertReport(9, 'ready', 'report-missing.csv');
    fs.rmSync(path.join(reportsDir, 'report-missing.csv'));
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
    // a dry run counts rows naming a file; it does not look at the disk
    expect(dry.counts).toEqual({ ...expected, reports: 2, reportFiles: 2, orphanFiles: 1 });
    expect(await count(system, 'activity_logs', 'created_at', 90)).toBe(expected.activityLogs);
    expect(await count(system, 'failed_jobs', 'failed_at', 30)).toBe(expected.failedJobs);
    expect(fs.existsSync(path.join(reportsDir, 'report-old.csv'))).toBe(true);
    expect(fs.existsSync(path.join(reportsDir, 'orphan-stale.csv'))).toBe(true);

    const started = await httpClient(system.baseUrl, world.tokens.admin).post('/api/admin/cleanup/runs', { dryRun: false });
    expect(started.status).toBe(202);
    const real = await system.jobs.result<CleanupResult>(started.body.workflowId);
    expect(real.dryRun).toBe(false);
    expect(real.counts).toEqual({ ...expected, reports: 2, reportFiles: 1, orphanFiles: 1 });
    expect(await count(system, 'activity_logs', 'created_at', 90)).toBe(0);
    expect(await count(system, 'failed_jobs', 'failed_at', 30)).toBe(0);
    // each run adds exactly one activity-log entry and each API call its audit entry
    expect(await total(system, 'activity_logs')).toBe(keptLogs + 2 + 2);
    // what the run reports is the tally its delete batches committed
    const tally = await system.db('cleanup_tallies').where({ workflow_id: `${started.body.workflowId}:${started.body.runId}` }).first();
    expect({ logs: Number(tally.activity_logs), failed: Number(tally.failed_jobs), reports: Number(tally.reports), files: Number(tally.report_files) }).toEqual({
      logs: expected.activityLogs,
      failed: expected.failedJobs,
      reports: 2,
      files: 1,
    });
    expect(await total(system, 'failed_jobs')).toBe(keptFailedJobs);

    const remainingReports = (await system.db('reports').whereIn('id', [oldReport, freshReport, oldRunning, oldMissingFile]).pluck('id')).map(Number);
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

  it('a run started by the schedule can be looked up by the id the run list hands out', async () => {
    const api = httpClient(system.baseUrl, world.tokens.admin);
    await ensureCleanupScheduleOnStart(system.config, createLogger('silent'));
    try {
      const triggered = await api.post('/api/admin/cleanup/schedule/trigger');
      expect(triggered.status).toBe(202);
      expect(triggered.body).toMatchObject({ scheduleId: CLEANUP_SCHEDULE_ID, alreadyRunning: false });
      const listed = await waitFor(
        async () => {
          const runs = (await api.get('/api/admin/cleanup/runs')).body.runs as Array<{ workflowId: string; counts: unknown }>;
          return runs.find((run) => run.workflowId.startsWith(`${CLEANUP_SCHEDULE_ID}-`));
        },
        { what: 'the scheduled run to finish' },
      );
      // the schedule names its runs `<schedule id>-<RFC 3339 time>`, colons included
      expect(listed.workflowId).toMatch(/^cleanup-old-data-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // the run is listed once it recorded its result; the workflow closes a few milliseconds later
      const detail = await waitFor(
        async () => {
          const answer = await api.get(`/api/admin/cleanup/runs/${encodeURIComponent(listed.workflowId)}`);
          return answer.status === 200 && answer.body.status !== 'RUNNING' ? answer : undefined;
        },
        { what: 'the scheduled run to close' },
      );
      expect(detail.body).toMatchObject({ workflowId: listed.workflowId, status: 'COMPLETED', result: { dryRun: false, counts: listed.counts } });
      expect((await api.get(`/api/admin/cleanup/runs/${CLEANUP_SCHEDULE_ID}-2000-01-01T03:00:00Z`)).status).toBe(404);
    } finally {
      await system.jobs.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).delete();
    }
  });

  it('the cleanup benchmark fails when an insert beside the cleanup waited over 1 s or failed', () => {
    expect(insertVerdict({ latenciesMs: [4, 900, 12], failures: 0 })).toMatchObject({ ok: true, line: expect.stringMatching(/^PASS/) });
    expect(insertVerdict({ latenciesMs: [4, 1200, 12], failures: 0 })).toMatchObject({ ok: false, line: expect.stringMatching(/EXCEEDED/) });
    expect(insertVerdict({ latenciesMs: [4, 12], failures: 1 })).toMatchObject({ ok: false, line: expect.stringMatching(/1 insert\(s\) failed/) });
  });

  describe('settings', () => {
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
    await endRunningCleanups(system);
  });
  afterAll(async () => {
    await endRunningCleanups(system, startedHere);
    await system.jobs.client.schedule.getHandle(CLEANUP_SCHEDULE_ID).delete().catch(() => undefined);
    await system?.stop();
  });

  // runs started below stay in progress; remembered so they end even before visibility lists them
  const startedHere: string[] = [];
  async function post(path: string, body?: unknown) {
    const response = await httpClient(system.baseUrl, world.tokens.admin).post(path, body);
    if (response.body?.workflowId) startedHere.push(response.body.workflowId);
    return response;
  }
  async function runningScheduled(): Promise<string> {
    return waitFor(async () => (await system.jobs.describeCleanupSchedule())?.info.runningActions[0]?.workflow.workflowId, {
      what: 'the scheduled run to start',
    });
  }

  it('starting the worker twice leaves exactly one schedule, and a changed CLEANUP_CRON or CLEANUP_CATCHUP_MINUTES updates it', async () => {
    const logger = createLogger('silent');
    await ensureCleanupScheduleOnStart(system.config, logger);
    await ensureCleanupScheduleOnStart(system.config, logger);
    const ids: string[] = [];
    for await (const schedule of system.jobs.client.schedule.list()) ids.push(schedule.scheduleId);
    expect(ids.filter((id) => id === CLEANUP_SCHEDULE_ID)).toHaveLength(1);

    const nightly = await system.jobs.describeCleanupSchedule();
    expect(nightly!.policies.overlap).toBe('SKIP');
    expect(nightly!.policies.catchupWindow).toBe(60 * 60_000);
    expect(nightly!.info.nextActionTimes.every((time) => time.getUTCHours() === 3 && time.getUTCMinutes() === 0)).toBe(true);

    expect(await ensureCleanupScheduleOnStart(loadConfig({ ...system.env, CLEANUP_CRON: '30 5 * * *', CLEANUP_CATCHUP_MINUTES: '15' }), logger)).toBe('updated');
    const changed = await system.jobs.describeCleanupSchedule();
    expect(changed!.policies.catchupWindow).toBe(15 * 60_000);
    expect(changed!.info.nextActionTimes.every((time) => time.getUTCHours() === 5 && time.getUTCMinutes() === 30)).toBe(true);
  });

  it('an admin can pause, resume and trigger it; a trigger while a run is in progress starts nothing and says so', async () => {
    const api = httpClient(system.baseUrl, world.tokens.admin);
    expect((await api.post('/api/admin/cleanup/schedule/pause')).status).toBe(200);
    expect((await api.get('/api/admin/cleanup/schedule')).body.paused).toBe(true);
    expect((await api.post('/api/admin/cleanup/schedule/resume')).status).toBe(200);
    expect((await api.get('/api/admin/cleanup/schedule')).body.paused).toBe(false);

    const first = await api.post('/api/admin/cleanup/schedule/trigger');
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      scheduleId: CLEANUP_SCHEDULE_ID,
      action: 'trigger',
      alreadyRunning: false,
      runningWorkflowId: null,
      startedWorkflowId: expect.stringMatching(/^cleanup-old-data-/),
    });
    const running = await runningScheduled();
    expect(first.body.startedWorkflowId).toBe(running);

    const second = await api.post('/api/admin/cleanup/schedule/trigger');
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ scheduleId: CLEANUP_SCHEDULE_ID, action: 'trigger', alreadyRunning: true, runningWorkflowId: running, startedWorkflowId: null });
    const after = await system.jobs.describeCleanupSchedule();
    expect(after!.info.runningActions.map((a) => a.workflow.workflowId)).toEqual([running]);
    expect(after!.info.recentActions).toHaveLength(1);
  });

  it('"run now" while a scheduled or a manual run is in progress answers 409 naming it; a dry run, which only counts, may still start', async () => {
    await endRunningCleanups(system, startedHere);
    expect((await post('/api/admin/cleanup/schedule/trigger')).status).toBe(202);
    const scheduled = await runningScheduled();
    const refused = await post('/api/admin/cleanup/runs', { dryRun: false });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(scheduled) });

    await endRunningCleanups(system, startedHere);
    const manual = await post('/api/admin/cleanup/runs', { dryRun: false });
    expect(manual.status).toBe(202);
    const again = await post('/api/admin/cleanup/runs', { dryRun: false });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(manual.body.workflowId);
    // nor does the schedule start a second run beside a manual one
    expect((await post('/api/admin/cleanup/schedule/trigger')).body).toMatchObject({ alreadyRunning: true, runningWorkflowId: manual.body.workflowId });
    expect((await system.jobs.describeCleanupSchedule())!.info.runningActions).toEqual([]);

    const dry = await post('/api/admin/cleanup/runs', { dryRun: true });
    expect(dry.status).toBe(202);
    expect(dry.body.workflowId).not.toBe(manual.body.workflowId);
  });

  it('every cleanup and schedule endpoint answers an admin; agents and clients get 403 on every method', async () => {
    await endRunningCleanups(system, startedHere);
    expect((await post('/api/admin/cleanup/schedule/trigger')).status).toBe(202);
    const scheduled = await runningScheduled();
    const run = `/api/admin/cleanup/runs/${scheduled}`;
    const matrix = await statusMatrix(system.baseUrl, roleTokens(world), [
      { method: 'GET', path: '/api/admin/cleanup/schedule' },
      { method: 'POST', path: '/api/admin/cleanup/schedule/pause' },
      { method: 'POST', path: '/api/admin/cleanup/schedule/resume' },
      { method: 'POST', path: '/api/admin/cleanup/schedule/trigger' },
      { method: 'GET', path: '/api/admin/cleanup/runs' },
      { method: 'GET', path: run },
      { method: 'POST', path: '/api/admin/cleanup/runs', body: { dryRun: true } },
    ]);
    expectForbiddenForNonAdmins(matrix);
    expect(matrix.admin).toMatchObject({
      'GET /api/admin/cleanup/schedule': 200,
      'POST /api/admin/cleanup/schedule/pause': 200,
      'POST /api/admin/cleanup/schedule/resume': 200,
      // the scheduled run above is still in progress
      'POST /api/admin/cleanup/schedule/trigger': 200,
      'GET /api/admin/cleanup/runs': 200,
      [`GET ${run}`]: 200,
      'POST /api/admin/cleanup/runs': 202,
      'PUT /api/admin/cleanup/schedule (switched)': 405,
      'GET /api/admin/cleanup/schedule/trigger (switched)': 405,
      'DELETE /api/admin/cleanup/schedule/pause (switched)': 405,
      [`DELETE ${run} (switched)`]: 405,
      'PUT /api/admin/cleanup/runs (switched)': 405,
    });
    expect((await system.jobs.describeCleanupSchedule())!.state.paused).toBe(false);
  });

  it('the audit trail lists each cleanup action by verb, with who did it and to what', async () => {
    const api = httpClient(system.baseUrl, world.tokens.admin);
    const newestBefore = (await api.get('/api/admin/audit?limit=1')).body.entries[0]?.id ?? 0;
    await endRunningCleanups(system, startedHere);
    const real = await post('/api/admin/cleanup/runs', { dryRun: false });
    const dry = await post('/api/admin/cleanup/runs', { dryRun: true });
    expect([real.status, dry.status]).toEqual([202, 202]);
    for (const action of ['pause', 'resume', 'trigger']) expect((await post(`/api/admin/cleanup/schedule/${action}`)).status).toBeLessThan(300);

    const audit = await api.get(`/api/admin/audit?userId=${world.admin.id}&limit=50`);
    expect(audit.status).toBe(200);
    const entries = (audit.body.entries as Array<{ id: number }>).filter((entry) => entry.id > newestBefore);
    const by = { userId: world.admin.id };
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ...by, action: 'admin.cleanup_started', subjectType: 'workflow', subjectId: real.body.workflowId, properties: { dryRun: false } }),
        expect.objectContaining({ ...by, action: 'admin.cleanup_started', subjectType: 'workflow', subjectId: dry.body.workflowId, properties: { dryRun: true } }),
        expect.objectContaining({ ...by, action: 'admin.schedule_pause', subjectType: 'schedule', subjectId: CLEANUP_SCHEDULE_ID }),
        expect.objectContaining({ ...by, action: 'admin.schedule_resume', subjectType: 'schedule', subjectId: CLEANUP_SCHEDULE_ID }),
        expect.objectContaining({
          ...by,
          action: 'admin.schedule_trigger',
          subjectType: 'schedule',
          subjectId: CLEANUP_SCHEDULE_ID,
          properties: { alreadyRunning: true, runningWorkflowId: real.body.workflowId, startedWorkflowId: null },
        }),
      ]),
    );
    expect(entries).toHaveLength(5);
  });
});

describe('a cleanup run whose worker is killed', () => {
  let system: TestSystem;
  let world: World;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
    await endRunningCleanups(system);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await system?.stop();
  });

  it('completes after a restart, reports what both attempts deleted together, and nothing inside the retention window is deleted', async () => {
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
    expect(leftAfterKill).toBeLessThan(expectedOld);
    // old rows that appear after the run has counted: only a count of what was deleted includes them
    await insertActivityLogs(system, Array.from({ length: 250 }, () => 95), 'test.kill.late');
    const addedWhileDown = (await count(system, 'activity_logs', 'created_at', 90)) - leftAfterKill;
    expect(addedWhileDown).toBe(250);

    children.push(spawnWorkerProcess(TASK_QUEUES.default, workerEnv));
    const result = await system.jobs.result<CleanupResult>(started.body.workflowId);
    // the killed attempt deleted expectedOld - leftAfterKill rows, the retry the rest: the result holds both
    expect(result.counts.activityLogs).toBe(expectedOld + addedWhileDown);
    const history = (await system.jobs.history(started.body.workflowId))!;
    const retried = history.filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(await count(system, 'activity_logs', 'created_at', 90)).toBe(0);
    // everything inside the window survived (plus entries written meanwhile)
    const [fresh] = await system.db('activity_logs').where('created_at', '>=', daysAgo(90)).count<{ n: number }[]>({ n: '*' });
    expect(Number(fresh.n)).toBeGreaterThanOrEqual(freshBefore);
    const [kept] = await system.db('activity_logs').where({ action: 'test.kill.fresh' }).count<{ n: number }[]>({ n: '*' });
    expect(Number(kept.n)).toBe(500);
  }, 180_000);
});
