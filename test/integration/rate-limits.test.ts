import { rateLimitSettings } from '../../src/api/middleware/rate-limits';
import { loadConfig } from '../../src/config';
import { createWorld, FIXTURE_PASSWORD, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

const LOGIN_LIMIT = 10;
const LOGIN_ADDRESS_LIMIT = 30;
// long enough that 21 logins (each a password hash) fit in one window on a loaded machine, short enough to wait out
const LOGIN_WINDOW_MS = 12_000;
const JOB_LIMIT = 3;

describe('rate limits', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    system = await startTestSystem({
      rateLimits: { loginPerWindow: LOGIN_LIMIT, loginWindowMs: LOGIN_WINDOW_MS, jobStartsPerWindow: JOB_LIMIT, jobStartsWindowMs: 60_000 },
    });
    world = await createWorld(system.repos, system.auth);
  });
  // the cleanup runs started below have no worker here: end them, so no later test finds a cleanup in progress
  const started: string[] = [];
  afterAll(async () => {
    for (const workflowId of started) await system.jobs.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    await system?.stop();
  });
  async function startDryRun(token: string) {
    const response = await httpClient(system.baseUrl, token).post('/api/admin/cleanup/runs', { dryRun: true });
    if (response.body?.workflowId) started.push(response.body.workflowId);
    return response.status;
  }

  it('the limits come from RATE_LIMIT_* settings', () => {
    const config = loadConfig({
      RATE_LIMIT_LOGIN_MAX: '7',
      RATE_LIMIT_LOGIN_IP_MAX: '70',
      RATE_LIMIT_LOGIN_WINDOW_SECONDS: '120',
      RATE_LIMIT_JOBS_MAX: '30',
      RATE_LIMIT_JOBS_WINDOW_SECONDS: '10',
    });
    expect(rateLimitSettings(config)).toEqual({
      loginPerWindow: 7,
      loginPerAddressPerWindow: 70,
      loginWindowMs: 120_000,
      jobStartsPerWindow: 30,
      jobStartsWindowMs: 10_000,
    });
    expect(rateLimitSettings(loadConfig({}))).toEqual({
      loginPerWindow: 10,
      loginPerAddressPerWindow: 100,
      loginWindowMs: 900_000,
      jobStartsPerWindow: 120,
      jobStartsWindowMs: 60_000,
    });
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_MAX: '0' })).toThrow(/RATE_LIMIT_LOGIN_MAX/);
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_IP_MAX: 'many' })).toThrow(/RATE_LIMIT_LOGIN_IP_MAX/);
  });

  it('20 quick wrong logins get 429 with Retry-After after the limit; the right password works again after the window', async () => {
    const api = httpClient(system.baseUrl);
    const email = world.agent.email;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 20; i++) {
      const response = await api.post('/api/auth/login', { email, password: `wrong-${i}` });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(response.body.error.code).toBe('too_many_requests');
      }
    }
    expect(statuses).toEqual([...Array(LOGIN_LIMIT).fill(401), ...Array(20 - LOGIN_LIMIT).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(LOGIN_WINDOW_MS / 1000);

    // inside the window even the right password is refused; another e-mail from the same address is not
    expect((await api.post('/api/auth/login', { email, password: FIXTURE_PASSWORD })).status).toBe(429);
    expect((await api.post('/api/auth/login', { email: world.clientA.email, password: FIXTURE_PASSWORD })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Number(retryAfter) * 1000 + 200));
    const login = await api.post('/api/auth/login', { email, password: FIXTURE_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.token).toMatch(/^hdt_/);
  });

  it('one address trying many e-mails gets 429 after the per-address limit; another address still signs in', async () => {
    // its own API with a long window, so the count never straddles a window boundary however slow the machine;
    // behind a trusted proxy on loopback, so the test can speak for other addresses through X-Forwarded-For
    const addressLimited = await startTestSystem({
      env: { TRUST_PROXY: '127.0.0.1' },
      rateLimits: { loginPerAddressPerWindow: LOGIN_ADDRESS_LIMIT, loginWindowMs: 10 * 60_000 },
    });
    try {
      await expectAddressLimit(httpClient(addressLimited.baseUrl));
    } finally {
      await addressLimited.stop();
    }
  });

  async function expectAddressLimit(api: ReturnType<typeof httpClient>): Promise<void> {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const statuses = await Promise.all(
      Array.from({ length: LOGIN_ADDRESS_LIMIT + 3 }, async (_, i) =>
        (await api.post('/api/auth/login', { email: `nobody-${i}@example.test`, password: 'guess' }, from('203.0.113.7'))).status,
      ),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(LOGIN_ADDRESS_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    // each e-mail was tried once only: the per-account budget alone would have let every attempt through
    const refused = await api.post('/api/auth/login', { email: world.agent.email, password: FIXTURE_PASSWORD }, from('203.0.113.7'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api.post('/api/auth/login', { email: world.agent.email, password: FIXTURE_PASSWORD }, from('198.51.100.2'))).status).toBe(200);
  }

  it('TRUST_PROXY is unset by default (no proxy trusted) and accepts a hop count or addresses, CIDRs and range names', () => {
    expect(loadConfig({}).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).api.trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const bad of ['true', 'everyone', '10.0.0.0/33', '300.1.1.1', '127.0.0.1,,10.0.0.1', '-1', '1.5', '10.0.0.1/8/2', '::1/129']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/^Invalid configuration: TRUST_PROXY /);
    }
  });

  it('by default X-Forwarded-For is not believed: rotating it does not escape the login limit', async () => {
    // no TRUST_PROXY: the default; a long window so the count never straddles a window boundary
    const direct = await startTestSystem({ rateLimits: { loginPerWindow: LOGIN_LIMIT, loginWindowMs: 10 * 60_000 } });
    try {
      const api = httpClient(direct.baseUrl);
      const email = world.clientB.email;
      const statuses: number[] = [];
      for (let i = 0; i < LOGIN_LIMIT + 3; i++) {
        const response = await api.post('/api/auth/login', { email, password: `wrong-${i}` }, { 'x-forwarded-for': `198.51.100.${i + 1}` });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([...Array(LOGIN_LIMIT).fill(401), 429, 429, 429]);
      const spoofed = await api.post('/api/auth/login', { email, password: FIXTURE_PASSWORD }, { 'x-forwarded-for': '203.0.113.250' });
      expect(spoofed.status).toBe(429);
    } finally {
      await direct.stop();
    }
  });

  it('with TRUST_PROXY naming the proxy, the forwarded client address is the one limited', async () => {
    const behindProxy = await startTestSystem({
      env: { TRUST_PROXY: 'loopback' },
      rateLimits: { loginPerWindow: LOGIN_LIMIT, loginWindowMs: 10 * 60_000 },
    });
    try {
      const api = httpClient(behindProxy.baseUrl);
      const email = world.clientB.email;
      const from = (address: string) => ({ 'x-forwarded-for': `${address}, 127.0.0.1` });
      const statuses: number[] = [];
      for (let i = 0; i < LOGIN_LIMIT + 2; i++) statuses.push((await api.post('/api/auth/login', { email, password: `wrong-${i}` }, from('203.0.113.9'))).status);
      expect(statuses).toEqual([...Array(LOGIN_LIMIT).fill(401), 429, 429]);
      // another client behind the same proxy has its own budget
      expect((await api.post('/api/auth/login', { email, password: FIXTURE_PASSWORD }, from('198.51.100.77'))).status).toBe(200);
      expect((await api.post('/api/auth/login', { email, password: FIXTURE_PASSWORD }, from('203.0.113.9'))).status).toBe(429);
    } finally {
      await behindProxy.stop();
    }
  });

  it('job-starting endpoints are limited per token: 429 with Retry-After after the limit, other tokens unaffected', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    const statuses: number[] = [];
    for (let i = 0; i < JOB_LIMIT + 2; i++) statuses.push(await startDryRun(world.tokens.admin));
    expect(statuses).toEqual([...Array(JOB_LIMIT).fill(202), 429, 429]);
    const limited = await admin.post('/api/admin/failed-jobs/retry', { jobType: 'notification' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const otherAdmin = (await system.auth.createPersonalToken(world.admin.email, 'second', 1)).token;
    expect(await startDryRun(otherAdmin)).toBe(202);
  });
});
