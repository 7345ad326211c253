import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTemporalUiGateway } from '../../src/temporal-ui/gateway-app';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

describe('the Temporal UI outside development', () => {
  let system: TestSystem;
  let world: World;
  let upstream: Server;
  let gateway: Server;
  let gatewayUrl: string;
  const seenByUpstream: string[] = [];

  beforeAll(async () => {
    // stands in for the Temporal UI server behind the gateway
    upstream = http.createServer((req, res) => {
      seenByUpstream.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><title>Temporal</title>${req.url}</html>`);
    });
    const upstreamUrl = await listen(upstream);
    system = await startTestSystem({ env: { TEMPORAL_UI_UPSTREAM: upstreamUrl, TEMPORAL_UI_SESSION_MINUTES: '5' } });
    world = await createWorld(system.repos, system.auth);
    gateway = http.createServer(createTemporalUiGateway({ auth: system.auth, upstream: system.config.temporalUi.upstream, logger: system.logger }));
    gatewayUrl = await listen(gateway);
  });
  afterAll(async () => {
    await new Promise((resolve) => gateway?.close(resolve));
    await new Promise((resolve) => upstream?.close(resolve));
    await system?.stop();
  });

  async function sessionCookieFor(token: string) {
    const response = await httpClient(system.baseUrl, token).post('/api/admin/temporal-ui/session');
    return { response, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] };
  }

  it('an admin gets an HttpOnly, SameSite=Strict cookie that opens the UI through the gateway', async () => {
    const { response, cookie } = await sessionCookieFor(world.tokens.admin);
    expect(response.status).toBe(201);
    expect(response.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(response.headers.get('set-cookie')).toMatch(/SameSite=Strict/);
    const page = await fetch(`${gatewayUrl}/namespaces/default/workflows?query=JobType%3D%27report%27`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/namespaces/default/workflows?query=JobType%3D%27report%27');
    const audit = await system.repos.activityLogs.list({ action: 'admin.temporal_ui_session', userId: world.admin.id, limit: 5 });
    expect(audit).toHaveLength(1);
  });

  it('without the cookie the gateway answers 401 and never reaches the UI', async () => {
    const before = seenByUpstream.length;
    const page = await fetch(`${gatewayUrl}/namespaces/default/workflows`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('view_horizon');
    const forged = await fetch(`${gatewayUrl}/`, { headers: { cookie: 'hd_temporal_ui=hdt_forged' } });
    expect(forged.status).toBe(401);
    expect(seenByUpstream.length).toBe(before);
  });

  it.each(['agent', 'clientA'] as const)('a %s cannot get the cookie (403), and its own token used as the cookie gets 403', async (who) => {
    const before = seenByUpstream.length;
    const { response } = await sessionCookieFor(world.tokens[who]);
    expect(response.status).toBe(403);
    expect((await httpClient(system.baseUrl, world.tokens[who]).get('/api/admin/temporal-ui/session')).status).toBe(403);
    const page = await fetch(`${gatewayUrl}/`, { headers: { cookie: `hd_temporal_ui=${world.tokens[who]}` } });
    expect(page.status).toBe(403);
    expect(seenByUpstream.length).toBe(before);
  });

  it('an expired session cookie gets 401', async () => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    await system.db('api_tokens').where({ name: 'temporal-ui' }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await fetch(`${gatewayUrl}/`, { headers: { cookie } })).status).toBe(401);
  });
});
