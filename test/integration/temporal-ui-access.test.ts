import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTemporalUiGateway } from '../../src/temporal-ui/gateway-app';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** A WebSocket handshake; resolves with the status the gateway answered (101 if it switched protocols). */
function upgradeRequest(url: string, cookie?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        ...(cookie ? { cookie } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the Temporal UI outside development', () => {
  let system: TestSystem;
  let world: World;
  let upstream: Server;
  let gateway: Server;
  let gatewayUrl: string;
  const seenByUpstream: string[] = [];
  const methodsSeenByUpstream: string[] = [];
  const upgradesSeenByUpstream: string[] = [];

  beforeAll(async () => {
    // stands in for the Temporal UI server behind the gateway
    upstream = http.createServer((req, res) => {
      seenByUpstream.push(req.url ?? '');
      methodsSeenByUpstream.push(req.method ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><title>Temporal</title>${req.url}</html>`);
    });
    upstream.on('upgrade', (req, socket) => {
      upgradesSeenByUpstream.push(req.url ?? '');
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    });
    const upstreamUrl = await listen(upstream);
    system = await startTestSystem({ env: { TEMPORAL_UI_UPSTREAM: upstreamUrl, TEMPORAL_UI_SESSION_MINUTES: '5' } });
    world = await createWorld(system.repos, system.auth);
    gateway = http.createServer(createTemporalUiGateway({ auth: system.auth, upstream: system.config.temporalUi.upstream, logger: system.logger, trustProxy: system.config.api.trustProxy }));
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
    const audit = await httpClient(system.baseUrl, world.tokens.admin).get(`/api/admin/audit?action=admin.temporal_ui_session&userId=${world.admin.id}`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({ userId: world.admin.id, action: 'admin.temporal_ui_session' });
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

  it.each(['agent', 'clientA'] as const)('a gateway session of the %s, who lacks view_horizon, gets 403', async (who) => {
    // e.g. a session issued before the user lost the permission
    const { token } = await system.auth.issueTemporalUiSession(world[who].id, 5);
    const before = seenByUpstream.length;
    const page = await fetch(`${gatewayUrl}/`, { headers: { cookie: `hd_temporal_ui=${token}` } });
    expect(page.status).toBe(403);
    expect(seenByUpstream.length).toBe(before);
  });

  it.each(['admin', 'agent', 'clientA'] as const)('the API token of the %s used as the gateway cookie gets 401 and never reaches the UI', async (who) => {
    const before = seenByUpstream.length;
    const page = await fetch(`${gatewayUrl}/namespaces/default/workflows`, { headers: { cookie: `hd_temporal_ui=${world.tokens[who]}` } });
    expect(page.status).toBe(401);
    expect(seenByUpstream.length).toBe(before);
  });

  it('the gateway session cookie is no API bearer token: every API route answers 401 to it', async () => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    const token = cookie.replace(/^hd_temporal_ui=/, '');
    expect((await fetch(`${gatewayUrl}/`, { headers: { cookie } })).status).toBe(200);
    const withSession = httpClient(system.baseUrl, token);
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['GET', '/api/admin/overview'],
      ['GET', '/api/admin/failed-jobs'],
      ['POST', '/api/admin/cleanup/runs'],
      ['POST', '/api/admin/temporal-ui/session'],
      ['POST', '/api/auth/logout'],
    ] as const) {
      const response = await withSession.request(method, path, method === 'POST' ? { dryRun: true } : undefined);
      expect({ method, path, status: response.status, code: response.body?.error?.code }).toEqual({ method, path, status: 401, code: 'unauthorized' });
    }
    // and the refused logout did not end the gateway session
    expect((await fetch(`${gatewayUrl}/`, { headers: { cookie } })).status).toBe(200);
  });

  it("the gateway's own 401, 403 and 405 answers carry the API's security headers", async () => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    const { token: agentSession } = await system.auth.issueTemporalUiSession(world.agent.id, 5);
    const answers = [
      await fetch(`${gatewayUrl}/`),
      await fetch(`${gatewayUrl}/`, { headers: { cookie: 'hd_temporal_ui=hdt_forged' } }),
      await fetch(`${gatewayUrl}/`, { headers: { cookie: `hd_temporal_ui=${agentSession}` } }),
      await fetch(`${gatewayUrl}/api/v1/namespaces`, { method: 'POST', headers: { cookie } }),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 403, 405]);
    for (const answer of answers) {
      expect(answer.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('HEAD goes through the gateway to the UI for a view_horizon holder, and is refused without the cookie', async () => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    const before = methodsSeenByUpstream.length;
    const head = await fetch(`${gatewayUrl}/namespaces/default/workflows`, { method: 'HEAD', headers: { cookie } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/text\/html/);
    expect(methodsSeenByUpstream.slice(before)).toEqual(['HEAD']);
    expect((await fetch(`${gatewayUrl}/namespaces/default/workflows`, { method: 'HEAD' })).status).toBe(401);
    expect(methodsSeenByUpstream.length).toBe(before + 1);
  });

  it.each([
    ['admin', 'POST', 201],
    ['admin', 'GET', 405],
    ['admin', 'PUT', 405],
    ['admin', 'DELETE', 405],
    ['agent', 'POST', 403],
    ['agent', 'GET', 403],
    ['agent', 'PUT', 403],
    ['agent', 'DELETE', 403],
    ['clientA', 'POST', 403],
    ['clientA', 'GET', 403],
    ['clientA', 'PUT', 403],
    ['clientA', 'DELETE', 403],
  ] as const)('the session endpoint answers %s %s with %i, and only the POST of a view_horizon holder sets the cookie', async (who, method, status) => {
    const auditBefore = await system.repos.activityLogs.list({ action: 'admin.temporal_ui_session', limit: 100 });
    const response = await httpClient(system.baseUrl, world.tokens[who]).request(method, '/api/admin/temporal-ui/session', method === 'GET' || method === 'DELETE' ? undefined : {});
    expect(response.status).toBe(status);
    const auditAfter = await system.repos.activityLogs.list({ action: 'admin.temporal_ui_session', limit: 100 });
    if (status === 201) {
      expect(response.headers.get('set-cookie')).toMatch(/^hd_temporal_ui=hdt_/);
      expect(response.body).toEqual({ url: system.config.temporal.uiUrl, expiresAt: expect.any(String) });
      expect(auditAfter).toHaveLength(auditBefore.length + 1);
    } else {
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(auditAfter).toHaveLength(auditBefore.length);
    }
  });

  it('a WebSocket upgrade without a view_horizon cookie is refused and never reaches the UI, even after a signed-in request', async () => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    expect((await fetch(`${gatewayUrl}/namespaces/default/workflows`, { headers: { cookie } })).status).toBe(200);
    const before = seenByUpstream.length;
    expect(await upgradeRequest(`${gatewayUrl}/namespaces/default/workflows`)).toBe(401);
    expect(await upgradeRequest(`${gatewayUrl}/api/v1/namespaces`, 'hd_temporal_ui=hdt_forged')).toBe(401);
    expect(await upgradeRequest(`${gatewayUrl}/api/v1/namespaces`, `hd_temporal_ui=${world.tokens.agent}`)).toBe(401);
    const { token: agentSession } = await system.auth.issueTemporalUiSession(world.agent.id, 5);
    expect(await upgradeRequest(`${gatewayUrl}/api/v1/namespaces`, `hd_temporal_ui=${agentSession}`)).toBe(403);
    expect(seenByUpstream.length).toBe(before);
    expect(upgradesSeenByUpstream).toEqual([]);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('even an admin cannot %s through the gateway: terminate, reset and signal stay with the audited API', async (method) => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    const before = seenByUpstream.length;
    const response = await fetch(`${gatewayUrl}/api/v1/namespaces/default/workflows/report-1/terminate`, { method, headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(seenByUpstream.length).toBe(before);
  });

  it('an expired session cookie gets 401', async () => {
    const { cookie } = await sessionCookieFor(world.tokens.admin);
    await system.db('api_tokens').where({ name: 'temporal-ui' }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await fetch(`${gatewayUrl}/`, { headers: { cookie } })).status).toBe(401);
  });
});
