import net from 'node:net';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { createWorld, FIXTURE_PASSWORD, type World } from '../support/fixtures';
import { spawnApiProcess, type ApiProcess } from '../support/api-process';
import { httpClient, type HttpResponse } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { readTestRunEnv } from '../support/test-env';
import { waitFor } from '../support/wait';
import { createTicketScene, type TicketScene } from './notifications-helpers';

const onMysql = Boolean(readTestRunEnv().mysqlBaseUrl);

/** A TCP proxy in front of the database that can be cut (listener closed, every socket destroyed) and brought back on its port. */
class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function expectServiceUnavailable(response: HttpResponse, what: string): void {
  expect({ what, status: response.status }).toEqual({ what, status: 503 });
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(response.body).toEqual({ error: { code: 'service_unavailable', message: expect.stringMatching(/database/), details: null } });
}

/** The world's users and a ticket, and the four requests every outage test makes against the API under test. */
async function scene(system: TestSystem) {
  const world: World = await createWorld(system.repos, system.auth);
  const tickets: TicketScene = await createTicketScene(system.repos);
  const started: string[] = [];
  return {
    world,
    started,
    requests: (baseUrl: string) => ({
      login: () => httpClient(baseUrl).post('/api/auth/login', { email: world.agent.email, password: FIXTURE_PASSWORD }),
      me: () => httpClient(baseUrl, world.tokens.agent).get('/api/me'),
      ticketEvent: async () => {
        const response = await httpClient(baseUrl, world.tokens.admin).post(`/api/tickets/${tickets.ticket.id}/events`, {
          type: 'closed',
          actorId: world.admin.id,
        });
        if (response.body?.workflowId) started.push(response.body.workflowId);
        return response;
      },
      report: async () => {
        const response = await httpClient(baseUrl, world.tokens.admin).post('/api/reports', { format: 'csv', filters: {} });
        if (response.body?.workflowId) started.push(response.body.workflowId);
        return response;
      },
      ready: () => httpClient(baseUrl).get('/ready'),
    }),
  };
}

/** Nothing polls these queues here: end the workflows the requests started so later tests never meet them. */
async function terminateStarted(system: TestSystem, workflowIds: string[]): Promise<void> {
  await Promise.allSettled(workflowIds.map((id) => system.jobs.client.workflow.getHandle(id).terminate('test over')));
}

