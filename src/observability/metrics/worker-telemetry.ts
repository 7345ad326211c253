import { makeTelemetryFilterString, Runtime, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { pinoSdkLogger } from '../logging';
import type { MetricCounter } from '@temporalio/common';
import type { CleanupResult, RecipientOutcome } from '../../jobs/contract';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { stepFailureOutcome } from './activity-interceptor';

/**
 * The worker process's SDK runtime, installed before its first Temporal connection:
 * - logs: the SDK's worker, workflow and activity logs and the Rust core's (forwarded, WARN and up) go through pino,
 *   one JSON line each with queue, workflowId and runId;
 * - metrics (when WORKER_METRICS_PORT is set): a Prometheus endpoint on WORKER_METRICS_HOST:WORKER_METRICS_PORT, path
 *   /metrics, with the SDK's own metrics (temporal_*: task slots, poll and schedule-to-start latencies, activity and
 *   workflow outcomes) and the project's counters (helpdesk_*).
 */
export function installWorkerTelemetry(config: Pick<Config, 'metrics'>, logger: Logger): void {
  const { workerPort, workerHost } = config.metrics;
  Runtime.install({
    logger: pinoSdkLogger(logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(workerPort === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: `${workerHost}:${workerPort}`, countersTotalSuffix: true, useSecondsForDurations: true } } }),
    },
  });
  if (workerPort !== undefined) logger.info({ address: `${workerHost}:${workerPort}` }, 'worker metrics served at /metrics');
}

interface ProjectCounters {
  mails: MetricCounter;
  reportRows: MetricCounter;
  cleanupRows: MetricCounter;
}

let counters: ProjectCounters | undefined;

/** Created once per process on the runtime's meter (the SDK adds the metric prefix and the _total suffix). */
function projectCounters(): ProjectCounters {
  if (!counters) {
    const meter = Runtime.instance().metricMeter;
    counters = {
      mails: meter.createCounter('helpdesk_mails', '', 'Notification e-mails by outcome: sent, already_sent, retried (a temporary failure) or failed'),
      reportRows: meter.createCounter('helpdesk_report_rows_exported', '', 'Rows written into finished report files'),
      cleanupRows: meter.createCounter('helpdesk_cleanup_rows_deleted', '', 'Rows and files deleted by real cleanup runs, by table'),
    };
  }
  return counters;
}

const CLEANUP_TABLES: Record<keyof CleanupResult['counts'], string> = {
  activityLogs: 'activity_logs',
  failedJobs: 'failed_jobs',
  reports: 'reports',
  reportFiles: 'report_files',
  orphanFiles: 'orphan_files',
};

/** Counts what the project's steps did, from their inputs and results (mails, exported rows, cleanup deletes). */
export function projectCountersInterceptor(): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const step = ctx.info.activityType;
        const queue = ctx.info.taskQueue;
        let result: unknown;
        try {
          result = await next(input);
        } catch (err) {
          if (step === 'sendTicketNotification') {
            const outcome = stepFailureOutcome(err, ctx.info);
            projectCounters().mails.add(1, { queue, outcome: outcome === 'retried' ? 'retried' : 'failed' });
          }
          throw err;
        }
        if (step === 'sendTicketNotification') {
          projectCounters().mails.add(1, { queue, outcome: (result as RecipientOutcome).status });
        } else if (step === 'exportReport') {
          projectCounters().reportRows.add((result as { rowCount: number }).rowCount, { queue });
        } else if (step === 'recordCleanupRun') {
          const run = (input.args[0] as { result: CleanupResult }).result;
          if (!run.dryRun) {
            for (const [field, table] of Object.entries(CLEANUP_TABLES)) {
              projectCounters().cleanupRows.add(run.counts[field as keyof CleanupResult['counts']] ?? 0, { queue, table });
            }
          }
        }
        return result;
      },
    },
  });
}
