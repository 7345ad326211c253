import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../../db/knex';
import type { JobsGateway } from '../../jobs/gateway';
import type { Logger } from '../../logger';

/** A scrape never waits longer than this for Temporal or the database: the gauge is left out instead. */
const COLLECT_DEADLINE_MS = 2000;

function withDeadline<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('deadline')), COLLECT_DEADLINE_MS).unref())]);
}

/**
 * The API's Prometheus metrics (GET /metrics), one registry per app:
 * - helpdesk_http_request_duration_seconds{method,route,status} histogram
 * - helpdesk_http_unavailable_responses_total{route} counter (503 answers)
 * - helpdesk_jobs_started_total{job_type} counter (starts and dead-letter retries through this API process)
 * - helpdesk_dead_letter_jobs{job_type} gauge (failed_jobs entries not retried yet), read at scrape time
 * - helpdesk_queue_backlog{queue,task_type} gauge (Temporal's approximate backlog), read at scrape time
 * plus prom-client's default process metrics (process_*, nodejs_*; without its three gauges named *_total).
 */
export function createApiMetrics(deps: { db: Db; jobs: JobsGateway; logger: Logger }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // gauges named like counters, which promtool refuses; the per-type nodejs_active_* gauges carry the same numbers
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);

  const httpDuration = new Histogram({
    name: 'helpdesk_http_request_duration_seconds',
    help: 'API request duration by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const unavailable = new Counter({
    name: 'helpdesk_http_unavailable_responses_total',
    help: 'API answers 503 (a dependency down), by route pattern',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const jobsStarted = new Counter({
    name: 'helpdesk_jobs_started_total',
    help: 'Jobs started (or retried from the dead-letter list) by this API process, by job type',
    labelNames: ['job_type'] as const,
    registers: [registry],
  });
  for (const definition of deps.jobs.registry.definitions) jobsStarted.inc({ job_type: definition.jobType }, 0);

  new Gauge({
    name: 'helpdesk_dead_letter_jobs',
    help: 'Failed jobs in the dead-letter list not retried yet, by job type',
    labelNames: ['job_type'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows: Array<{ job_type: string; n: number | string }> = await withDeadline(
          deps.db('failed_jobs').whereNull('retry_workflow_id').groupBy('job_type').select('job_type').count({ n: '*' }),
        );
        for (const definition of deps.jobs.registry.definitions) this.set({ job_type: definition.jobType }, 0);
        for (const row of rows) this.set({ job_type: row.job_type }, Number(row.n));
      } catch (err) {
        deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'metrics: dead-letter size not read');
      }
    },
  });
  new Gauge({
    name: 'helpdesk_queue_backlog',
    help: "Tasks waiting for a worker on each task queue (Temporal's approximate backlog), by task type",
    labelNames: ['queue', 'task_type'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        deps.jobs.registry.queues.map(async (queue) => {
          try {
            const described = await withDeadline(deps.jobs.describeTaskQueue(queue));
            if (described.workflow.backlog !== undefined) this.set({ queue, task_type: 'workflow' }, described.workflow.backlog);
            if (described.activity.backlog !== undefined) this.set({ queue, task_type: 'activity' }, described.activity.backlog);
          } catch (err) {
            deps.logger.warn({ queue, err: err instanceof Error ? err.message : String(err) }, 'metrics: queue backlog not read');
          }
        }),
      );
    },
  });

  /** Times every request; the route is the matched pattern (never the raw path: ids would explode the label set). */
  const middleware: RequestHandler = (req, res, next) => {
    const end = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - end) / 1e9;
      httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (res.statusCode === 503) unavailable.inc({ route });
    });
    next();
  };

  // a start that joins a running workflow (USE_EXISTING: the same event or report sent again) answers its run id again:
  // a run is counted once, remembered among the last RECENT_RUNS
  const RECENT_RUNS = 10_000;
  const counted = new Set<string>();
  const firstTime = (runId: string): boolean => {
    if (!runId || counted.has(runId)) return false;
    counted.add(runId);
    if (counted.size > RECENT_RUNS) counted.delete(counted.values().next().value as string);
    return true;
  };

  /** Counts the starts of the gateway the services share. */
  function countJobStarts(jobs: JobsGateway): void {
    const original = { start: jobs.start.bind(jobs), startRetry: jobs.startRetry.bind(jobs) };
    jobs.start = async (jobType, input, context) => {
      const started = await original.start(jobType, input, context);
      if (started.started && firstTime(started.runId)) jobsStarted.inc({ job_type: jobType });
      return started;
    };
    jobs.startRetry = async (options) => {
      const started = await original.startRetry(options);
      const jobType = jobs.registry.definitions.find((d) => d.workflowType === options.workflowType)?.jobType ?? options.workflowType;
      if (started.started && firstTime(started.runId)) jobsStarted.inc({ job_type: jobType });
      return started;
    };
  }
  countJobStarts(deps.jobs);

  return { registry, middleware };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
