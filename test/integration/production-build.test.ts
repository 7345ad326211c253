import os from 'node:os';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { buildForProduction, runCompiled, runCompiledApi, runCompiledWorker, type CompiledProcess } from '../support/compiled';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

jest.setTimeout(240_000);

/** The processes a deployment runs: `npm run build`, then plain `node dist/...js` with NODE_ENV=production. */
describe('the production build', () => {
  let system: TestSystem;
  let world: World;
  const processes: CompiledProcess[] = [];

  beforeAll(async () => {
    await buildForProduction();
    system = await startTestSystem({ api: false });
    world = await createWorld(system.repos, system.auth);
  }, 300_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await system?.stop();
  });

  const env = () => ({ ...system.env, LOG_LEVEL: 'warn' });

  it('migrate, the API and the workers start from dist/ and serve a report end to end; a worker killed with SIGKILL leaves the overview within seconds', async () => {
    const migrate = runCompiled('src/cli/migrate.js', env());
    expect(await migrate.exited).toBe(0);

    const api = await runCompiledApi(env());
    processes.push(api);
    const reportsA = await runCompiledWorker(TASK_QUEUES.reports, env());
    const reportsB = await runCompiledWorker(TASK_QUEUES.reports, env());
    processes.push(reportsA, reportsB);
    for (const worker of [reportsA, reportsB]) {
      const health = await fetch(worker.healthUrl);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', queue: 'reports', state: 'polling', identity: `${worker.pid}@${os.hostname()}` });
    }

    const admin = httpClient(api.baseUrl, world.tokens.admin);
    const requested = await admin.post('/api/reports', { format: 'csv' });
    expect(requested.status).toBe(202);
    await waitFor(async () => (await admin.get(`/api/reports/${requested.body.id}`)).body.status === 'ready', { timeoutMs: 60_000, what: 'the report' });
    const download = await admin.get(`/api/reports/${requested.body.id}/download`);
    expect(download.status).toBe(200);
    expect(download.text.split('\r\n')[0]).toMatch(/^id,/i);

    const identities = () => admin.get('/api/admin/overview').then((r) => (r.body.queues as Array<{ queue: string; workers: string[] }>).find((q) => q.queue === 'reports')!.workers);
    const a = `${reportsA.pid}@${os.hostname()}`;
    const b = `${reportsB.pid}@${os.hostname()}`;
    await waitFor(async () => {
      const listed = await identities();
      return listed.includes(a) && listed.includes(b);
    }, { what: 'both report workers in the overview' });

    await reportsA.kill9();
    await waitFor(async () => !(await identities()).includes(a), { timeoutMs: 20_000, what: 'the killed worker to leave the overview' });
    // Temporal itself still lists the dead process's poller: the overview knows better from the heartbeats
    const pollers = await system.jobs.describeTaskQueue('reports');
    expect([...pollers.workflow.pollers, ...pollers.activity.pollers].map((p) => p.identity)).toContain(a);
    expect(await identities()).toContain(b);

    // a graceful stop is gone from the overview at once
    await reportsB.stop();
    expect(await identities()).not.toContain(b);
  });
});
