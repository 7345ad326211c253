import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app';
import { DEFAULT_RATE_LIMITS } from '../../src/api/middleware/rate-limits';
import { createLogger } from '../../src/logger';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene } from './notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

type Line = Record<string, unknown> & { msg?: string; level?: number };

function parseLines(chunks: string[]): Line[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        throw new Error(`not one JSON line: ${line}`);
      }
    });
}

describe('one log stream', () => {
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    sys = await startTestSystem({ api: false, env: { SMTP_URL: receiver.url } });
    world = await createWorld(sys.repos, sys.auth);
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
    await receiver?.close();
  });

  it('request lines carry method, route, status, duration and request id but no headers; /health and /ready polls stay below info', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', { component: 'api' }, sink);
    const app = createApp({ config: sys.config, logger, db: sys.db, repos: sys.repos, jobs: sys.jobs, auth: sys.auth, storage: sys.storage, services: sys.services, rateLimits: DEFAULT_RATE_LIMITS });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await httpClient(baseUrl).get('/health')).status).toBe(200);
      await httpClient(baseUrl).get('/ready');
      const me = await httpClient(baseUrl, world.tokens.admin).get('/api/me');
      expect(me.status).toBe(200);
      await waitFor(async () => parseLines(chunks).some((line) => line.msg === 'request completed'), { what: 'the request line' });

      const lines = parseLines(chunks).filter((line) => line.req !== undefined);
      expect(lines).toHaveLength(1);
      const [line] = lines;
      expect(line).toMatchObject({
        level: 30,
        route: '/api/me',
        status: 200,
        req: { id: me.headers.get('x-request-id'), method: 'GET', url: '/api/me' },
        res: { statusCode: 200 },
      });
      expect(typeof line.responseTime).toBe('number');
      expect(JSON.stringify(line)).not.toMatch(/headers|authorization|Bearer/i);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a worker process writes the SDK's worker and workflow logs as pino JSON lines with queue, workflow id and run id", async () => {
    const entry = path.resolve(__dirname, '../../workers/notifications.ts');
    const chunks: string[] = [];
    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, ...sys.env, SMTP_URL: receiver.url, LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    try {
      const scene = await createTicketScene(sys.repos);
      const refused = scene.clientWatcher.email.toLowerCase();
      receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
      const started = await sys.jobs.startTicketNotification(
        { eventId: `log-${Date.now()}`, type: 'closed', ticketId: scene.ticket.id, actorId: scene.assignee.id, occurredAt: new Date().toISOString() },
        { companyId: scene.companyId, requestedBy: world.admin.id },
      );
      expect(await closedStatus(sys, started.workflowId, 90_000)).toBe('FAILED');
      const failedLine = await waitFor(
        async () => parseLines(chunks).find((line) => line.workflowId === started.workflowId && line.msg === 'Workflow failed'),
        { what: "the SDK's 'Workflow failed' line" },
      );
      expect(failedLine).toMatchObject({ sdk: true, queue: 'notifications', runId: started.runId, level: 40 });
      const lines = parseLines(chunks);
      expect(lines.some((line) => line.msg === 'worker started' && line.queue === 'notifications')).toBe(true);
      expect(lines.some((line) => line.sdk === true && line.msg === 'Worker state changed' && line.queue === 'notifications')).toBe(true);
    } finally {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
