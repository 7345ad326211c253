import fs from 'node:fs';
import path from 'node:path';
import type { ActivityDeps } from '../../activities/deps';
import { PERMISSIONS } from '../../src/auth/permissions';
import { ALL_TASK_QUEUES } from '../../src/jobs/contract';
import type { JobDefinition } from '../../src/jobs/job-definition';
import { createJobRegistry } from '../../src/jobs/registry';
import { queueActivities, SHUTDOWN_GRACE } from '../../workers/create-worker';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface RegistryCheckOptions {
  /** the names the workflow bundle exports */
  workflowExports: string[];
  historiesDir: string;
}

/** Stand-in dependencies: every property is callable and answers itself, so a factory can be built without I/O. */
function stubDeps(): ActivityDeps {
  const stub: unknown = new Proxy(function stub() {}, { get: () => stub, apply: () => stub });
  return stub as ActivityDeps;
}

/** Everything a job type needs to run, be retried and be replayed; each missing piece is one line. */
export function registryProblems(definitions: readonly JobDefinition[], options: RegistryCheckOptions): string[] {
  const problems: string[] = [];
  const histories = fs.existsSync(options.historiesDir) ? fs.readdirSync(options.historiesDir).filter((file) => file.endsWith('.json')) : [];
  try {
    createJobRegistry(definitions);
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const d of definitions) {
    const name = d.jobType || '(no jobType)';
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(d.jobType ?? '')) problems.push(`${name}: jobType must be 1-32 lower-case letters, digits, "_" or "-"`);
    if (!options.workflowExports.includes(d.workflowType)) problems.push(`${name}: the workflow bundle exports no ${d.workflowType}`);
    if (!(ALL_TASK_QUEUES as string[]).includes(d.taskQueue)) problems.push(`${name}: queue ${d.taskQueue} is not in TASK_QUEUES`);
    else {
      if (!fs.existsSync(path.join(PROJECT_ROOT, 'workers', `${d.taskQueue}.ts`))) problems.push(`${name}: no worker entry workers/${d.taskQueue}.ts`);
      if (!SHUTDOWN_GRACE[d.taskQueue]) problems.push(`${name}: no SHUTDOWN_GRACE for queue ${d.taskQueue}`);
    }
    if (typeof d.input?.safeParse !== 'function') problems.push(`${name}: no input schema`);
    if (typeof d.workflowId !== 'function' || typeof d.tags !== 'function') problems.push(`${name}: no workflowId or tags`);
    if (!d.permission || !(d.permission in PERMISSIONS)) problems.push(`${name}: permission ${String(d.permission)} is not in PERMISSIONS`);
    if (!d.retry) problems.push(`${name}: no dead-letter retry (give plan + notRetryableReason, or notRetryable with the reason)`);
    else if ('notRetryable' in d.retry) {
      if (!d.retry.notRetryable) problems.push(`${name}: notRetryable needs the reason admins see`);
    } else if (typeof d.retry.plan !== 'function' || typeof d.retry.notRetryableReason !== 'function') {
      problems.push(`${name}: its retry needs plan and notRetryableReason`);
    }
    if (typeof d.activities !== 'function') problems.push(`${name}: no activities factory`);
    else if (Object.keys(d.activities(stubDeps())).length === 0) problems.push(`${name}: its activities factory gives no activities`);
    if (!Number.isInteger(d.workflowTaskSlots) || d.workflowTaskSlots < 1) problems.push(`${name}: workflowTaskSlots must be a positive integer`);
    if (!d.historyPrefix || !histories.some((file) => file.startsWith(`${d.historyPrefix}-`))) {
      problems.push(`${name}: no recorded history ${d.historyPrefix ?? ''}-*.json in ${path.relative(PROJECT_ROOT, options.historiesDir)}`);
    }
  }
  for (const queue of new Set(definitions.map((d) => d.taskQueue))) {
    try {
      queueActivities(createJobRegistry(definitions.filter((d) => d.taskQueue === queue && typeof d.activities === 'function')), queue, stubDeps());
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}
