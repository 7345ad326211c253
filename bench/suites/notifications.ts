/**
 * Notification mail against the SMTP pool's ceiling, on the real stack: the notifications worker (its own process from
 * the production build, default settings) on a Temporal dev server from the project's resolver, an SMTP receiver that accepts at once, and
 * events started through the ticket-events service the API runs (bursts) or posted to the API process (idle latency). The ceiling is a pooled nodemailer transport with as many
 * connections as the worker's (SMTP_MAX_CONNECTIONS), sending the same number of mails of the same size to the
 * same receiver. Baseline and project alternate within each pair.
 */
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { AuthContext } from '../../src/auth/auth-context';
import { createAuthService } from '../../src/auth/auth-service';
import { createAppServices, type AppCore } from '../../src/composition';
import { loadConfig } from '../../src/config';
import { prepareDatabase } from '../../src/db/prepare';
import { createRepositories } from '../../src/db/repositories';
import { createLogger } from '../../src/logger';
import { toNodemailerMessage } from '../../src/mail/raw-message';
import { composeNotificationMail } from '../../src/notifications/compose';
import { unsubscribeUrl } from '../../src/notifications/unsubscribe-links';
import { cpuMs } from '../lib/process-tree';
import {
  devServerPid,
  freePort,
  percentile,
  sleep,
  spawnEntry,
  startFastReceiver,
  startTemporal,
  waitForHttp,
  writeWorkflowBundle,
  type Arrival,
  type FastReceiver,
} from '../lib/notifications-stack';
import { ensureProductionBuild } from '../lib/bench-stack';
import { goalFromPairs, goalWithinLimit, median, scalingOf, tenthOf, type BenchContext, type BenchSuite, type GoalResult } from '../lib/suite';

const APP_URL = 'http://helpdesk.bench';
const UNSUBSCRIBE_SECRET = 'bench-unsubscribe-secret-0123456789abcdef';
const TICKETS = 20;
const RECIPIENTS_PER_EVENT = 3;
const POST_CONCURRENCY = 10;
const LATENCY_LIMIT_MS = 300;

interface Seeded {
  token: string;
  actorId: number;
  ticketIds: number[];
  /** a mail of the size the worker sends, for the ceiling */
  sampleMail: Awaited<ReturnType<typeof composeNotificationMail>>;
  from: string;
}

let runCounter = 0;
/** a run tag every Message-ID of one measured run carries, so the receiver tells runs apart */
function runTag(): string {
  runCounter += 1;
  return `bm${Date.now().toString(36)}${runCounter}`;
}

function databaseEnv(ctx: BenchContext): Record<string, string> {
  return ctx.database.client === 'mysql2' ? { DATABASE_URL: ctx.database.url } : { DATABASE_URL: '', SQLITE_FILE: ctx.database.filename };
}

async function seed(env: Record<string, string>): Promise<Seeded> {
  const config = loadConfig(env);
  const { db } = await prepareDatabase(config);
  try {
    const repos = createRepositories(db);
    let company = await db('companies').where({ name: 'Bench Mail Co' }).first('id');
    if (!company) company = { id: (await repos.companies.create('Bench Mail Co')).id };
    const companyId = Number(company.id);
    const user = async (key: string, role: 'admin' | 'agent' | 'client') => {
      const email = `bench-mail-${key}@bench.test`;
      const existing = await db('users').where({ email }).first('id');
      if (existing) return Number(existing.id);
      const created = await repos.users.create({ email, name: `Bench ${key}`, role, companyId: role === 'admin' ? null : companyId, passwordHash: 'x' });
      return created.id;
    };
    const actorId = await user('actor', 'admin');
    const requesterId = await user('requester', 'client');
    const assigneeId = await user('assignee', 'agent');
    const watcherId = await user('watcher', 'agent');
    const ticketIds: number[] = (await db('tickets').where({ company_id: companyId }).orderBy('id').limit(TICKETS).select('id')).map((r: { id: number }) =>
      Number(r.id),
    );
    while (ticketIds.length < TICKETS) {
      const ticket = await repos.tickets.create({
        companyId,
        requesterId,
        assigneeId,
        subject: `Bench mail ticket ${ticketIds.length + 1}: printer on fire`,
        description: 'The printer on the second floor is on fire.\nPlease send help.',
        status: 'open',
        priority: 'high',
      });
      await repos.tickets.addWatcher(ticket.id, watcherId);
      ticketIds.push(ticket.id);
    }
    const auth = createAuthService(repos, { tokenTtlHours: config.api.tokenTtlHours });
    const { token } = await auth.createPersonalToken('bench-mail-actor@bench.test', 'bench', 1);
    const ticket = (await repos.tickets.findById(ticketIds[0]))!;
    const sampleMail = await composeNotificationMail({
      appUrl: APP_URL,
      event: { eventId: 'sample', type: 'closed', occurredAt: new Date().toISOString() },
      ticket,
      actorName: 'Bench actor',
      assigneeName: 'Bench assignee',
      recipient: { userId: requesterId, email: 'bench-mail-requester@bench.test', name: 'Bench requester', reason: 'requester' },
      timeZone: config.mail.timeZone,
      unsubscribeUrl: unsubscribeUrl(config, requesterId),
    });
    return { token, actorId, ticketIds, sampleMail, from: config.mail.from };
  } finally {
    await db.destroy();
  }
}

