import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');

interface LintMessage {
  line: number;
  ruleId: string | null;
  fatal?: boolean;
  message: string;
}

/** Lints `source` as if it were the file `as` (which must exist, for the type-aware parser), one problem list per line. */
async function lintAs(as: string, source: string): Promise<LintMessage[]> {
  const eslint = path.join(root, 'node_modules/.bin/eslint');
  const run = promisify(execFile)(eslint, ['--format', 'json', '--stdin', '--stdin-filename', as], { cwd: root });
  run.child.stdin?.end(source);
  // exit code 1 means "problems found", which is what the probes are for
  const stdout = await run.then((r) => r.stdout).catch((err: { code?: number; stdout?: string }) => {
    if (err.code === 1 && err.stdout) return err.stdout;
    throw err;
  });
  const [result] = JSON.parse(stdout) as Array<{ messages: LintMessage[] }>;
  const fatal = result.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`ESLint could not parse the probe: ${fatal.message}`);
  return result.messages;
}

const rulesOnLine = (messages: LintMessage[], line: number) => messages.filter((m) => m.line === line).map((m) => m.ruleId);

describe('the layer rule: nothing below src/api imports src/api', () => {
  const probe = [
    "import { authOf } from '../api/request-context';",
    "import { createApp } from '../../src/api/app';",
    "import { notFound } from '../errors';",
    "import type { AuthContext } from '../auth/auth-context';",
    'export const used = [authOf, createApp, notFound];',
    'export type Used = AuthContext;',
  ].join('\n');
  let service: LintMessage[];
  let worker: LintMessage[];
  let route: LintMessage[];

  beforeAll(async () => {
    [service, worker, route] = await Promise.all([
      lintAs('src/notifications/ticket-events-service.ts', probe),
      lintAs('workers/activity-deps.ts', "import { createApp } from '../src/api/app';\nexport const used = [createApp];\n"),
      lintAs('src/api/routes/reports.ts', "import { authOf } from '../request-context';\nimport { validated } from '../middleware/validate';\nexport const used = [authOf, validated];\n"),
    ]);
  }, 240_000);

  it('refuses a service importing src/api, by relative path or through src/', () => {
    expect(rulesOnLine(service, 1)).toContain('no-restricted-imports');
    expect(rulesOnLine(service, 2)).toContain('no-restricted-imports');
  });

  it('lets a service import the domain errors and the auth context', () => {
    expect(rulesOnLine(service, 3)).toEqual([]);
    expect(rulesOnLine(service, 4)).toEqual([]);
  });

  it('refuses a worker importing src/api', () => {
    expect(rulesOnLine(worker, 1)).toContain('no-restricted-imports');
  });

  it('lets src/api import itself', () => {
    expect(route.map((m) => m.ruleId)).not.toContain('no-restricted-imports');
  });
});

describe('route files', () => {
  const routesDir = path.join(root, 'src/api/routes');
  const files = fs.readdirSync(routesDir).filter((name) => name.endsWith('.ts'));

  it.each(files)('%s takes typed values from validated() instead of casting request parts', (name) => {
    const source = fs.readFileSync(path.join(routesDir, name), 'utf8');
    expect(source).not.toMatch(/as z\.infer/);
    expect(source).not.toMatch(/as unknown as/);
  });
});
