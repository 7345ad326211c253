import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/observability/metrics/worker-wiring';
import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import { freePort } from './ports';
import { MAX_JEST_WORKERS, writeTestRunEnv } from './test-env';

declare global {
  var __helpdeskDevServer: RunningDevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-test-'));
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, log: (line) => console.log(line) });
  const namespaces = Array.from({ length: MAX_JEST_WORKERS }, (_, i) => `test-w${i + 1}`);
  const [server, bundle] = await Promise.all([
    freePort().then((port) =>
      startDevServer({ cli, port, namespaces, logFile: path.join(tmpDir, 'temporal.log') }),
    ),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quietBundlerLogger }),
  ]);
  globalThis.__helpdeskDevServer = server;
  const workflowBundlePath = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);

  const databaseUrl = process.env.DATABASE_URL?.trim();
  writeTestRunEnv({
    runId,
    tmpDir,
    temporalAddress: server.address,
    workflowBundlePath,
    mysqlBaseUrl: databaseUrl ? databaseUrl : undefined,
  });
  console.log(`\ntests: Temporal dev server ${server.address}, database ${databaseUrl ? 'MySQL/MariaDB' : 'SQLite'}, run ${runId}`);
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
