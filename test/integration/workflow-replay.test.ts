import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createActivities } from '../../activities';
import type { CleanupResult } from '../../src/jobs/contract';
import { jobRegistry } from '../../src/jobs/registry';
import * as workflows from '../../workflows';
import { startTestSystem, type TestSystem } from '../support/system';
import { readTestRunEnv } from '../support/test-env';

// Histories in the SDK's JSON format (`temporal workflow show --output json`, historyToJSON), recorded by
// `npm run histories:capture`: a change to a workflow that would break executions already running fails here.
// A file named `<workflow>-<path>.pre-<patch>.json` is the history from before patched('<patch>'): it stays
// until the patch is deprecated (CONTRIBUTING.md, "Changing a workflow").
const DIR = path.join(__dirname, '..', 'histories');

/** a history as JSON, or as the proto objects fetchHistory() answers with */
interface HistoryJson {
  events: Array<Record<string, any>>;
}

interface RecordedHistory {
  file: string;
  workflowType: string | undefined;
  history: HistoryJson;
}

function loadHistories(): RecordedHistory[] {
  return fs
    .readdirSync(DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as HistoryJson;
      return { file, workflowType: history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, history };
    });
}

/** cleanupOldDataWorkflow → cleanup-old-data */
function fileStem(workflowType: string): string {
  return workflowType.replace(/Workflow$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

async function replay(histories: Array<{ workflowId: string; history: unknown }>): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  const options = { workflowBundle: { codePath: readTestRunEnv().workflowBundlePath } };
  for await (const result of Worker.runReplayHistories(options, histories)) results.push(result);
  return results;
}

function activityTypes(history: HistoryJson): string[] {
  return history.events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

function patchMarkers(history: HistoryJson): string[] {
  return history.events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => {
      const [payload] = e.markerRecordedEventAttributes.details['patch-data'].payloads;
      const data = typeof payload.data === 'string' ? Buffer.from(payload.data, 'base64') : Buffer.from(payload.data as Uint8Array);
      return (JSON.parse(data.toString('utf8')) as { id: string }).id;
    });
}

const HISTORIES = loadHistories();

it('every workflow exported from workflows/index.ts has a recorded history, and each file is named after its workflow', () => {
  const exported = Object.entries(workflows).flatMap(([name, value]) => (typeof value === 'function' ? [name] : []));
  expect(exported.length).toBeGreaterThanOrEqual(3);
  const recorded = new Set(HISTORIES.map((h) => h.workflowType));
  expect(exported.filter((name) => !recorded.has(name))).toEqual([]);
  const misnamed = HISTORIES.filter((h) => !h.workflowType || !h.file.startsWith(`${fileStem(h.workflowType)}-`)).map((h) => h.file);
  expect(misnamed).toEqual([]);
});

it('has recorded histories for every registered job type', () => {
  for (const { historyPrefix } of jobRegistry.definitions) {
    expect({ historyPrefix, recorded: HISTORIES.some((h) => h.file.startsWith(`${historyPrefix}-`)) }).toEqual({ historyPrefix, recorded: true });
  }
});

it('replays every recorded history with the current workflow code, without nondeterminism', async () => {
  expect(HISTORIES.length).toBeGreaterThanOrEqual(9);
  const results = await replay(HISTORIES.map(({ file, history }) => ({ workflowId: file, history })));
  expect(results.map((r) => r.workflowId)).toEqual(HISTORIES.map((h) => h.file));
  const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error?.message}`);
  expect(failures).toEqual([]);
}, 120_000);

it('fails a history whose commands the code no longer issues (the replay check can fail)', async () => {
  // a report history presented as a cleanup run: the code schedules planCleanup where the history has countReportRows
  const report = HISTORIES.find((h) => h.workflowType === 'generateReportWorkflow');
  expect(report).toBeDefined();
  const forged = structuredClone(report!.history);
  forged.events[0].workflowExecutionStartedEventAttributes.workflowType.name = 'cleanupOldDataWorkflow';
  const [result] = await replay([{ workflowId: 'forged', history: forged }]);
  expect(result.error).toBeInstanceOf(DeterminismViolationError);
}, 60_000);

it("keeps the cleanup real run from before patched('cleanup-real-run-skips-count') replaying beside the one recorded after it", () => {
  const before = HISTORIES.find((h) => h.file === 'cleanup-old-data-real-run.pre-cleanup-real-run-skips-count.json');
  const after = HISTORIES.find((h) => h.file === 'cleanup-old-data-real-run.json');
  expect(before && after).toBeTruthy();
  expect(activityTypes(before!.history)).toContain('countExpiredData');
  expect(patchMarkers(before!.history)).toEqual([]);
  expect(activityTypes(after!.history)).not.toContain('countExpiredData');
  expect(activityTypes(after!.history)).toContain('deleteExpiredRows');
  expect(patchMarkers(after!.history)).toEqual(['cleanup-real-run-skips-count']);
});

function localActivityTypes(history: HistoryJson): string[] {
  return history.events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map((e) => {
      const [payload] = e.markerRecordedEventAttributes.details.data.payloads;
      const data = typeof payload.data === 'string' ? Buffer.from(payload.data, 'base64') : Buffer.from(payload.data as Uint8Array);
      return (JSON.parse(data.toString('utf8')) as { activity_type: string }).activity_type;
    });
}

it("keeps every notification path from before patched('notification-resolve-local') replaying beside its new recording", () => {
  const before = HISTORIES.filter((h) => h.file.startsWith('ticket-notification-') && h.file.endsWith('.pre-notification-resolve-local.json'));
  expect(before.map((h) => h.file.replace('.pre-notification-resolve-local', '')).sort()).toEqual(
    HISTORIES.filter((h) => h.workflowType === 'ticketNotificationWorkflow' && !h.file.includes('.pre-')).map((h) => h.file).sort(),
  );
  expect(before.length).toBeGreaterThanOrEqual(5);
  for (const { file, history } of before) {
    const patchedBefore = patchMarkers(history).includes('notification-resolve-local');
    expect({ file, scheduled: activityTypes(history).includes('resolveNotificationRecipients'), patchedBefore, local: localActivityTypes(history) }).toEqual({
      file,
      scheduled: true,
      patchedBefore: false,
      local: [],
    });
    const after = HISTORIES.find((h) => h.file === file.replace('.pre-notification-resolve-local', ''))!.history;
    const patchedAfter = patchMarkers(after).includes('notification-resolve-local');
    expect({ file, scheduled: activityTypes(after).includes('resolveNotificationRecipients'), patchedAfter, local: localActivityTypes(after) }).toEqual({
      file,
      scheduled: false,
      patchedAfter: true,
      local: ['resolveNotificationRecipients'],
    });
  }
});

describe("cleanup runs started after patched('cleanup-real-run-skips-count')", () => {
  // a task queue of its own: no cleanup run another test file left behind reaches this worker
  const taskQueue = `replay-cleanup-${Date.now().toString(36)}`;
  let system: TestSystem;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    system = await startTestSystem({ api: false });
    connection = await NativeConnection.connect({ address: system.config.temporal.address as string });
    worker = await Worker.create({
      connection,
      namespace: system.config.temporal.namespace,
      taskQueue,
      workflowBundle: { codePath: readTestRunEnv().workflowBundlePath },
      activities: createActivities(system.activityDeps),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await system?.stop();
  });

  async function run(dryRun: boolean) {
    const handle = await system.jobs.client.workflow.start('cleanupOldDataWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-${dryRun ? 'dry' : 'real'}`,
      args: [{ dryRun }],
    });
    const result = (await handle.result()) as CleanupResult;
    return { result, history: (await handle.fetchHistory()) as HistoryJson };
  }

  it('a real run records the patch and never asks countExpiredData; a dry run still counts and records no patch', async () => {
    const real = await run(false);
    expect(real.result.dryRun).toBe(false);
    expect(patchMarkers(real.history)).toEqual(['cleanup-real-run-skips-count']);
    expect(activityTypes(real.history)).not.toContain('countExpiredData');
    expect(activityTypes(real.history)).toEqual(expect.arrayContaining(['planCleanup', 'deleteExpiredRows', 'deleteExpiredReports', 'recordCleanupRun']));

    const dry = await run(true);
    expect(dry.result.dryRun).toBe(true);
    expect(patchMarkers(dry.history)).toEqual([]);
    expect(activityTypes(dry.history)).toEqual(['planCleanup', 'countExpiredData', 'recordCleanupRun']);
  }, 60_000);
});
