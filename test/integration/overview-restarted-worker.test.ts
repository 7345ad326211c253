import type { ChildProcess } from 'node:child_process';
import { pollersSinceRestart } from '../../src/admin/overview-service';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { spawnWorkerProcess, startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

describe('the overview after a graceful restart', () => {
  let system: TestSystem;
  let world: World;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    // no in-process worker: the reports worker is its own OS process, as in production
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await system?.repos.queueControls.setPaused(TASK_QUEUES.reports, false, null);
    await system?.stop();
  });

  it('a worker that exited after a graceful restart leaves the overview at once', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    const reportsWorkers = async () =>
      ((await admin.get('/api/admin/overview')).body.queues as Array<{ queue: string; workers: string[] }>).find((q) => q.queue === TASK_QUEUES.reports)?.workers ?? [];
    const before = await reportsWorkers();
    worker = spawnWorkerProcess(TASK_QUEUES.reports, system.env);
    const exited = new Promise<number | null>((resolve) => worker?.once('exit', (code) => resolve(code)));
    const listed = await waitFor(async () => {
      const now = await reportsWorkers();
      return now.find((identity) => !before.includes(identity));
    }, { timeoutMs: 60_000, what: 'the spawned worker in the overview' });
    // its poll is in an earlier second than the restart request
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect((await admin.post('/api/admin/queues/reports/restart')).status).toBe(202);
    await exited;
    expect(await reportsWorkers()).not.toContain(listed);
  }, 120_000);

  it('keeps pollers seen after the restart request, and every poller when there was none', () => {
    const at = new Date('2026-01-01T10:00:00.500Z');
    const pollers = [
      { identity: 'old', lastAccessTime: new Date('2026-01-01T09:59:30Z') },
      { identity: 'same-second', lastAccessTime: new Date('2026-01-01T10:00:00Z') },
      { identity: 'new', lastAccessTime: new Date('2026-01-01T10:00:05Z') },
      { identity: 'unknown', lastAccessTime: null },
    ];
    expect(pollersSinceRestart(pollers, at).map((p) => p.identity)).toEqual(['same-second', 'new', 'unknown']);
    expect(pollersSinceRestart(pollers, null)).toHaveLength(4);
  });
});
