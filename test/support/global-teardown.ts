import fs from 'node:fs';
import { dropMysqlDatabase } from '../../src/db/knex';
import { MAX_JEST_WORKERS, readTestRunEnv } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const env = readTestRunEnv();
  await globalThis.__helpdeskDevServer?.stop();
  if (env.mysqlBaseUrl) {
    for (let worker = 1; worker <= MAX_JEST_WORKERS; worker++) {
      const url = new URL(env.mysqlBaseUrl);
      url.pathname = `/hd_${env.runId}_w${worker}`;
      await dropMysqlDatabase(url.toString());
    }
  }
  fs.rmSync(env.tmpDir, { recursive: true, force: true });
}
