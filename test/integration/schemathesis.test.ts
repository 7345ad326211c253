import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ALL_TASK_QUEUES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { startTestSystem, type TestSystem } from '../support/system';

/**
 * schemathesis (pinned, installed into .tools by .ci/run) against the real API on MariaDB, with the real
 * Temporal dev server and workers for every queue: its default checks (no server error, status codes, content
 * types, headers and response schemas as documented, ...), the documented examples, generated positive and negative
 * cases, and stateful runs along the document's links (report requested → read → downloaded → deleted).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMATHESIS = path.join(ROOT, '.tools', 'bin', 'schemathesis');
export const SCHEMATHESIS_VERSION = '4.32.5';
/** cases per operation, and seconds per run (fuzzing and stateful runs repeat until spent): the three runs take about 3 minutes */
const MAX_EXAMPLES = 25;
const MAX_SECONDS_PER_RUN = 80;
const MAX_SECONDS_LOGOUT = 20;

interface Run {
  code: number | null;
  output: string;
}

function runSchemathesis(baseUrl: string, token: string, operations: string[], seconds = MAX_SECONDS_PER_RUN): Promise<Run> {
  const args = [
    '--config-file',
    path.join(ROOT, 'schemathesis.toml'),
    'run',
    `${baseUrl}/api/openapi.json`,
    '--header',
    `Authorization: Bearer ${token}`,
    '--max-examples',
    String(MAX_EXAMPLES),
    '--max-time',
    String(seconds),
    // one worker: hypothesis under Python 3.11 can trip over its own lambda introspection from several threads
    '--workers',
    '1',
    '--seed',
    String(Number(process.env.SCHEMATHESIS_SEED ?? Date.now() % 1_000_000)),
    '--generation-database',
    'none',
    '--no-color',
    ...operations,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_REPORT_DIR: '' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the schemathesis tool', () => {
  it('is installed in the tool venv at the pinned version', () => {
    const result = spawnSync(SCHEMATHESIS, ['--version'], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout).toContain(`version ${SCHEMATHESIS_VERSION}`);
  });
});

// schemathesis needs the real MariaDB stack; the SQLite run is covered by the contract checks in every HTTP test
if (process.env.DATABASE_URL) {
  describe('schemathesis against the real API on MariaDB, with the dev server and workers', () => {
    let system: TestSystem;
    let world: World;

    beforeAll(async () => {
      // the job-start budget would answer most generated job requests 429 (documented, but nothing past it is tested)
      system = await startTestSystem({ queues: [...ALL_TASK_QUEUES], rateLimits: { jobStartsPerWindow: 1_000_000 } });
      world = await createWorld(system.repos, system.auth);
    }, 120_000);

    afterAll(async () => {
      await system?.stop();
    });

    const expectClean = (run: Run) => {
      if (run.code !== 0) console.log(run.output);
      expect({ exitCode: run.code, tail: run.output.split('\n').slice(-40).join('\n') }).toEqual(expect.objectContaining({ exitCode: 0 }));
    };

    it('finds no failure with an admin token on every operation but logout (which would revoke it)', async () => {
      expectClean(await runSchemathesis(system.baseUrl, world.tokens.admin, ['--exclude-operation-id', 'logout']));
    }, 200_000);

    it('finds no failure with a client token on every operation but logout', async () => {
      expectClean(await runSchemathesis(system.baseUrl, world.tokens.clientA, ['--exclude-operation-id', 'logout']));
    }, 200_000);

    it('finds no failure on logout, with a token of its own', async () => {
      const { token } = await system.auth.createPersonalToken(world.agent.email, 'schemathesis-logout', 1);
      // no links lead to or from logout: no stateful phase for it alone
      const phases = ['--phases', 'examples,coverage,fuzzing'];
      expectClean(await runSchemathesis(system.baseUrl, token, ['--include-operation-id', 'logout', ...phases], MAX_SECONDS_LOGOUT));
    }, 200_000);
  });
}
