import { isIP } from 'node:net';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** One field value as both cron-parser and Temporal's schedule parser read it: a number or a month/day name. */
const CRON_PART = /^(\*|(\d+|[a-z]{3,})(-(\d+|[a-z]{3,}))?)(\/\d+)?$/i;

/**
 * Why a cleanup cron expression would not run as written, or undefined when it would: exactly the 5 fields
 * Temporal reads (minute hour day-of-month month day-of-week, no seconds), values in range (cron-parser),
 * and none of the extensions Temporal's schedules lack (`?`, `L`, `W`, `#`, `H`).
 */
export function cronExpressionProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return 'must be a 5-field cron expression (minute hour day-of-month month day-of-week, UTC)';
  const names = fields.findIndex((field, i) => field.split(',').some((part) => !CRON_PART.test(part) || (i < 3 && /[a-z]/i.test(part))));
  if (names !== -1) return `must use only numbers, *, ranges, lists and steps (and month or day names) in each field; "${fields[names]}" is not`;
  // standard cron runs on a day-of-month OR a weekday; Temporal's schedules need both: refuse the ambiguous form
  if (fields[2] !== '*' && fields[4] !== '*') return 'must not restrict both the day of the month and the day of the week';
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
  return undefined;
}

const cronExpression = z
  .string()
  .default('0 3 * * *')
  .superRefine((value, ctx) => {
    const problem = cronExpressionProblem(value);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** Express's named ranges, besides addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** Unset: trust no proxy (req.ip is the socket's peer). A hop count, or the proxies' addresses, CIDRs or range names. */
const trustProxy = z
  .string()
  .optional()
  .transform((value, ctx): false | number | string[] => {
    const text = value?.trim() ?? '';
    if (text === '') return false;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops > 100) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be at most 100 hops' });
      return hops;
    }
    const entries = text.split(',').map((entry) => entry.trim());
    const bad = entries.filter((entry) => !isProxyAddress(entry));
    if (bad.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be a hop count or a comma-separated list of proxy addresses, CIDRs, loopback, linklocal or uniquelocal; not ${bad.map((b) => `"${b}"`).join(', ')}`,
      });
      return z.NEVER;
    }
    return entries;
  });

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  DATA_DIR: z.string().default('.data'),

  API_HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  APP_URL: z.string().url().default('http://localhost:3000'),
  JSON_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb').default('100kb'),
  TOKEN_TTL_HOURS: positiveInt(24),
  TRUST_PROXY: trustProxy,

  DATABASE_URL: optionalString.refine(
    (value) => value === undefined || /^mysql2?:\/\/[^/]+\/\w+/.test(value),
    'must be a mysql://user:password@host:port/database URL (leave it unset for the embedded SQLite file)',
  ),
  SQLITE_FILE: optionalString,
  DB_ACQUIRE_TIMEOUT_MS: positiveInt(5000),
  DB_CONNECT_TIMEOUT_MS: positiveInt(5000),
  DB_QUERY_TIMEOUT_MS: positiveInt(5000),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_UI_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), 'must be an http(s) URL'),
  WORKFLOW_BUNDLE_PATH: optionalString,

  SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL'),
  SMTP_MAX_CONNECTIONS: positiveInt(3),
  MAIL_FROM: z.string().default('Help Desk <helpdesk@localhost>'),
  MAIL_OUTBOX_DIR: optionalString,
  MAIL_REDELIVERY_HOURS: z.coerce.number().min(0).max(720).default(24),
  MAIL_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as UTC or Europe/Berlin'),
  UNSUBSCRIBE_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  UNSUBSCRIBE_LINK_DAYS: positiveInt(60),
  NOTIFY_COALESCE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),

  REPORTS_DIR: optionalString,
  REPORTS_STORAGE: optionalString.refine(
    (v) => v === undefined || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(v),
    'must be a directory or s3://bucket[/prefix]',
  ),
  S3_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), 'must be an http(s) URL'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  REPORT_PDF_MAX_ROWS: positiveInt(50_000),
  REPORTS_MAX_RUNNING_PER_USER: positiveInt(3),
  REPORT_EXPORT_MAX_ROWS_PER_SECOND: z.coerce.number().int().min(0).default(0),

  WORKER_CONCURRENCY_DEFAULT: positiveInt(3),
  // a send step mostly waits on the database and the SMTP server: more steps than SMTP connections keep the pool busy
  WORKER_CONCURRENCY_NOTIFICATIONS: positiveInt(3),
  WORKER_CONCURRENCY_REPORTS: positiveInt(3),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),

  RETENTION_ACTIVITY_LOG_DAYS: positiveInt(90),
  RETENTION_FAILED_JOB_DAYS: positiveInt(30),
  RETENTION_REPORT_DAYS: positiveInt(7),
  RETENTION_METRICS_DAYS: positiveInt(7),
  METRICS_FLUSH_SECONDS: positiveInt(10),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), 'must be an http(s) URL'),
  CLEANUP_CRON: cronExpression,
  CLEANUP_BATCH_SIZE: positiveInt(5000),
  CLEANUP_CATCHUP_MINUTES: positiveInt(60),

  // alerts: a threshold of 0 turns its rule off
  ALERT_FAILED_JOBS_THRESHOLD: z.coerce.number().int().min(0).default(5),
  ALERT_FAILED_JOBS_WINDOW_MINUTES: positiveInt(10),
  ALERT_WAIT_P95_SECONDS: z.coerce.number().min(0).default(300),
  ALERT_WAIT_WINDOW_MINUTES: positiveInt(10),
  ALERT_NO_POLLER_SECONDS: z.coerce.number().int().min(0).default(120),
  ALERT_DEAD_LETTERS_THRESHOLD: z.coerce.number().int().min(0).default(25),
  ALERT_EMAIL_TO: optionalString.refine(
    (v) => v === undefined || v.split(',').every((address) => z.string().email().safeParse(address.trim()).success),
    'must be a comma-separated list of e-mail addresses',
  ),
  ALERT_WEBHOOK_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), 'must be an http(s) URL'),
  ALERT_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),

  RATE_LIMIT_LOGIN_MAX: positiveInt(10),
  RATE_LIMIT_LOGIN_IP_MAX: positiveInt(100),
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: positiveInt(900),
  RATE_LIMIT_JOBS_MAX: positiveInt(120),
  RATE_LIMIT_JOBS_WINDOW_SECONDS: positiveInt(60),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL'),
  TEMPORAL_UI_SESSION_MINUTES: positiveInt(15),
  TEMPORAL_UI_PROXY_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TEMPORAL_UI_UPSTREAM: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), 'must be an http(s) URL'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  /** pretty (pino-pretty) by default in development, JSON lines otherwise */
  logFormat: 'json' | 'pretty';
  dataDir: string;
  /** trustProxy: Express's 'trust proxy' (false: none, a hop count, or addresses/CIDRs/range names) */
  api: { host: string; port: number; appUrl: string; jsonBodyLimit: string; tokenTtlHours: number; trustProxy: false | number | string[] };
  /** the timeouts turn a stalled database into errors (503 from the API) instead of hanging requests */
  database: ({ client: 'mysql2'; url: string } | { client: 'better-sqlite3'; filename: string }) & {
    acquireTimeoutMs: number;
    connectTimeoutMs: number;
    /** per statement, in the API process only; on SQLite its busy timeout */
    queryTimeoutMs: number;
  };
  temporal: {
    /** undefined: `npm start` runs the embedded dev server */
    address: string | undefined;
    namespace: string;
    cliPath: string | undefined;
    devPort: number;
    uiPort: number;
    uiUrl: string;
    workflowBundlePath: string | undefined;
  };
  /**
   * redeliveryHours: how long a transiently refused recipient is tried again on durable timers (0: never);
   * unsubscribeSecret: signs the one-click unsubscribe links (undefined outside production: a generated one under DATA_DIR)
   */
  mail: {
    smtpUrl: string | undefined;
    smtpMaxConnections: number;
    from: string;
    outboxDir: string;
    redeliveryHours: number;
    timeZone: string;
    unsubscribeSecret: string | undefined;
    unsubscribeLinkDays: number;
    /** `updated` events of one ticket within this many seconds become one mail per recipient; 0: off */
    coalesceSeconds: number;
  };
  /** exportMaxRowsPerSecond: 0 = unlimited; a cap spares a busy primary database */
  reports: { dir: string; pdfMaxRows: number; maxRunningPerUser: number; exportMaxRowsPerSecond: number; storage: ReportStorageConfig };
  /** healthPort: the worker process's GET /health (unset: none) */
  workers: { concurrency: { default: number; notifications: number; reports: number }; healthPort: number | undefined };
  retention: { activityLogDays: number; failedJobDays: number; reportDays: number; metricsDays: number };
  /** flushSeconds: how often workers add their per-minute job metrics; token: the Prometheus scraper's bearer for GET /metrics;
   * workerPort/workerHost: where each worker serves its Prometheus metrics (unset: not served) */
  metrics: { flushSeconds: number; token: string | undefined; workerPort: number | undefined; workerHost: string };
  /** otlpEndpoint: where traces go over OTLP/HTTP; unset: no traces are exported */
  tracing: { otlpEndpoint: string | undefined };
  cleanup: { cron: string; batchSize: number; catchupMinutes: number };
  /**
   * Alert rules (0: off): failed jobs of one type within a window, a queue's wait p95 within a window, seconds
   * without a worker on a queue, open dead letters. emailTo: undefined = the active admins; webhookUrl: Slack-compatible POST.
   */
  alerts: {
    failedJobsThreshold: number;
    failedJobsWindowMinutes: number;
    waitP95Seconds: number;
    waitWindowMinutes: number;
    noPollerSeconds: number;
    deadLettersThreshold: number;
    emailTo: string[] | undefined;
    webhookUrl: string | undefined;
    checkIntervalSeconds: number;
  };
  /** login attempts per IP and e-mail, and job starts per token, within each window */
  /** redisUrl: where the counters live (unset: the database), shared by every API process */
  rateLimits: { loginMax: number; loginAddressMax: number; loginWindowSeconds: number; jobsMax: number; jobsWindowSeconds: number; redisUrl: string | undefined };
  /** lifetime of the cookie that lets a view_horizon holder's browser through the Temporal UI proxy */
  /** the authenticated gateway to the Temporal UI: off unless proxyPort is set */
  temporalUi: { sessionMinutes: number; proxyPort: number | undefined; upstream: string };
}

/** Where report files live: a directory (a shared volume when several processes run), or an S3-compatible bucket. */
export type ReportStorageConfig =
  | { kind: 'directory'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      /** key prefix inside the bucket ('' or ending in '/') */
      prefix: string;
      endpoint: string | undefined;
      region: string;
      /** unset: the AWS SDK's default credential chain */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      forcePathStyle: boolean;
    };

function reportStorageConfig(env: Env, reportsDir: string): ReportStorageConfig {
  const target = env.REPORTS_STORAGE;
  if (!target || !target.startsWith('s3://')) return { kind: 'directory', dir: reportsDir };
  const [bucket, ...rest] = target.slice('s3://'.length).split('/');
  const prefix = rest.join('/').replace(/^\/+|\/+$/g, '');
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError(env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'must be set together with the other S3 key');
  }
  return {
    kind: 's3',
    bucket,
    prefix: prefix ? `${prefix}/` : '',
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    credentials: env.S3_ACCESS_KEY_ID ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY as string } : undefined,
    // MinIO, moto and most self-hosted S3 servers want path-style URLs
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : env.S3_ENDPOINT !== undefined,
  };
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    const received = source[variable];
    const shown = received === undefined || /SMTP_URL|DATABASE_URL|REDIS_URL|SECRET/.test(variable) ? '' : ` (got "${received}")`;
    throw new ConfigError(variable, `${issue.message}${shown}`);
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production' && env.UNSUBSCRIBE_SECRET === undefined) {
    throw new ConfigError('UNSUBSCRIBE_SECRET', 'is required in production (a random string of at least 32 characters)');
  }
  const dataDir = path.resolve(env.DATA_DIR);
  const storageDir = env.REPORTS_STORAGE && !env.REPORTS_STORAGE.startsWith('s3://') ? env.REPORTS_STORAGE : undefined;
  const reportsDir = path.resolve(storageDir ?? env.REPORTS_DIR ?? path.join(dataDir, 'reports'));
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json'),
    dataDir,
    api: {
      host: env.API_HOST,
      port: env.PORT,
      appUrl: env.APP_URL.replace(/\/$/, ''),
      jsonBodyLimit: env.JSON_BODY_LIMIT,
      tokenTtlHours: env.TOKEN_TTL_HOURS,
      trustProxy: env.TRUST_PROXY,
    },
    database: {
      ...(env.DATABASE_URL
        ? { client: 'mysql2' as const, url: env.DATABASE_URL }
        : { client: 'better-sqlite3' as const, filename: path.resolve(env.SQLITE_FILE ?? path.join(dataDir, 'helpdesk.sqlite')) }),
      acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      cliPath: env.TEMPORAL_CLI_PATH,
      devPort: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: (env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
      workflowBundlePath: env.WORKFLOW_BUNDLE_PATH,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      smtpMaxConnections: env.SMTP_MAX_CONNECTIONS,
      from: env.MAIL_FROM,
      outboxDir: path.resolve(env.MAIL_OUTBOX_DIR ?? path.join(dataDir, 'outbox')),
      redeliveryHours: env.MAIL_REDELIVERY_HOURS,
      timeZone: env.MAIL_TIMEZONE,
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET,
      unsubscribeLinkDays: env.UNSUBSCRIBE_LINK_DAYS,
      coalesceSeconds: env.NOTIFY_COALESCE_SECONDS,
    },
    reports: {
      dir: reportsDir,
      pdfMaxRows: env.REPORT_PDF_MAX_ROWS,
      maxRunningPerUser: env.REPORTS_MAX_RUNNING_PER_USER,
      exportMaxRowsPerSecond: env.REPORT_EXPORT_MAX_ROWS_PER_SECOND,
      storage: reportStorageConfig(env, reportsDir),
    },
    workers: {
      concurrency: {
        default: env.WORKER_CONCURRENCY_DEFAULT,
        notifications: env.WORKER_CONCURRENCY_NOTIFICATIONS,
        reports: env.WORKER_CONCURRENCY_REPORTS,
      },
      healthPort: env.WORKER_HEALTH_PORT,
    },
    retention: {
      activityLogDays: env.RETENTION_ACTIVITY_LOG_DAYS,
      failedJobDays: env.RETENTION_FAILED_JOB_DAYS,
      reportDays: env.RETENTION_REPORT_DAYS,
      metricsDays: env.RETENTION_METRICS_DAYS,
    },
    metrics: {
      flushSeconds: env.METRICS_FLUSH_SECONDS,
      token: env.METRICS_TOKEN,
      workerPort: env.WORKER_METRICS_PORT,
      workerHost: env.WORKER_METRICS_HOST,
    },
    tracing: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT },
    cleanup: { cron: env.CLEANUP_CRON.trim(), batchSize: env.CLEANUP_BATCH_SIZE, catchupMinutes: env.CLEANUP_CATCHUP_MINUTES },
    alerts: {
      failedJobsThreshold: env.ALERT_FAILED_JOBS_THRESHOLD,
      failedJobsWindowMinutes: env.ALERT_FAILED_JOBS_WINDOW_MINUTES,
      waitP95Seconds: env.ALERT_WAIT_P95_SECONDS,
      waitWindowMinutes: env.ALERT_WAIT_WINDOW_MINUTES,
      noPollerSeconds: env.ALERT_NO_POLLER_SECONDS,
      deadLettersThreshold: env.ALERT_DEAD_LETTERS_THRESHOLD,
      emailTo: env.ALERT_EMAIL_TO?.split(',').map((address) => address.trim().toLowerCase()),
      webhookUrl: env.ALERT_WEBHOOK_URL,
      checkIntervalSeconds: env.ALERT_CHECK_INTERVAL_SECONDS,
    },
    rateLimits: {
      loginMax: env.RATE_LIMIT_LOGIN_MAX,
      loginAddressMax: env.RATE_LIMIT_LOGIN_IP_MAX,
      loginWindowSeconds: env.RATE_LIMIT_LOGIN_WINDOW_SECONDS,
      jobsMax: env.RATE_LIMIT_JOBS_MAX,
      jobsWindowSeconds: env.RATE_LIMIT_JOBS_WINDOW_SECONDS,
      redisUrl: env.REDIS_URL,
    },
    temporalUi: {
      sessionMinutes: env.TEMPORAL_UI_SESSION_MINUTES,
      proxyPort: env.TEMPORAL_UI_PROXY_PORT,
      upstream: (env.TEMPORAL_UI_UPSTREAM ?? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
    },
  };
}

/** The Temporal address to dial: the configured cluster, or the embedded dev server. */
export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
}
