import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { createWorld, type World } from '../support/fixtures';
import { httpClient, type HttpResponse } from '../support/http';
import { freePort } from '../support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { workerNamespace } from '../support/test-env';
import { waitFor } from '../support/wait';
import { createTicketScene, type TicketScene } from './notifications-helpers';

/** The promise is 2 s; the margin covers a loaded CI machine, not a slower design. */
const ANSWER_WITHIN_MS = 3_000;

async function timed(request: () => Promise<HttpResponse>): Promise<{ response: HttpResponse; ms: number }> {
  const started = Date.now();
  const response = await request();
  return { response, ms: Date.now() - started };
}

function expectPromptServiceUnavailable({ response, ms }: { response: HttpResponse; ms: number }, what: string): void {
  expect({ what, status: response.status }).toEqual({ what, status: 503 });
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(response.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/nothing was started/) });
  expect({ what, answeredWithinBound: ms < ANSWER_WITHIN_MS }).toEqual({ what, answeredWithinBound: true });
}

describe('job requests while Temporal is unreachable', () => {
  let system: TestSystem;
  let world: World;
  let scene: TicketScene;

  beforeAll(async () => {
    system = await startTestSystem({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
    world = await createWorld(system.repos, system.auth);
    scene = await createTicketScene(system.repos);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('a cleanup run and a ticket event each answer 503 with Retry-After within 2 s (plus margin), every time', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    for (let attempt = 1; attempt <= 2; attempt++) {
      expectPromptServiceUnavailable(await timed(() => admin.post('/api/admin/cleanup/runs', { dryRun: true })), `cleanup run #${attempt}`);
      expectPromptServiceUnavailable(
        await timed(() => admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: world.admin.id })),
        `ticket event #${attempt}`,
      );
    }
    const ready = await timed(() => httpClient(system.baseUrl).get('/ready'));
    expect(ready.response.status).toBe(503);
    expect(ready.response.body.checks.temporal).toBe('down');
    expect(ready.ms).toBeLessThan(ANSWER_WITHIN_MS);
  });
});

describe('job requests when a Temporal server that was up dies, then comes back on its port', () => {
  let system: TestSystem;
  let world: World;
  let server: RunningDevServer | undefined;
  let port: number;
  const cli = resolveTemporalCli({ log: () => undefined });
  const startServer = () => startDevServer({ cli, port, namespaces: [workerNamespace()] });

  beforeAll(async () => {
    port = await freePort();
    server = await startServer();
    system = await startTestSystem({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
    world = await createWorld(system.repos, system.auth);
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
    await server?.stop();
  });

  it('answers 202, then 503 with Retry-After within 2 s (plus margin) while it is down, then 202 again on its own', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    const run = () => admin.post('/api/admin/cleanup/runs', { dryRun: true });
    expect((await run()).status).toBe(202);

    await server?.stop();
    server = undefined;
    expectPromptServiceUnavailable(await timed(run), 'cleanup run, first after the server died');
    expectPromptServiceUnavailable(await timed(run), 'cleanup run, second');

    server = await startServer();
    const again = await waitFor(
      async () => {
        const response = await run();
        return response.status === 202 ? response : undefined;
      },
      { timeoutMs: 30_000, what: 'a job request to be accepted again' },
    );
    expect(again.body.workflowId).toMatch(/^cleanup-manual-/);
  }, 120_000);
});