interface RunTimes {
  /** mails per second between the first and the last arrival */
  rate: number;
  /** ms from the first send (or post) to the last arrival */
  drainMs: number;
}

function timesOf(started: number, arrivals: Arrival[]): RunTimes {
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  const first = times[0];
  const last = times[times.length - 1];
  return { rate: ((times.length - 1) * 1000) / Math.max(1, last - first), drainMs: last - started };
}

/** The ceiling: a pooled nodemailer transport with `connections` connections sends `count` mails to the receiver. */
async function ceilingRun(receiver: FastReceiver, seeded: Seeded, connections: number, count: number): Promise<RunTimes> {
  const tag = runTag();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, pool: true, maxConnections: connections, logger: false });
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        transport.sendMail(
          toNodemailerMessage({ ...seeded.sampleMail, to: `bench-mail-${i % RECIPIENTS_PER_EVENT}@bench.test`, messageId: `<${tag}-${i}@bench.test>` }, seeded.from),
        ),
      ),
    );
    return timesOf(started, await receiver.waitFor(tag, count, 60_000));
  } finally {
    transport.close();
  }
}

async function postEvent(apiUrl: string, seeded: Seeded, ticketId: number, eventId: string): Promise<void> {
  const res = await fetch(`${apiUrl}/api/tickets/${ticketId}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${seeded.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'closed', actorId: seeded.actorId, eventId }),
  });
  if (res.status !== 202) throw new Error(`posting event ${eventId} answered ${res.status}: ${await res.text()}`);
}

/**
 * The project: `events` events started through the ticket-events service (what the API's route calls: the checks,
 * then the workflow start), POST_CONCURRENCY at a time; done when all their mails arrived. The API's own accept speed
 * (HTTP, tokens, rate limits) is the enqueue suite's goal, so it does not pace this one.
 */
async function projectRun(receiver: FastReceiver, core: AppCore, caller: AuthContext, seeded: Seeded, events: number, timeoutMs: number): Promise<RunTimes> {
  const tag = runTag();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: POST_CONCURRENCY }, async () => {
      while (next < events) {
        const i = next++;
        await core.services.ticketEvents.post(caller, seeded.ticketIds[i % seeded.ticketIds.length], { type: 'closed', actorId: seeded.actorId, eventId: `${tag}-${i}` }, undefined);
      }
    }),
  );
  return timesOf(started, await receiver.waitFor(tag, events * RECIPIENTS_PER_EVENT, timeoutMs));
}

/** One event on an idle stack: ms from the POST to the arrival of the last of its mails. */
async function idleLatency(receiver: FastReceiver, apiUrl: string, seeded: Seeded, i: number): Promise<number> {
  const tag = runTag();
  const started = performance.now();
  await postEvent(apiUrl, seeded, seeded.ticketIds[i % seeded.ticketIds.length], `${tag}-0`);
  const arrivals = await receiver.waitFor(tag, RECIPIENTS_PER_EVENT, 30_000);
  return Math.max(...arrivals.map((a) => a.at)) - started;
}

const notifications: BenchSuite = {
  name: 'notifications',
  async run(ctx: BenchContext): Promise<GoalResult[]> {
    const events = ctx.quick ? 30 : 300;
    // 20 per pair: the p95 of fewer is simply their maximum
    const latencyEvents = ctx.quick ? 8 : 20;
    const mails = events * RECIPIENTS_PER_EVENT;
    const receiver = await startFastReceiver();
    const [temporal, bundle] = await Promise.all([startTemporal(ctx.workDir), writeWorkflowBundle(path.join(ctx.workDir, 'workflow-bundle.js'))]);
    const stops: Array<() => Promise<unknown>> = [() => receiver.close(), () => temporal.stop()];
    try {
      const [apiPort, healthPort] = await Promise.all([freePort(), freePort()]);
      const env: Record<string, string> = {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        DATA_DIR: path.join(ctx.workDir, 'data'),
        ...databaseEnv(ctx),
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        WORKFLOW_BUNDLE_PATH: bundle,
        APP_URL,
        UNSUBSCRIBE_SECRET,
        SMTP_URL: receiver.url,
        // the bench measures mail, not the API's per-user budget for starting jobs
        RATE_LIMIT_JOBS_MAX: '1000000',
      };
      for (const name of Object.keys(process.env)) {
        // the worker and the API run at their defaults: nothing from the caller's shell tunes them
        if (/^(WORKER_CONCURRENCY_|SMTP_|MAIL_|NOTIFY_)/.test(name) && !(name in env)) env[name] = '';
      }
      const seeded = await seed(env);
      const config = loadConfig(env);
      const connections = config.mail.smtpMaxConnections;
      const core = createAppServices(config, createLogger('warn', { component: 'bench' }));
      stops.unshift(async () => {
        await core.jobs.close();
        await core.db.destroy();
      });
      const actor = await core.repos.users.findById(seeded.actorId);
      const caller: AuthContext = { user: await core.repos.users.withPermissions(actor!), tokenId: 0 };
      ctx.log(`stack: Temporal ${temporal.address}, SMTP receiver ${receiver.url}, ${connections} SMTP connections, ${events} events x ${RECIPIENTS_PER_EVENT} recipients`);

      ensureProductionBuild(ctx.log);
      const worker = spawnEntry('workers/notifications.ts', 'worker-notifications', { ...env, WORKER_HEALTH_PORT: String(healthPort) }, path.join(ctx.workDir, 'worker.log'));
      stops.unshift(() => worker.stop());
      const api = spawnEntry('src/api/server.ts', 'api', { ...env, PORT: String(apiPort), API_HOST: '127.0.0.1' }, path.join(ctx.workDir, 'api.log'));
      stops.unshift(() => api.stop());
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      await Promise.all([
        waitForHttp(`http://127.0.0.1:${healthPort}/health`, worker, 'the notifications worker'),
        waitForHttp(`${apiUrl}/health`, api, 'the API'),
      ]);

      // warm up both paths (connections, JIT, first workflow tasks)
      await ceilingRun(receiver, seeded, connections, 30);
      await projectRun(receiver, core, caller, seeded, 10, 60_000);
      await idleLatency(receiver, apiUrl, seeded, 0);
      await sleep(500);

      // CPU each part of the stack spends per mail in a burst (where the time goes), when /proc tells
      const cpuParts: Record<string, number | undefined> = { worker: worker.child.pid, 'Temporal dev server': devServerPid(temporal.address) };
      const cpuPerMail: Record<string, number[]> = {};
      const measuredProjectRun = async () => {
        const before = Object.fromEntries(Object.entries(cpuParts).map(([name, pid]) => [name, cpuMs(pid)]));
        const times = await projectRun(receiver, core, caller, seeded, events, 600_000);
        for (const [name, pid] of Object.entries(cpuParts)) {
          const after = cpuMs(pid);
          const start = before[name];
          if (after !== undefined && start !== undefined) (cpuPerMail[name] ??= []).push((after - start) / mails);
        }
        return times;
      };
      const latencies: number[] = [];
      const throughput: { project: number; baseline: number }[] = [];
      const drain: { project: number; baseline: number }[] = [];
      // the project's burst again at 1/10 of the events, for how its drain time scales
      const tenthEvents = tenthOf(events);
      const tenthDrain: number[] = [];
      for (let pair = 0; pair < ctx.pairs; pair++) {
        // one event at a time on the idle stack, a pause between them
        const round: number[] = [];
        for (let i = 0; i < latencyEvents; i++) {
          round.push(await idleLatency(receiver, apiUrl, seeded, i));
          await sleep(300);
        }
        latencies.push(percentile(round, 95));

        const projectFirst = pair % 2 === 1;
        let project: RunTimes | undefined;
        if (projectFirst) project = await measuredProjectRun();
        const baseline = await ceilingRun(receiver, seeded, connections, mails);
        if (!projectFirst) {
          await sleep(500);
          project = await measuredProjectRun();
        }
        const p = project as RunTimes;
        throughput.push({ project: p.rate, baseline: baseline.rate });
        drain.push({ project: p.drainMs / 1000, baseline: baseline.drainMs / 1000 });
        await sleep(ctx.quick ? 300 : 1000);
        const tenth = await projectRun(receiver, core, caller, seeded, tenthEvents, 600_000);
        tenthDrain.push(tenth.drainMs / 1000);
        ctx.log(
          `pair ${pair + 1}: project ${p.rate.toFixed(1)} mails/s, drained in ${(p.drainMs / 1000).toFixed(2)} s; ` +
            `ceiling ${baseline.rate.toFixed(1)} mails/s, ${(baseline.drainMs / 1000).toFixed(2)} s; idle latency p95 ${round.length ? percentile(round, 95).toFixed(0) : '-'} ms; ` +
            `${tenthEvents} events drained in ${(tenth.drainMs / 1000).toFixed(2)} s`,
        );
        // let the last run's workflows close before the next measurement
        await sleep(ctx.quick ? 300 : 1000);
      }

      const cpuNote = Object.entries(cpuPerMail)
        .map(([name, values]) => `${name} ${median(values).toFixed(1)} ms`)
        .join(', ');
      if (cpuNote) ctx.log(`CPU per mail in a burst (medians): ${cpuNote}`);
      const scaling = scalingOf({ sizeUnit: 'events', size: events, costUnit: 's', full: drain.map((d) => d.project), tenth: tenthDrain });
      return [
        goalFromPairs({
          id: 'notifications.throughput',
          title: `mail throughput vs pooled nodemailer (${connections} connections)`,
          unit: 'mails/s',
          samples: throughput,
          higherIsBetter: true,
          threshold: 0.8,
          notes:
            `${events} events x ${RECIPIENTS_PER_EVENT} recipients started through the ticket-events service (${POST_CONCURRENCY} at a time); mails per second between the first ` +
            `and the last arrival at the receiver. Ceiling: nodemailer pool: true, maxConnections ${connections}, the same number of mails of the same size ` +
            `(nodemailer's own sockets, Nagle's algorithm on: about 40 ms per mail per connection go to the delayed ACK; the project's transport opens its connections with TCP_NODELAY).` +
            (cpuNote ? ` CPU per mail in the bursts (medians; the machine has ${os.availableParallelism()} CPUs): ${cpuNote}.` : ''),
          scaling,
        }),
        goalFromPairs({
          id: 'notifications.burst-drain',
          title: `${events}-event burst drain time vs pooled nodemailer`,
          unit: 's',
          samples: drain,
          higherIsBetter: false,
          threshold: 1.25,
          notes: 'From the first event started (ceiling: the first sendMail) to the last mail accepted by the receiver. Scaling: the drain time of the same burst at 1/10 of the events.',
          scaling,
        }),
        goalWithinLimit({
          id: 'notifications.idle-latency-p95',
          title: 'one event on an idle stack to its last mail at the receiver, p95',
          unit: 'ms',
          values: latencies,
          limit: LATENCY_LIMIT_MS,
          notes: `p95 of ${latencyEvents} single events per pair (one at a time, 300 ms apart), from the POST to the arrival of the last of its ${RECIPIENTS_PER_EVENT} mails; the median of the pairs' p95.`,
        }),
      ];
    } finally {
      for (const stop of stops) await stop().catch((err: unknown) => ctx.log(`stopping: ${String(err)}`));
    }
  },
};

export default notifications;
