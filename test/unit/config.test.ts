import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, envSchema, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.database.client).toBe('better-sqlite3');
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(config.mail.smtpUrl).toBeUndefined();
    expect(config.mail.smtpMaxConnections).toBe(3);
    expect(config.workers.concurrency).toEqual({ default: 3, notifications: 3, reports: 3 });
    expect(config.retention).toEqual({ activityLogDays: 90, failedJobDays: 30, reportDays: 7, metricsDays: 7 });
    expect(config.metrics).toEqual({ flushSeconds: 10, token: undefined, workerPort: undefined, workerHost: '127.0.0.1' });
    expect(config.tracing).toEqual({ otlpEndpoint: undefined });
    expect(config.cleanup).toEqual({ cron: '0 3 * * *', batchSize: 5000, catchupMinutes: 60 });
    expect(config.reports.pdfMaxRows).toBe(50_000);
    expect(config.database).toMatchObject({ acquireTimeoutMs: 5000, connectTimeoutMs: 5000, queryTimeoutMs: 5000 });
  });

  it('uses MySQL when DATABASE_URL is a mysql URL', () => {
    const config = loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/helpdesk' });
    expect(config.database).toMatchObject({ client: 'mysql2', url: 'mysql://root@127.0.0.1:3306/helpdesk' });
  });

  it.each([
    ['DATABASE_URL', 'nonsense'],
    ['PORT', 'eighty'],
    ['SMTP_URL', 'http://mail'],
    ['RETENTION_ACTIVITY_LOG_DAYS', '0'],
    ['RETENTION_FAILED_JOB_DAYS', '-3'],
    ['RETENTION_REPORT_DAYS', 'a week'],
    ['WORKER_CONCURRENCY_REPORTS', '0'],
    ['SMTP_MAX_CONNECTIONS', 'many'],
    ['CLEANUP_CRON', 'every night'],
    ['CLEANUP_CRON', '99 * * * *'],
    ['CLEANUP_CRON', '0 24 * * *'],
    ['CLEANUP_CRON', '0 3 * 13 *'],
    ['CLEANUP_CRON', '*/0 * * * *'],
    ['DB_ACQUIRE_TIMEOUT_MS', '0'],
    ['DB_QUERY_TIMEOUT_MS', 'soon'],
    ['DB_CONNECT_TIMEOUT_MS', '-1'],
    ['CLEANUP_CATCHUP_MINUTES', '-5'],
    ['LOG_LEVEL', 'loud'],
  ])('rejects %s=%s with an error naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it.each([
    ['0 0 3 * * *', 'seconds first: cron-parser reads 6 fields, a Temporal schedule would read a year'],
    ['0 0 3 * * * 2030', 'seconds and year'],
    ['@daily', 'a macro'],
    ['0 3 ? * *', '"?"'],
    ['0 3 L * *', 'last day of the month'],
    ['0 3 * * 5L', 'last Friday'],
    ['0 3 * * 1#2', 'second Monday'],
    ['H 3 * * *', 'a hashed minute'],
    ['0 3 1 * 1', 'both a day of the month and a weekday (OR in cron, AND in Temporal)'],
  ])('rejects CLEANUP_CRON=%s, which cron-parser accepts but a Temporal schedule would not run the same way (%s)', (value) => {
    expect(() => loadConfig({ CLEANUP_CRON: value })).toThrow(/^Invalid configuration: CLEANUP_CRON /);
  });

  it.each(['0 3 * * *', '*/15 * * * *', '30 2 1,15 * *', '0 4 * * mon-fri', '5-50/5 1-3 * jan-mar 0,6', '0 3 * * 7'])(
    'accepts CLEANUP_CRON=%s',
    (value) => {
      expect(loadConfig({ CLEANUP_CRON: value }).cleanup.cron).toBe(value);
    },
  );

  it('reads the database timeouts', () => {
    const config = loadConfig({ DB_ACQUIRE_TIMEOUT_MS: '1000', DB_CONNECT_TIMEOUT_MS: '2000', DB_QUERY_TIMEOUT_MS: '3000' });
    expect(config.database).toMatchObject({ acquireTimeoutMs: 1000, connectTimeoutMs: 2000, queryTimeoutMs: 3000 });
  });

  it('never echoes a rejected DATABASE_URL or SMTP_URL, which may hold a password', () => {
    for (const [variable, value] of [
      ['SMTP_URL', 'ftp://user:secret@mail'],
      ['DATABASE_URL', 'postgres://user:secret@db/x'],
    ]) {
      let message = '';
      try {
        loadConfig({ [variable]: value });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
      expect(message).not.toContain('secret');
    }
  });
});

describe('the settings documentation', () => {
  const root = path.resolve(__dirname, '../..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');

  it.each(Object.keys(envSchema.shape))('%s is in the README settings table and in .env.example', (variable) => {
    expect(readme).toMatch(new RegExp(`^\\|[^\\n]*\`${variable}\``, 'm'));
    expect(example).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
  });
});
