import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The production stack as docker-compose itself resolves it (anchors, merges, variables): Debian's
 * docker-compose 1.29 (apt-get install docker-compose; .ci/run installs it) validates and prints the file.
 * No container runs here: these are the rules a deployer relies on, read from the resolved file.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SECRETS = {
  MYSQL_PASSWORD: 'app-secret',
  MYSQL_ROOT_PASSWORD: 'root-secret',
  TEMPORAL_DB_PASSWORD: 'temporal-secret',
  UNSUBSCRIBE_SECRET: 'unsubscribe-secret-of-at-least-32-chars',
  SMTP_URL: 'smtp://mailpit:1025',
};
const SECRET_NAMES = Object.keys(SECRETS);

function compose(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in SECRETS) && !key.startsWith('WORKERS_')));
  return spawnSync('docker-compose', ['--project-directory', ROOT, '-f', path.join(ROOT, 'docker-compose.yml'), ...args], {
    cwd: ROOT,
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
}

interface Service {
  image?: string;
  build?: unknown;
  restart?: string;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: Array<string | { target: string; source: string; type: string }>;
  ports?: unknown[];
  profiles?: string[];
  deploy?: { replicas?: number };
}

function resolved(env: Record<string, string> = {}): Record<string, Service> {
  const result = compose(['config'], { ...SECRETS, ...env });
  if (result.error) throw new Error(`docker-compose is not installed (apt-get install docker-compose): ${result.error.message}`);
  if (result.status !== 0) throw new Error(result.stderr);
  return parse(result.stdout).services;
}

const APP_SERVICES = ['api', 'worker-default', 'worker-notifications', 'worker-reports'];
const ONE_SHOTS = ['migrate', 'temporal-schema', 'temporal-setup'];

describe('docker-compose.yml (the production stack)', () => {
  const services = resolved();
  const raw = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');

  it('validates with docker-compose (config -q), profiles, service_completed_successfully and deploy.replicas included', () => {
    const result = compose(['config', '-q'], SECRETS);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(compose(['--profile', 'mail', 'config', '-q'], SECRETS).status).toBe(0);
  });

  it.each(SECRET_NAMES)('refuses to start without %s (a required secret has no default), naming it', (name) => {
    const result = compose(['config', '-q'], { ...SECRETS, [name]: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`set ${name}`);
  });

  it('no secret has a default anywhere in the file', () => {
    for (const name of [...SECRET_NAMES, 'S3_SECRET_ACCESS_KEY', 'S3_ACCESS_KEY_ID', 'REDIS_URL']) {
      expect(raw).not.toMatch(new RegExp(`\\$\\{${name}:?-`));
    }
    for (const name of SECRET_NAMES) expect(raw).toMatch(new RegExp(`\\$\\{${name}:\\?`));
  });

  it('every image is pinned to a version (no latest, no bare name)', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[\w./-]+:v?\d+\.\d+(\.\d+)?$/) });
    }
  });

  it('Temporal runs as temporalio/server on PostgreSQL, after its schema job; not auto-setup, not MariaDB', () => {
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(raw).not.toMatch(/auto-setup|mariadb|mysql8/i);
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', POSTGRES_USER: 'temporal' });
    expect(services.temporal.depends_on).toMatchObject({
      postgresql: { condition: 'service_healthy' },
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(String(services['temporal-schema'].command)).toMatch(/temporal-sql-tool --plugin postgres12/);
  });

  it('the setup job creates the namespace with the failed-job retention and registers our four search attributes with their types', () => {
    const setup = services['temporal-setup'];
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    expect(setup.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
    expect(setup.environment).toMatchObject({ NAMESPACE: 'helpdesk', RETENTION: '30d' });
    expect(resolved({ RETENTION_FAILED_JOB_DAYS: '45' })['temporal-setup'].environment).toMatchObject({ RETENTION: '45d' });
    // compose writes a literal $ as $$
    const script = String(setup.command).replaceAll('$$', '$');
    expect(script).toMatch(/namespace create -n \$NAMESPACE --retention \$RETENTION/);
    expect(script).toMatch(/namespace update -n \$NAMESPACE --retention \$RETENTION/);
    expect(script).toContain('JobType:Keyword TicketId:Int CompanyId:Int RequestedBy:Int');
    // the app uses the namespace the setup job prepares
    for (const name of APP_SERVICES) expect(services[name].environment?.TEMPORAL_NAMESPACE).toBe(setup.environment?.NAMESPACE);
  });

  it.each(APP_SERVICES)('%s waits for migrate to finish, for a healthy Temporal and database, and for the namespace setup', (name) => {
    expect(services[name].depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
      mysql: { condition: 'service_healthy' },
      temporal: { condition: 'service_healthy' },
      'temporal-setup': { condition: 'service_completed_successfully' },
    });
    expect(services[name].command?.[0]).toBe('node');
    expect(String(services[name].command?.[1])).toMatch(/^dist\/.*\.js$/);
    expect(services[name].environment?.NODE_ENV).toBe('production');
  });

  it('every long-running service has a healthcheck; one-shots do not restart', () => {
    for (const [name, service] of Object.entries(services)) {
      if (ONE_SHOTS.includes(name)) {
        expect({ name, restart: service.restart }).toEqual({ name, restart: 'no' });
        continue;
      }
      expect({ name, healthcheck: service.healthcheck?.test?.length ?? 0 }).toEqual({ name, healthcheck: expect.any(Number) });
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
    }
    expect(services.api.healthcheck?.test.join(' ')).toContain('/ready');
    for (const name of APP_SERVICES.filter((n) => n.startsWith('worker-'))) {
      expect(services[name].healthcheck?.test.join(' ')).toContain(`:${services[name].environment?.WORKER_HEALTH_PORT}/health`);
    }
  });

  it('the help desk database is MySQL 8 with its own user; the app never connects as root', () => {
    expect(services.mysql.image).toMatch(/^mysql:8\./);
    for (const name of [...APP_SERVICES, 'migrate']) expect(services[name].environment?.DATABASE_URL).toMatch(/^mysql:\/\/helpdesk:app-secret@mysql:3306\/helpdesk$/);
  });

  it('the Temporal UI is read-only and unpublished; the API serves it through its authenticated gateway', () => {
    expect(services['temporal-ui'].environment).toMatchObject({ TEMPORAL_DISABLE_WRITE_ACTIONS: 'true' });
    expect(services['temporal-ui'].ports).toBeUndefined();
    expect(services.api.environment).toMatchObject({ TEMPORAL_UI_PROXY_PORT: '8234', TEMPORAL_UI_UPSTREAM: 'http://temporal-ui:8080' });
  });

  it('every path the app writes is on a volume (the image makes it the node user\'s)', () => {
    for (const name of [...APP_SERVICES, 'migrate']) {
      const env = services[name].environment ?? {};
      const targets = (services[name].volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
      for (const variable of ['DATA_DIR', 'REPORTS_DIR', 'MAIL_OUTBOX_DIR']) {
        const dir = env[variable] as string;
        expect({ name, variable, onVolume: targets.some((target) => dir === target || dir.startsWith(`${target}/`)) }).toEqual({ name, variable, onVolume: true });
      }
    }
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/chown -R node:node \/var\/lib\/helpdesk/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('each worker queue scales by one variable (WORKERS_<QUEUE>)', () => {
    expect(services['worker-notifications'].deploy?.replicas).toBe(2);
    const scaled = resolved({ WORKERS_DEFAULT: '2', WORKERS_NOTIFICATIONS: '5', WORKERS_REPORTS: '3' });
    expect(scaled['worker-default'].deploy?.replicas).toBe(2);
    expect(scaled['worker-notifications'].deploy?.replicas).toBe(5);
    expect(scaled['worker-reports'].deploy?.replicas).toBe(3);
  });

  it('the API and the reports worker keep a full-size young generation; the other workers the image\'s small one', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENV NODE_OPTIONS=--max-semi-space-size=2$/m);
    expect(services['worker-reports'].environment?.NODE_OPTIONS).toBe('--max-semi-space-size=16');
    expect(services.api.environment?.NODE_OPTIONS).toBe('--max-semi-space-size=16');
    // the override does not drop the shared settings it is merged with
    expect(services['worker-reports'].environment?.DATABASE_URL).toBe(services['worker-notifications'].environment?.DATABASE_URL);
    expect(services.api.environment?.DATABASE_URL).toBe(services['worker-notifications'].environment?.DATABASE_URL);
    for (const name of ['worker-default', 'worker-notifications']) {
      expect({ name, NODE_OPTIONS: services[name].environment?.NODE_OPTIONS }).toEqual({ name, NODE_OPTIONS: undefined });
    }
  });

  it('the mail profile adds a local SMTP catcher, off by default', () => {
    expect(services.mailpit.profiles).toEqual(['mail']);
    expect(services.mailpit.image).toMatch(/^axllent\/mailpit:/);
    for (const name of Object.keys(services).filter((n) => n !== 'mailpit')) expect({ name, profiles: services[name].profiles }).toEqual({ name, profiles: undefined });
  });

  it('the image runs compiled JavaScript on a supported Node LTS, without .env or dev tools', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const nodeLines = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(nodeLines.length).toBeGreaterThan(0);
    for (const major of nodeLines) expect([22, 24]).toContain(major);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).not.toMatch(/tsx/);
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.env.*', 'node_modules', '.git']));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tsx).toBeUndefined();
  });
});
