import path from 'node:path';

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
