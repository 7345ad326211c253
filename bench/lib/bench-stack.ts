import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { syncRolesAndPermissions } from '../../src/auth/permissions';
import { createAuthService } from '../../src/auth/auth-service';
import { loadConfig } from '../../src/config';
import type { TaskQueueName } from '../../src/jobs/contract';
import { createDb, ensureMysqlDatabase, migrateLatest, type Db } from '../../src/db/knex';
import { createRepositories } from '../../src/db/repositories';
import { PROJECT_ROOT, resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server';
import type { BenchContext } from './suite';

/** Pieces the API and memory suites share: a dev server, the bench database, the project's processes. */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = (server.address() as net.AddressInfo);
      server.close(() => resolve(port));
    });
  });
}

/** A headless in-memory Temporal dev server (the project's resolver, search attributes registered). */
export async function benchDevServer(): Promise<RunningDevServer> {
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });
  return startDevServer({ cli, port: await freePort() });
}

/** The environment that points the project's processes at the bench database (never DATABASE_URL's). */
export function databaseEnv(ctx: Pick<BenchContext, 'database'>): NodeJS.ProcessEnv {
  return ctx.database.client === 'mysql2'
    ? { DATABASE_URL: ctx.database.url, SQLITE_FILE: undefined }
    : { DATABASE_URL: undefined, SQLITE_FILE: ctx.database.filename };
}

/** The process environment with these variables set, and those given as undefined removed. */
export function envWith(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** The bench database migrated, with the roles and permissions; the caller closes it. */
export async function benchDatabase(ctx: Pick<BenchContext, 'database'>): Promise<Db> {
  const config = loadConfig(envWith({ ...databaseEnv(ctx), LOG_LEVEL: 'warn' }));
  if (config.database.client === 'mysql2') await ensureMysqlDatabase(config.database.url);
  const db = createDb(config.database);
  await migrateLatest(db);
  await syncRolesAndPermissions(db);
  return db;
}

/** A company, an agent of it with a personal token, and a ticket of the company (made once, reused by later runs). */
export async function benchAgentAndTicket(db: Db): Promise<{ token: string; agentId: number; ticketId: number; companyId: number }> {
  const repos = createRepositories(db);
  let company = await db('companies').where({ name: 'Bench Company' }).first('id');
  if (!company) company = { id: (await repos.companies.create('Bench Company')).id };
  const companyId = Number(company.id);
  const userIds: Record<'agent' | 'client', number> = { agent: 0, client: 0 };
  for (const role of ['agent', 'client'] as const) {
    const email = `bench-${role}@example.test`;
    const existing = await db('users').where({ email }).first('id');
    userIds[role] = existing ? Number(existing.id) : (await repos.users.create({ email, name: `Bench ${role}`, role, companyId, passwordHash: 'x' })).id;
  }
  let ticket = await db('tickets').where({ company_id: companyId, subject: 'Bench enqueue ticket' }).first('id');
  if (!ticket) {
    ticket = await repos.tickets.create({
      companyId,
      requesterId: userIds.client,
      assigneeId: userIds.agent,
      subject: 'Bench enqueue ticket',
      description: 'Target of the enqueue benchmark',
      status: 'open',
      priority: 'normal',
    });
  }
  const { token } = await createAuthService(repos, { tokenTtlHours: 1 }).createPersonalToken('bench-agent@example.test', 'bench', 1);
  return { token, agentId: userIds.agent, ticketId: Number(ticket.id), companyId };
}

export interface ProjectProcess {
  child: ChildProcess;
  /** everything it printed so far */
  output(): string;
  /** SIGINT (SIGKILL after the grace period) and wait for the exit */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a project process in its own process group, its output going to a file (not a pipe into the bench process,
 * which also runs the baselines and must not spend time reading logs).
 */
export function startProjectProcess(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ProjectProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  const output = () => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output,
    async stop(graceMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const pid = child.pid as number;
      try {
        process.kill(-pid, 'SIGINT');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s\n${describe().slice(-3000)}`);
}

export const TSX_CJS = ['--require', require.resolve('tsx/cjs')];
export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);

/**
 * dist/ is older than a source file (or missing): `npm run build` first, so a figure of the production build
 * (`node dist/...`, as the image runs it) is of the current code.
 */
export function ensureProductionBuild(log: (line: string) => void): void {
  const built = projectPath('dist', 'workers', 'notifications.js');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const newer = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return newer(file);
      return entry.name.endsWith('.ts') && fs.statSync(file).mtimeMs > builtAt;
    });
  if (builtAt > 0 && !['src', 'workers', 'activities', 'workflows', 'migrations'].some((dir) => newer(projectPath(dir)))) return;
  log('dist/ is missing or older than the sources; npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: projectPath(), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${(result.stdout + result.stderr).slice(-3000)}`);
}

/** The docker-compose services of the app's own processes. */
export type AppService = 'api' | `worker-${TaskQueueName}`;

/**
 * The NODE_OPTIONS a production process runs with: its docker-compose service's own when it sets one (the API and the
 * reports worker do), else the image's (Dockerfile `ENV NODE_OPTIONS=…`; the README's commands set the same).
 */
export function productionNodeOptions(service: AppService): string | undefined {
  const compose = parseYaml(fs.readFileSync(projectPath('docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string | null> }>;
  };
  const own = compose.services[service]?.environment?.NODE_OPTIONS;
  if (typeof own === 'string') return own;
  return /^ENV NODE_OPTIONS=(\S+)$/m.exec(fs.readFileSync(projectPath('Dockerfile'), 'utf8'))?.[1];
}
