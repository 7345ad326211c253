import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { JOB_TYPES, TASK_QUEUES, WORKFLOW_TYPES, type TicketNotificationInput } from '../../src/jobs/contract';
import { jobSearchAttributes } from '../../src/jobs/search-attributes';
import {
  benchAgentAndTicket,
  benchDatabase,
  benchDevServer,
  databaseEnv,
  ensureProductionBuild,
  envWith,
  freePort,
  productionNodeOptions,
  projectPath,
  startProjectProcess,
  waitUntil,
} from '../lib/bench-stack';
import { percentile, timeAtConcurrency } from '../lib/latency';
import { cpuMs } from '../lib/process-tree';
import { goalFromPairs, median, scalingOf, tenthOf, type BenchContext, type BenchSuite, type GoalResult } from '../lib/suite';

const CONCURRENCY = 10;

/**
 * Enqueue latency: p99 of `POST /api/tickets/:id/events` (a `closed` event: auth, rate limit, the ticket, actor and
 * tenancy checks, then the workflow start) against p99 of a bare `client.workflow.start` of the same workflow, same
 * queue, same search attributes, on the same dev server, both at concurrency 10. The API runs as its own process, as
 * the image runs it (the compiled build, NODE_ENV=production, JSON logs at info, the shared rate-limit store in the
 * database); nothing polls the queue, so only the accept path is timed.
 */
const enqueueSuite: BenchSuite = {
  name: 'enqueue',
  async run(ctx: BenchContext): Promise<GoalResult[]> {
    const requests = ctx.quick ? 100 : 400;
    const server = await benchDevServer();
    const db = await benchDatabase(ctx);
    let api: ReturnType<typeof startProjectProcess> | undefined;
    const connection = await Connection.connect({ address: server.address });
    try {
      const { token, agentId, ticketId, companyId } = await benchAgentAndTicket(db);
      const port = await freePort();
      // the API as the image runs it: the compiled build, NODE_ENV=production, its compose service's NODE_OPTIONS
      ensureProductionBuild(ctx.log);
      api = startProjectProcess(
        process.execPath,
        [projectPath('dist', 'src', 'api', 'server.js')],
        envWith({
          ...databaseEnv(ctx),
          NODE_ENV: 'production',
          NODE_OPTIONS: productionNodeOptions('api'),
          UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef',
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_NAMESPACE: 'default',
          PORT: String(port),
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'info',
          RATE_LIMIT_JOBS_MAX: '100000000',
          WORKFLOW_BUNDLE_PATH: undefined,
          TEMPORAL_UI_PROXY_PORT: undefined,
          OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
        }),
        path.join(ctx.workDir, 'enqueue-api.log'),
      );
      const base = `http://127.0.0.1:${port}`;
      const started = api;
      await waitUntil('the API did not become ready', async () => (await fetch(`${base}/ready`).catch(() => undefined))?.ok === true, 90_000, () => started.output());

      const postEvent = async () => {
        const response = await fetch(`${base}/api/tickets/${ticketId}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ type: 'closed', actorId: agentId }),
        });
        const body = await response.text();
        if (response.status !== 202) throw new Error(`the API answered ${response.status}: ${body}`);
      };
      const client = new Client({ connection, namespace: 'default' });
      const bareStart = async () => {
        const eventId = randomUUID();
        const input: TicketNotificationInput = { eventId, type: 'closed', ticketId, actorId: agentId, occurredAt: new Date().toISOString(), redeliverForHours: 24 };
        await client.workflow.start(WORKFLOW_TYPES.ticketNotification, {
          workflowId: `bench-bare-${ticketId}-event-${eventId}`,
          taskQueue: TASK_QUEUES.notifications,
          args: [input],
          typedSearchAttributes: new TypedSearchAttributes(jobSearchAttributes({ jobType: JOB_TYPES.notification, ticketId, companyId, requestedBy: agentId })),
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      };
      /** the p99 of `count` calls at concurrency 10, and the seconds the whole batch took */
      const batch = async (call: () => Promise<void>, count: number) => {
        const started = performance.now();
        const durations = await timeAtConcurrency(count, CONCURRENCY, call);
        return { p99: percentile(durations, 99), seconds: (performance.now() - started) / 1000 };
      };
      const p99 = async (call: () => Promise<void>) => (await batch(call, requests)).p99;

      // warm both paths (connections, JIT, the API's first requests) before anything counts
      await p99(bareStart);
      await p99(postEvent);
      const samples: { project: number; baseline: number }[] = [];
      // the API's batch time at full size and at 1/10 of the requests, for how its cost scales
      const tenthRequests = tenthOf(requests);
      const batchSeconds = { full: [] as number[], tenth: [] as number[] };
      // the API process's CPU (user + system) per accepted event over each full batch: steadier than a p99
      const apiCpuPerRequest: number[] = [];
      for (let pair = 0; pair < ctx.pairs; pair++) {
        // alternate which side goes first, so a drift in the machine's load does not always favour one
        const sample = { project: 0, baseline: 0 };
        const project = async () => {
          const cpuBefore = cpuMs(started.child.pid);
          const run = await batch(postEvent, requests);
          const cpuAfter = cpuMs(started.child.pid);
          if (cpuBefore !== undefined && cpuAfter !== undefined) apiCpuPerRequest.push((cpuAfter - cpuBefore) / requests);
          batchSeconds.full.push(run.seconds);
          sample.project = run.p99;
        };
        if (pair % 2 === 0) {
          sample.baseline = await p99(bareStart);
          await project();
        } else {
          await project();
          sample.baseline = await p99(bareStart);
        }
        const tenth = await batch(postEvent, tenthRequests);
        batchSeconds.tenth.push(tenth.seconds);
        ctx.log(
          `enqueue pair ${pair + 1}: API p99 ${sample.project.toFixed(1)} ms, bare start p99 ${sample.baseline.toFixed(1)} ms; ` +
            `API batch ${batchSeconds.full[pair].toFixed(2)} s for ${requests}, ${tenth.seconds.toFixed(2)} s for ${tenthRequests}` +
            (apiCpuPerRequest[pair] !== undefined ? `; API CPU ${apiCpuPerRequest[pair].toFixed(2)} ms per request` : ''),
        );
        samples.push(sample);
      }
      return [
        goalFromPairs({
          id: 'enqueue.accept-p99',
          title: `API accept p99 at concurrency ${CONCURRENCY} vs bare client.workflow.start p99`,
          unit: 'ms',
          samples,
          higherIsBetter: false,
          threshold: 1.2,
          notes:
            `${requests} requests per side per pair, ${ctx.database.client === 'mysql2' ? 'MariaDB/MySQL' : 'SQLite'}, same dev server, the API as its own process from the production build. ` +
            `Scaling: the wall time of the API's batch of ${requests} requests against a batch of ${tenthRequests}.` +
            (apiCpuPerRequest.length > 0 ? ` CPU of the API process per accepted event (median; the machine has ${os.cpus().length} CPUs): ${median(apiCpuPerRequest).toFixed(2)} ms.` : ''),
          scaling: scalingOf({ sizeUnit: 'requests', size: requests, costUnit: 's', full: batchSeconds.full, tenth: batchSeconds.tenth }),
        }),
      ];
    } finally {
      await api?.stop();
      await connection.close();
      await db.destroy();
      await server.stop();
    }
  },
};

export default enqueueSuite;
