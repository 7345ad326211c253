import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, temporalAddress, type Config } from '../config';
import { DEMO_LOGINS, DEMO_PASSWORD } from '../db/seed-demo';
import { ALL_TASK_QUEUES } from '../jobs/contract';
import { PROJECT_ROOT, resolveTemporalCli } from '../temporal/cli-resolver';
import { launchDevServer } from '../temporal/dev-server';
import { DEV_MAILBOX_PATH, devMailboxEnabled } from '../dev-mailbox/dev-mailbox';
import { ChildProcessSupervisor, TYPESCRIPT_NODE_ARGS } from './child-process-supervisor';

const say = (line: string) => console.log(`[start] ${line}`);

function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Runs a TypeScript entry point of the project to its end; its output, or why it failed. */
async function runOnce(entry: string, args: string[] = []): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [...TYPESCRIPT_NODE_ARGS, path.join(PROJECT_ROOT, entry), ...args], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const failed = err as { stderr?: string; stdout?: string; message: string };
    throw new Error((failed.stderr || failed.stdout || failed.message).trim().replace(/^error: /, ''));
  }
}

/** Migrates, seeds the demo data into an empty database; true when the demo logins exist (seeded now or earlier). */
async function prepareDemoDatabase(): Promise<boolean> {
  const lines = (await runOnce(path.join('src', 'cli', 'prepare-demo-database.ts'))).trim().split('\n');
  for (const line of lines.slice(0, -1)) say(line);
  return lines.at(-1) === 'demo-logins: yes';
}

async function waitForApi(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function printWelcome(config: Config, apiUrl: string, demoLogins: boolean): void {
  const lines = [
    '',
    'Help desk jobs are running.',
    `  API          ${apiUrl}`,
    `  Temporal UI  ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`,
    `  Database     ${config.database.client === 'mysql2' ? 'MySQL (DATABASE_URL)' : config.database.filename}`,
    `  E-mail       ${config.mail.smtpUrl ? 'SMTP (SMTP_URL)' : `outbox folder ${config.mail.outboxDir}`}`,
    ...(devMailboxEnabled(config) ? [`  Mailbox      ${apiUrl}${DEV_MAILBOX_PATH}  (sign in as an admin; mail to @fail.test is refused, to @tempfail.test deferred)`] : []),
    '',
    ...(demoLogins
      ? [`Demo logins (password "${DEMO_PASSWORD}"):`, ...DEMO_LOGINS.map((login) => `  ${login.email.padEnd(24)} ${login.role}`)]
      : ['No demo logins: this database was not empty, so the demo seed was skipped.', 'Create a token for a user with: npm run token -- --email user@example.com']),
    '',
    'Start a workflow (then look for it in the Temporal UI):',
    `  TOKEN=$(curl -s ${apiUrl}/api/auth/login -H 'content-type: application/json' \\`,
    `    -d '{"email":"admin@helpdesk.test","password":"${DEMO_PASSWORD}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`,
    `  curl -s ${apiUrl}/api/admin/cleanup/runs -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"dryRun":true}'`,
    '',
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));
}

/**
 * One workflow bundle for the workers (instead of compiling the workflows at each worker start), unless
 * WORKFLOW_BUNDLE_PATH names one. Built in a short-lived process: the bundler (webpack) would otherwise stay in
 * this process's memory for as long as the stack runs.
 */
async function workflowBundleFor(config: Config): Promise<string> {
  if (config.temporal.workflowBundlePath) return config.temporal.workflowBundlePath;
  say('bundling the workflows');
  const file = path.join(config.dataDir, 'workflow-bundle.js');
  await runOnce(path.join('workers', 'build-bundle.ts'), [file]).catch((err: Error) => {
    throw new Error(`bundling the workflows failed: ${err.message}`);
  });
  return file;
}

/** `npm start`: dev server (unless TEMPORAL_ADDRESS is set), database, one worker process for every queue, the API. */
let devServer: { stop(): Promise<void> } | undefined;
/** set while the dev server is first starting, so a Ctrl-C meanwhile still stops it */
let devServerStarting: Promise<{ stop(): Promise<void> }> | undefined;

async function stopDevServer(): Promise<void> {
  const server = devServer ?? (await devServerStarting?.catch(() => undefined));
  await server?.stop();
}
let supervisor: ChildProcessSupervisor | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });

  // the children's environment: WORKFLOW_BUNDLE_PATH joins it once the bundle is built, before any child starts
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(config) };
  const children = new ChildProcessSupervisor(childEnv, say);
  supervisor = children;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`${signal}: stopping workers and API`);
    await children.stopAll();
    if (devServer || devServerStarting) {
      say('stopping the Temporal dev server');
      await stopDevServer();
    }
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (!config.temporal.address) {
    for (const port of [config.temporal.devPort, config.temporal.uiPort]) {
      if (!(await portIsFree(port))) throw new Error(`port ${port} is in use: stop what holds it, or set TEMPORAL_DEV_PORT / TEMPORAL_UI_PORT`);
    }
    const cli = resolveTemporalCli({ cliPath: config.temporal.cliPath, log: say });
    say(`starting the Temporal dev server (${cli.kind === 'path' ? cli.path : 'SDK download'})`);
    // supervised like the workers and the API: started again on the same port, from the same state file, if it dies
    devServerStarting = children.superviseService('the Temporal dev server', () =>
      launchDevServer({
        cli,
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        dbFile: path.join(config.dataDir, 'temporal.sqlite'),
        namespaces: config.temporal.namespace === 'default' ? [] : [config.temporal.namespace],
        logFile: path.join(config.dataDir, 'temporal.log'),
      }),
    );
    devServer = await devServerStarting;
  }
  if (shuttingDown) return;

  say('migrating the database');
  const [bundle, demoLogins] = await Promise.all([workflowBundleFor(config), prepareDemoDatabase()]);
  childEnv.WORKFLOW_BUNDLE_PATH = bundle;
  if (shuttingDown) return;

  // one worker process runs every queue here (one Temporal runtime, one set of modules); production runs one per queue
  children.start([
    { name: `worker:${ALL_TASK_QUEUES.join(',')}`, entry: path.join(PROJECT_ROOT, 'workers', 'all-queues.ts') },
    { name: 'api', entry: path.join(PROJECT_ROOT, 'src', 'api', 'server.ts') },
  ]);

  const apiUrl = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
  if (await waitForApi(apiUrl, 90_000)) printWelcome(config, apiUrl, demoLogins);
  else say(`the API did not become ready at ${apiUrl}/ready within 90 s; see the logs above`);
}

main().catch(async (err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  await supervisor?.stopAll();
  await stopDevServer();
  process.exit(1);
});
