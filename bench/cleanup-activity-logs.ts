/**
 * Cleanup benchmark (not a test): deletes 1 000 000 old activity-log rows on MySQL/MariaDB in batches
 * while another connection keeps inserting, and reports insert latency before and during the cleanup.
 *
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/helpdesk_bench npm run bench:cleanup [-- --rows 1000000]
 *
 * Exits 1 when an insert waited more than 1 s during the cleanup, or any insert failed.
 */
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCleanupActivities } from '../activities/cleanup';
import { syncRolesAndPermissions } from '../src/auth/permissions';
import { loadConfig } from '../src/config';
import { createDb, ensureMysqlDatabase, migrateLatest } from '../src/db/knex';
import { createRepositories } from '../src/db/repositories';
import { createLogger } from '../src/logger';

const DAY = 86_400_000;
const MAX_INSERT_WAIT_MS = 1000;
const BENCH_WORKFLOW_ID = 'bench-cleanup';

/** Pass or fail, from the latencies of the inserts made during the cleanup and the count of failed inserts. */
export function insertVerdict(inserts: { latenciesMs: number[]; failures: number }): { ok: boolean; line: string } {
  const slowest = Math.max(0, ...inserts.latenciesMs);
  const waitedTooLong = slowest > MAX_INSERT_WAIT_MS;
  const ok = !waitedTooLong && inserts.failures === 0;
  return {
    ok,
    line:
      `${ok ? 'PASS' : 'FAIL'}: max insert wait during cleanup ${slowest.toFixed(1)} ms ` +
      `${waitedTooLong ? 'EXCEEDED' : 'stayed under'} ${MAX_INSERT_WAIT_MS} ms; ${inserts.failures} insert(s) failed`,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
  const rows = Number(values.rows);
  const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/helpdesk_bench' });
  if (config.database.client !== 'mysql2') throw new Error('this benchmark runs on MySQL/MariaDB: set DATABASE_URL');
  await ensureMysqlDatabase(config.database.url);
  const db = createDb(config.database, { max: 4 });
  const inserter = createDb(config.database, { max: 1 });
  await migrateLatest(db);
  await syncRolesAndPermissions(db);
  await db('activity_logs').where('action', 'like', 'bench.%').del();

  console.log(`inserting ${rows} activity-log rows older than 90 days…`);
  const seedStart = Date.now();
  const old = Date.now() - 120 * DAY;
  for (let done = 0; done < rows; ) {
    const n = Math.min(5000, rows - done);
    const batch = Array.from({ length: n }, (_, i) => ({
      user_id: null,
      action: 'bench.old',
      subject_type: 'ticket',
      subject_id: String(done + i),
      properties: null,
      created_at: new Date(old - ((done + i) % 100) * DAY),
    }));
    await db('activity_logs').insert(batch);
    done += n;
  }
  console.log(`  seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  const latencies = { before: [] as number[], during: [] as number[] };
  const failures = { before: 0, during: 0 };
  let phase: keyof typeof latencies = 'before';
  let stop = false;
  const insertLoop = (async () => {
    while (!stop) {
      const t = performance.now();
      const inPhase = phase;
      try {
        await inserter('activity_logs').insert({ user_id: null, action: 'bench.live', created_at: new Date() });
        latencies[inPhase].push(performance.now() - t);
      } catch (err) {
        failures[inPhase]++;
        console.error(`insert failed after ${(performance.now() - t).toFixed(0)} ms: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 5000));
  phase = 'during';

  const activities = createCleanupActivities({
    config,
    db,
    repos: createRepositories(db),
    logger: createLogger('silent'),
  } as Parameters<typeof createCleanupActivities>[0]);
  const plan = await activities.planCleanup({ dryRun: false });
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: BENCH_WORKFLOW_ID, runId: 'bench' } });
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  const started = Date.now();
  let slices = 0;
  for (let done = false; !done; slices++) {
    const step: { done: boolean } = await env.run(() =>
      activities.deleteExpiredRows({ table: 'activity_logs', cutoff: plan.cutoffs.activityLogs, batchSize: plan.batchSize }),
    );
    done = step.done;
  }
  const elapsed = (Date.now() - started) / 1000;
  stop = true;
  await insertLoop;

  const [left] = await db('activity_logs').where('action', 'bench.old').count<{ n: number }[]>({ n: '*' });
  const before = latencies.before.sort((a, b) => a - b);
  const during = latencies.during.sort((a, b) => a - b);
  console.log(`deleted ${rows - Number(left.n)} of ${rows} rows in ${elapsed.toFixed(1)} s: batches of ${plan.batchSize}, ${heartbeats} heartbeats, ${slices} activity call(s)`);
  console.log(`concurrent inserts: ${during.length} succeeded and ${failures.during} failed during the cleanup`);
  console.log(`insert latency before: p50 ${percentile(before, 50).toFixed(1)} ms, p99 ${percentile(before, 99).toFixed(1)} ms, max ${before.at(-1)?.toFixed(1)} ms`);
  console.log(`insert latency during: p50 ${percentile(during, 50).toFixed(1)} ms, p99 ${percentile(during, 99).toFixed(1)} ms, max ${during.at(-1)?.toFixed(1)} ms`);
  console.log(`p99 ratio during/before ${(percentile(during, 99) / Math.max(percentile(before, 99), 0.001)).toFixed(1)}x`);
  const verdict = insertVerdict({ latenciesMs: during, failures: failures.before + failures.during });
  console.log(verdict.line);
  await db('activity_logs').where('action', 'like', 'bench.%').del();
  await db('activity_logs').where({ action: 'cleanup.progress', subject_id: BENCH_WORKFLOW_ID }).del();
  await Promise.all([db.destroy(), inserter.destroy()]);
  if (!verdict.ok) process.exitCode = 1;
}

// imported by the tests for its verdict; run directly, it benchmarks
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