if (onMysql) {
  describe('MariaDB unreachable or locked, seen by the API process', () => {
    let system: TestSystem;
    let proxy: TcpProxy;
    let api: ApiProcess;
    let setup: Awaited<ReturnType<typeof scene>>;

    beforeAll(async () => {
      system = await startTestSystem({ api: false });
      setup = await scene(system);
      const url = new URL(system.env.DATABASE_URL);
      proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 3306) });
      await proxy.start();
      url.host = `127.0.0.1:${proxy.port}`;
      api = await spawnApiProcess({ ...system.env, DATABASE_URL: url.toString() });
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
      await proxy?.stop();
      if (system) await terminateStarted(system, setup.started);
      await system?.stop();
    });

    it('with the database cut off, login, /api/me, ticket events and report requests answer 503 with Retry-After, /ready 503; all work again once it is back', async () => {
      const call = setup.requests(api.baseUrl);
      expect((await call.login()).status).toBe(200);
      expect((await call.me()).status).toBe(200);

      await proxy.stop();
      expectServiceUnavailable(await call.login(), 'login');
      expectServiceUnavailable(await call.me(), '/api/me');
      expectServiceUnavailable(await call.ticketEvent(), 'ticket event');
      expectServiceUnavailable(await call.report(), 'report request');
      const ready = await call.ready();
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toBe('down');

      await proxy.start();
      expect((await call.login()).status).toBe(200);
      expect((await call.me()).status).toBe(200);
      expect((await call.ticketEvent()).status).toBe(202);
      expect((await call.report()).status).toBe(202);
      expect((await call.ready()).status).toBe(200);
    }, 60_000);

    it('while another connection holds LOCK TABLES users WRITE, /api/me and /ready answer 503 before the lock is released, and 200 after', async () => {
      const call = setup.requests(api.baseUrl);
      const locker = await mysql.createConnection(system.env.DATABASE_URL);
      let locked = false;
      let autoUnlock: NodeJS.Timeout | undefined;
      const unlock = async () => {
        clearTimeout(autoUnlock);
        if (!locked) return;
        locked = false;
        await locker.query('UNLOCK TABLES');
      };
      try {
        await locker.query('LOCK TABLES users WRITE');
        locked = true;
        // the lock ends on its own after 20 s, so a request that waits for it answers after that, and fails below
        autoUnlock = setTimeout(() => void unlock(), 20_000);

        const me = await call.me();
        const answeredWhileLocked = locked;
        expectServiceUnavailable(me, '/api/me');
        expect(answeredWhileLocked).toBe(true);

        const ready = await call.ready();
        expect({ status: ready.status, answeredWhileLocked: locked }).toEqual({ status: 503, answeredWhileLocked: true });
        expect(ready.body.checks.database).toBe('down');
      } finally {
        await unlock();
        await locker.end();
      }
      expect((await call.me()).status).toBe(200);
      await waitFor(async () => (await call.ready()).status === 200, { timeoutMs: 15_000, what: '/ready to answer 200 again' });
    }, 60_000);

    it('when requests waiting on a lock hold every pooled connection, the next one answers 503 after DB_ACQUIRE_TIMEOUT_MS instead of queueing', async () => {
      // statements may wait 30 s here, so only the pool wait can end the next request early
      const slowApi = await spawnApiProcess({ ...system.env, DB_QUERY_TIMEOUT_MS: '30000', DB_ACQUIRE_TIMEOUT_MS: '1000' });
      const call = setup.requests(slowApi.baseUrl);
      const locker = await mysql.createConnection(system.env.DATABASE_URL);
      let locked = false;
      let autoUnlock: NodeJS.Timeout | undefined;
      const unlock = async () => {
        clearTimeout(autoUnlock);
        if (!locked) return;
        locked = false;
        await locker.query('UNLOCK TABLES');
      };
      try {
        await locker.query('LOCK TABLES users WRITE');
        locked = true;
        autoUnlock = setTimeout(() => void unlock(), 20_000);
        // the API's pool holds 10 connections: ten requests reading users take them all and wait
        const waiting = Array.from({ length: 10 }, () => call.me());
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const next = await call.me();
        expect(locked).toBe(true);
        expectServiceUnavailable(next, 'the request beyond the pool');
        await unlock();
        expect((await Promise.all(waiting)).map((response) => response.status)).toEqual(Array(10).fill(200));
      } finally {
        await unlock();
        await locker.end();
        await slowApi.stop();
      }
    }, 60_000);
  });
} else {
  describe('SQLite with the write lock held by another connection, seen by the API process', () => {
    let system: TestSystem;
    let api: ApiProcess;
    let setup: Awaited<ReturnType<typeof scene>>;

    beforeAll(async () => {
      system = await startTestSystem({ api: false });
      setup = await scene(system);
      api = await spawnApiProcess({ ...system.env, DB_QUERY_TIMEOUT_MS: '1500' });
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
      if (system) await terminateStarted(system, setup.started);
      await system?.stop();
    });

    it('past DB_QUERY_TIMEOUT_MS a login and a report request (writes) answer 503 with Retry-After while reads still answer; both work once the lock is released', async () => {
      if (system.config.database.client !== 'better-sqlite3') throw new Error('this block runs on SQLite');
      const call = setup.requests(api.baseUrl);
      const holder = new Database(system.config.database.filename);
      let holding = false;
      try {
        holder.exec('BEGIN IMMEDIATE');
        holding = true;
        expectServiceUnavailable(await call.login(), 'login');
        expectServiceUnavailable(await call.report(), 'report request');
        // WAL: readers are not blocked by a writer, so authentication and /ready still answer
        expect((await call.me()).status).toBe(200);
        expect((await call.ready()).status).toBe(200);
      } finally {
        if (holding) holder.exec('ROLLBACK');
        holder.close();
      }
      expect((await call.login()).status).toBe(200);
      expect((await call.report()).status).toBe(202);
    }, 60_000);
  });
}
