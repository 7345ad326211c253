import fs from 'node:fs';
import path from 'node:path';
import { dropMysqlDatabase } from '../../src/db/knex';

/** What the global setup hands to every jest worker through the environment. */
export interface TestRunEnv {
  runId: string;
  tmpDir: string;
  temporalAddress: string;
  workflowBundlePath: string;
  /** mysql URL of the server to create per-worker databases on; absent for SQLite */
  mysqlBaseUrl?: string;
}

const KEY = 'HELPDESK_TEST_RUN';

export function writeTestRunEnv(env: TestRunEnv): void {
  process.env[KEY] = JSON.stringify(env);
}

export function readTestRunEnv(): TestRunEnv {
  const raw = process.env[KEY];
  if (!raw) throw new Error('the jest global setup did not run (HELPDESK_TEST_RUN is unset)');
  return JSON.parse(raw) as TestRunEnv;
}

export function jestWorkerId(): number {
  return Number(process.env.JEST_WORKER_ID ?? '1');
}

/** Each jest worker gets its own Temporal namespace and database, so files running in parallel never share queues. */
export function workerNamespace(): string {
  return `test-w${jestWorkerId()}`;
}

export function workerDatabaseUrl(env: TestRunEnv): string | undefined {
  if (!env.mysqlBaseUrl) return undefined;
  const url = new URL(env.mysqlBaseUrl);
  url.pathname = `/hd_${env.runId}_w${jestWorkerId()}`;
  return url.toString();
}

export function workerSqliteFile(env: TestRunEnv): string {
  return path.join(env.tmpDir, `db-w${jestWorkerId()}.sqlite`);
}

export const MAX_JEST_WORKERS = 4;

/**
 * The environment for a database of a file's own (a MariaDB schema or an SQLite file beside this worker's), so
 * nothing another file left running on this worker's database (a worker process, a scheduled job) can touch its
 * rows. `drop` removes it again.
 */
export function ownDatabase(name: string): { env: Record<string, string>; drop(): Promise<void> } {
  if (!/^\w+$/.test(name)) throw new Error(`invalid database name suffix "${name}"`);
  const run = readTestRunEnv();
  const mysqlUrl = workerDatabaseUrl(run);
  if (mysqlUrl) {
    const url = new URL(mysqlUrl);
    url.pathname = `${url.pathname}_${name}`;
    const databaseUrl = url.toString();
    return {
      env: { DATABASE_URL: databaseUrl },
      drop: () => dropMysqlDatabase(databaseUrl),
    };
  }
  const file = path.join(run.tmpDir, `db-w${jestWorkerId()}-${name}.sqlite`);
  return { env: { SQLITE_FILE: file }, drop: async () => fs.rmSync(file, { force: true }) };
}
