import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');

/** Each probe is one import line in a workflow file (linted as workflows/index.ts); ESLint runs once over all of them. */
const probes = {
  nodePrefixed: "import { ok } from 'node:assert';",
  bareEvents: "import events from 'events';",
  bareZlib: "import { gzipSync } from 'zlib';",
  timersSubpath: "import { setTimeout } from 'timers/promises';",
  knex: "import knex from 'knex';",
  activityModule: "import { sendTicketNotification } from '../activities/notifications';",
  activitiesIndex: "import { createActivities } from '../activities';",
  activityTypes: "import type { Activities } from '../activities';",
  registry: "import { jobRegistry } from '../src/jobs/registry';",
  definition: "import { reportJob } from '../src/jobs/types/report/definition';",
  registryTypes: "import type { JobRegistry } from '../src/jobs/registry';",
  jobFolderWorkflow: "export { echoWorkflow } from '../src/jobs/types/echo/workflow';",
} as const;

type Probe = keyof typeof probes;
let rulesByProbe: Record<Probe, string[]>;

beforeAll(async () => {
  const names = Object.keys(probes) as Probe[];
  const source = `${names.map((name) => probes[name]).join('\n')}\nexport const used = [ok, events, gzipSync, setTimeout, knex, sendTicketNotification, createActivities, jobRegistry, reportJob];\nexport type Used = [Activities, JobRegistry];\n`;
  const eslint = path.join(root, 'node_modules/.bin/eslint');
  const run = promisify(execFile)(eslint, ['--format', 'json', '--stdin', '--stdin-filename', 'workflows/index.ts'], { cwd: root });
  run.child.stdin?.end(source);
  // exit code 1 means "problems found", which is what the probes are for
  const stdout = await run.then((r) => r.stdout).catch((err: { code?: number; stdout?: string }) => {
    if (err.code === 1 && err.stdout) return err.stdout;
    throw err;
  });
  const [result] = JSON.parse(stdout) as Array<{ messages: Array<{ line: number; ruleId: string | null; fatal?: boolean; message: string }> }>;
  // a parse failure would leave every probe without its rule: fail loudly instead
  const fatal = result.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`ESLint could not parse the probe: ${fatal.message}`);
  rulesByProbe = Object.fromEntries(names.map((name, index) => [name, result.messages.filter((m) => m.line === index + 1).map((m) => m.ruleId ?? 'parse')])) as Record<
    Probe,
    string[]
  >;
}, 240_000);

describe('lint rules for workflow code', () => {
  it.each(['nodePrefixed', 'bareEvents', 'bareZlib', 'timersSubpath'] as const)('refuses the Node built-in import %s', (probe) => {
    expect(rulesByProbe[probe]).toContain('no-restricted-imports');
  });

  it('refuses the I/O library knex', () => {
    expect(rulesByProbe.knex).toContain('no-restricted-imports');
  });

  it.each(['activityModule', 'activitiesIndex'] as const)('refuses the value import of activities %s', (probe) => {
    expect(rulesByProbe[probe]).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('accepts a type-only import of the activities', () => {
    expect(rulesByProbe.activityTypes).toEqual([]);
  });

  it.each(['registry', 'definition'] as const)('refuses the value import of the job registry %s (it pulls in every activity)', (probe) => {
    expect(rulesByProbe[probe]).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('accepts a type-only import of the job registry', () => {
    expect(rulesByProbe.registryTypes).toEqual([]);
  });

  it("lets the bundle entry export a job folder's workflow (the recipe's one export line)", () => {
    expect(rulesByProbe.jobFolderWorkflow).toEqual([]);
  });
});
