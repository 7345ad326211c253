import { livePollers } from '../../src/admin/overview-service';
import { createWorkerHeartbeatsRepository } from '../../src/db/repositories/worker-heartbeats';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { createQueueWorker } from '../../workers/create-worker';
import { runControlledWorker, type ControlledWorker } from '../../workers/queue-control';
import { joinFleet } from '../../workers/worker-fleet';
import { NativeConnection } from '@temporalio/worker';
import { freePort } from '../support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

describe('the overview\'s live workers', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('lists a poller while its process heartbeats, drops it once stopped or silent for 10 s, though Temporal still lists it', () => {
    const pollers = ['1@a', '2@a', '3@b', '4@b'].map((identity) => ({ identity, lastAccessTime: ago(1000) }));
    const heartbeats = [
      { identity: '1@a', state: 'polling', seenAt: ago(2000) },
      { identity: '2@a', state: 'stopped', seenAt: ago(500) },
      { identity: '3@b', state: 'polling', seenAt: ago(11_000) },
    ];
    // 4@b has no heartbeat (a worker of an older release): Temporal's last poll time decides
    expect(livePollers(pollers, heartbeats, now)).toEqual(['1@a', '4@b']);
    expect(livePollers([{ identity: '4@b', lastAccessTime: ago(80_000) }], [], now)).toEqual([]);
  });

  it('lists a paused process, which polls nothing but will again on resume', () => {
    expect(livePollers([], [{ identity: '9@c', state: 'paused', seenAt: ago(1000) }], now)).toEqual(['9@c']);
  });
});

describe('several worker processes of one queue', () => {
  let system: TestSystem;
  const connections: NativeConnection[] = [];
  const fleet: ControlledWorker[] = [];

  beforeAll(async () => {
    system = await startTestSystem({ api: false });
  });
  afterAll(async () => {
    await Promise.all(fleet.map((worker) => worker.stop()));
    await Promise.all(connections.map((connection) => connection.close()));
    await system?.stop();
  });

  /** One process of the fleet: its own connection, as each process has. */
  async function member(): Promise<ControlledWorker> {
    const connection = await NativeConnection.connect({ address: system.config.temporal.address as string });
    connections.push(connection);
    const worker = runControlledWorker({
      queue: TASK_QUEUES.reports,
      controls: system.repos.queueControls,
      logger: system.logger,
      pollMs: 200,
      createWorker: () =>
        createQueueWorker({
          connection,
          namespace: system.config.temporal.namespace,
          queue: TASK_QUEUES.reports,
          deps: system.activityDeps,
          concurrency: 1,
          workflows: { workflowBundle: { codePath: system.config.temporal.workflowBundlePath as string } },
        }),
    });
    fleet.push(worker);
    return worker;
  }

  it('a pause drains every process of the queue, a resume starts them all again, and a graceful restart ends them all', async () => {
    await system.repos.queueControls.setPaused(TASK_QUEUES.reports, false, null);
    const [a, b] = [await member(), await member()];
    await waitFor(async () => a.state() === 'polling' && b.state() === 'polling', { what: 'both polling' });

    await system.repos.queueControls.setPaused(TASK_QUEUES.reports, true, null);
    await waitFor(async () => a.state() === 'paused' && b.state() === 'paused', { what: 'both paused' });
    await system.repos.queueControls.setPaused(TASK_QUEUES.reports, false, null);
    await waitFor(async () => a.state() === 'polling' && b.state() === 'polling', { what: 'both polling again' });

    await system.repos.queueControls.requestRestart(TASK_QUEUES.reports, null);
    expect(await Promise.all([a.done, b.done])).toEqual(['restart', 'restart']);
  });

  it('each process heartbeats under its identity and serves /health: 200 polling or paused, 503 while starting; a stop marks it stopped', async () => {
    const port = await freePort();
    let state: 'polling' | 'paused' | 'starting' = 'starting';
    const membership = await joinFleet({ db: system.db, queue: TASK_QUEUES.reports, state: () => state, logger: system.logger, healthPort: port, identity: 'fleet-test@host' });
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      return { status: response.status, body: await response.json() };
    };
    expect(await health()).toMatchObject({ status: 503, body: { state: 'starting' } });
    state = 'polling';
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', identity: 'fleet-test@host', state: 'polling' } });
    state = 'paused';
    expect((await health()).status).toBe(200);
    const heartbeats = createWorkerHeartbeatsRepository(system.db);
    expect((await heartbeats.list(TASK_QUEUES.reports)).find((h) => h.identity === 'fleet-test@host')).toMatchObject({ state: 'starting' });

    await membership.stop();
    expect((await heartbeats.list(TASK_QUEUES.reports)).find((h) => h.identity === 'fleet-test@host')).toMatchObject({ state: 'stopped' });
  });
});
