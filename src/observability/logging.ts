import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from '../logger';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger (worker, workflow `log`, activity `log` and, forwarded, the Rust core) writing into pino:
 * one JSON line each, with `queue`, `workflowId` and `runId` when the SDK knows them.
 */
export function pinoSdkLogger(logger: Logger): SdkLogger {
  const write = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    const { error, taskQueue, ...rest } = meta as Record<string, unknown>;
    const fields: Record<string, unknown> = { ...rest, sdk: true };
    if (typeof taskQueue === 'string') fields.queue = taskQueue;
    if (error !== undefined) fields.err = error;
    logger[PINO_LEVEL[level]](fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

const PROBES = new Set(['/health', '/ready']);

type Req = IncomingMessage & { id?: unknown; route?: { path?: unknown }; baseUrl?: string; originalUrl?: string };

function routeOf(req: Req): string | undefined {
  return req.route?.path ? `${req.baseUrl ?? ''}${String(req.route.path)}` : undefined;
}

/**
 * pino-http settings of the API's request log: one line per request with method, path, route pattern, status,
 * duration (responseTime, ms) and request id; no request or response headers. Health and readiness polls are
 * logged at debug (a failing one at warn), so they do not flood the info stream.
 */
export const requestLogOptions = {
  serializers: {
    req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
    res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
  },
  customLogLevel(req: IncomingMessage, res: ServerResponse, err?: Error) {
    const probe = PROBES.has((req.url ?? '').split('?')[0]);
    if (err || res.statusCode >= 500) return probe ? ('warn' as const) : ('error' as const);
    if (probe) return 'debug' as const;
    return res.statusCode >= 400 ? ('warn' as const) : ('info' as const);
  },
  customSuccessObject(req: IncomingMessage, res: ServerResponse, value: Record<string, unknown>) {
    return { ...value, route: routeOf(req as Req) ?? 'unmatched', status: res.statusCode };
  },
  customErrorObject(req: IncomingMessage, res: ServerResponse, _err: Error, value: Record<string, unknown>) {
    return { ...value, route: routeOf(req as Req) ?? 'unmatched', status: res.statusCode };
  },
};
