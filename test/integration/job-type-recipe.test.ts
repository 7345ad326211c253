import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createApp } from '../../src/api/app';
import { createAppServices } from '../../src/composition';
import { DEFAULT_RATE_LIMITS } from '../../src/api/middleware/rate-limits';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { JobsGateway } from '../../src/jobs/gateway';
import { createQueueWorker } from '../../workers/create-worker';
import { echoControl } from '../fixtures/jobs/echo/activities';
import { echoJob } from '../fixtures/jobs/echo/definition';
import { fixtureRegistry } from '../fixtures/jobs/registry';
import { createWorld, uniqueSuffix, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { readTestRunEnv } from '../support/test-env';
import { waitFor } from '../support/wait';

// A fourth job type (test/fixtures/jobs/echo) added by the recipe in CONTRIBUTING.md, touching no other file:
// its own registry (the real entries + echo) and its own bundle (the real workflows + echo).
describe('adding a job type by the recipe', () => {
  let system: TestSystem;
  let jobs: JobsGateway;
  let server: Server;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let bundlePath: string;
  let world: World;
  let admin: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    system = await startTestSystem({ api: false });
    const { config, logger } = system;
    jobs = JobsGateway.create({ address: config.temporal.address as string, namespace: config.temporal.namespace, logger, registry: fixtureRegistry });
    const app = createApp({ ...createAppServices(config, logger, { db: system.db, jobs }), rateLimits: DEFAULT_RATE_LIMITS });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/jobs/workflows'), logger: quietBundler });
    bundlePath = path.join(readTestRunEnv().tmpDir, `echo-bundle-${uniqueSuffix()}.js`);
    fs.writeFileSync(bundlePath, code);
    connection = await NativeConnection.connect({ address: config.temporal.address as string });
    worker = await createQueueWorker({
      connection,
      namespace: config.temporal.namespace,
      queue: echoJob.taskQueue,
      deps: system.activityDeps,
      concurrency: 2,
      workflows: { workflowBundle: { codePath: bundlePath } },
      registry: fixtureRegistry,
    });
    running = worker.run();
    world = await createWorld(system.repos, system.auth);
    admin = httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, world.tokens.admin);
  }, 120_000);

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await connection?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await jobs?.close();
    await system?.stop();
    echoControl.refusing = true;
  });

  it('fails a workflow task that runs past the 5 s activation limit (workflows run on the main thread), instead of hanging the worker', async () => {
    const handle = await jobs.client.workflow.start('spinWorkflow', { taskQueue: echoJob.taskQueue, workflowId: `spin-${uniqueSuffix()}`, args: [] });
    try {
      await waitFor(
        async () => {
          const { events } = await handle.fetchHistory();
          return (events ?? []).some((event) => event.workflowTaskFailedEventAttributes);
        },
        { timeoutMs: 60_000, what: 'a failed workflow task in the spinning workflow' },
      );
      // the worker still serves other work afterwards
      echoControl.refusing = false;
      const message = `after-spin-${uniqueSuffix()}`;
      const started = await jobs.start('echo', { message }, { requestedBy: world.admin.id });
      expect(await jobs.client.workflow.getHandle(started.workflowId).result()).toBe(`echo: ${message}`);
    } finally {
      echoControl.refusing = true;
      await handle.terminate('the activation-timeout test is over');
    }
  }, 120_000);

  it('starts through the gateway, fails for good, is dead-lettered, and its retry from the admin API succeeds', async () => {
    echoControl.refusing = true;
    const message = `hello-${uniqueSuffix()}`;
    const started = await jobs.start('echo', { message }, { requestedBy: world.admin.id });
    expect(started).toMatchObject({ workflowId: `echo-${message}`, started: true });

    // the whole failure chain: workflow failed ← activity failed ← the non-retryable EchoRefused
    const failure = await jobs.client.workflow.getHandle(started.workflowId).result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (failure as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect(((activityFailure as ActivityFailure).cause as ApplicationFailure).type).toBe('EchoRefused');

    const [entry] = await system.repos.failedJobs.listByWorkflowId(started.workflowId);
    expect(entry).toMatchObject({
      jobType: 'echo',
      workflowId: started.workflowId,
      runId: started.runId,
      taskQueue: TASK_QUEUES.default,
      errorType: 'EchoRefused',
      payload: { input: { message } },
      retryWorkflowId: null,
    });

    const listed = await admin.get(`/api/admin/failed-jobs/${entry.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ jobType: 'echo', retryable: true, notRetryableReason: null });

    echoControl.refusing = false;
    const retried = await admin.post(`/api/admin/failed-jobs/${entry.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.retryWorkflowId).toBe(`echo-retry-${entry.id}`);
    expect(await jobs.client.workflow.getHandle(retried.body.retryWorkflowId).result()).toBe(`echo: ${message}`);

    const after = await waitFor(async () => {
      const view = await admin.get(`/api/admin/failed-jobs/${entry.id}`);
      return view.body.retry?.status === 'succeeded' && view.body;
    });
    expect(after).toMatchObject({ retryable: false, retry: { workflowId: `echo-retry-${entry.id}`, status: 'succeeded' } });

    // the recipe's last step: both runs replay against the bundle without nondeterminism
    for (const workflowId of [started.workflowId, retried.body.retryWorkflowId as string]) {
      const history = await jobs.client.workflow.getHandle(workflowId).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, history, workflowId)).resolves.toBeUndefined();
    }
  });

  it('lists the new job type with its queue in GET /api/admin/job-types', async () => {
    const response = await admin.get('/api/admin/job-types');
    expect(response.status).toBe(200);
    expect(response.body.jobTypes.map((t: { jobType: string }) => t.jobType)).toEqual(['notification', 'report', 'cleanup', 'alert_check', 'echo']);
    expect(response.body.queues.find((q: { queue: string }) => q.queue === 'default')).toMatchObject({ jobTypes: ['cleanup', 'alert_check', 'echo'] });
  });
});

const quietBundler = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta),
  log: () => undefined,
};
