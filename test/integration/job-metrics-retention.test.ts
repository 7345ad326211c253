import { WORKFLOW_TYPES, type CleanupResult } from '../../src/jobs/contract';
import { BUCKET_COUNT } from '../../src/observability/metrics/histogram';
import { createJobMetricsStore } from '../../src/observability/metrics/store';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe('per-minute job metrics retention (RETENTION_METRICS_DAYS) in the nightly cleanup', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    system = await startTestSystem({ queues: ['default'], env: { RETENTION_METRICS_DAYS: '3', CLEANUP_BATCH_SIZE: '7' } });
    world = await createWorld(system.repos, system.auth);
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('a real run deletes the metric rows older than RETENTION_METRICS_DAYS, in batches, and keeps the younger ones; a dry run deletes none', async () => {
    // a real run never starts beside another one in this shared namespace
    for await (const execution of system.jobs.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.cleanupOldData}' AND ExecutionStatus = 'Running'` })) {
      await system.jobs.client.workflow.getHandle(execution.workflowId).terminate('test over');
    }
    const store = createJobMetricsStore(system.db);
    const minuteAt = (ms: number) => new Date(Math.floor(ms / MINUTE) * MINUTE);
    const row = (minute: Date, step: string) => ({
      minute,
      queue: 'notifications',
      jobType: 'notification',
      step,
      outcome: 'completed' as const,
      attempt: 1,
      count: 1,
      durationMsSum: 5,
      durationMsMax: 5,
      waitMsSum: 1,
      waitMsMax: 1,
      durationBuckets: Array.from({ length: BUCKET_COUNT }, (_, i) => (i === 0 ? 1 : 0)),
      waitBuckets: Array.from({ length: BUCKET_COUNT }, (_, i) => (i === 0 ? 1 : 0)),
    });
    const old = Array.from({ length: 20 }, (_, i) => row(minuteAt(Date.now() - 3 * DAY - (i + 1) * MINUTE), 'old'));
    const young = Array.from({ length: 5 }, (_, i) => row(minuteAt(Date.now() - 3 * DAY + (i + 10) * MINUTE), 'young'));
    await store.add([...old, ...young]);
    // only this test's rows (steps 'old' and 'young'): workers of other files in this database record real steps
    const steps = async () =>
      (await store.rows({ since: new Date(Date.now() - 10 * DAY), jobType: 'notification' }))
        .map((r) => r.step)
        .filter((step) => step === 'old' || step === 'young')
        .sort();

    const api = httpClient(system.baseUrl, world.tokens.admin);
    const dry = await api.post('/api/admin/cleanup/runs', { dryRun: true });
    expect(dry.status).toBe(202);
    await system.jobs.result<CleanupResult>(dry.body.workflowId);
    expect(await steps()).toEqual([...Array(20).fill('old'), ...Array(5).fill('young')]);

    const real = await api.post('/api/admin/cleanup/runs', { dryRun: false });
    expect(real.status).toBe(202);
    await system.jobs.result<CleanupResult>(real.body.workflowId);
    expect(await steps()).toEqual(Array(5).fill('young'));
  }, 90_000);
});
