import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TYPESCRIPT_NODE_ARGS } from '../../src/cli/child-process-supervisor';

const ROOT = path.resolve(__dirname, '../..');
const START = path.join(ROOT, 'src/cli/start.ts');

/** The project modules `npm start`'s supervisor (src/cli/start.ts) imports, read from its import lines. */
function supervisorImports(): string[] {
  const source = fs.readFileSync(START, 'utf8');
  return [...source.matchAll(/^import [^;]*? from '(\.{1,2}\/[^']+)';$/gm)].map((m) => path.resolve(path.dirname(START), m[1]));
}

/** The npm packages a fresh process has loaded after requiring `modules`. */
function packagesLoadedBy(modules: string[]): string[] {
  const script = `
    for (const m of ${JSON.stringify(modules)}) require(m);
    const names = new Set(Object.keys(require.cache).filter((k) => k.includes('/node_modules/')).map((k) => k.replace(/.*\\/node_modules\\/((@[^/]+\\/)?[^/]+).*/, '$1')));
    process.stdout.write(JSON.stringify([...names]));`;
  return JSON.parse(execFileSync(process.execPath, [...TYPESCRIPT_NODE_ARGS, '-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
}

describe('the npm start supervisor stays small', () => {
  it('loads no Temporal SDK package: the dev server is started and asked for its health through the CLI', () => {
    const modules = supervisorImports();
    expect(modules).toContain(path.join(ROOT, 'src/temporal/dev-server'));
    const loaded = packagesLoadedBy(modules);
    // the probe itself works: the supervisor's own dependencies are seen
    expect(loaded).toContain('tsx');
    expect(loaded.filter((name) => name.startsWith('@temporalio/'))).toEqual([]);
  });
});
