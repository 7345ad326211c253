import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { freePort } from '../support/ports';
import { startTestSystem, type TestSystem } from '../support/system';
import { createTicketScene, type TicketScene } from './notifications-helpers';

describe('an updated event held for coalescing while Temporal is unreachable', () => {
  let system: TestSystem;
  let world: World;
  let scene: TicketScene;

  beforeAll(async () => {
    system = await startTestSystem({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, NOTIFY_COALESCE_SECONDS: '60' } });
    world = await createWorld(system.repos, system.auth);
    scene = await createTicketScene(system.repos);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('answers 503 with Retry-After saying nothing was started, every time (never 202 for an event it could not hand over, never 500)', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const response = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'updated', actorId: world.admin.id, changes: { status: { from: 'open', to: 'pending' } } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(response.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/nothing was started/) });
    }
  }, 30_000);
});
