import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { jobRegistry } from '../../src/jobs/registry';
import { readTestRunEnv } from '../support/test-env';

// Histories recorded from real runs with handle.fetchHistory(): a change to a workflow that would
// break executions already running fails here. Stored as binary protobuf because this install's
// @temporalio/common bundles a protobufjs whose JSON loader rejects @temporalio/proto types.
const DIR = path.join(__dirname, '..', 'histories');
const HISTORIES = fs.readdirSync(DIR).filter((name) => name.endsWith('.pb'));

it('has recorded histories for every registered job type', () => {
  expect(HISTORIES.length).toBeGreaterThanOrEqual(5);
  for (const { historyPrefix } of jobRegistry.definitions) {
    expect({ historyPrefix, recorded: HISTORIES.some((name) => name.startsWith(`${historyPrefix}-`)) }).toEqual({ historyPrefix, recorded: true });
  }
});

it.each(HISTORIES)('replays the recorded history %s without nondeterminism', async (file) => {
  const history = temporal.api.history.v1.History.decode(fs.readFileSync(path.join(DIR, file)));
  expect(history.events.length).toBeGreaterThan(5);
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: readTestRunEnv().workflowBundlePath } }, history, file.replace(/\.pb$/, '')),
  ).resolves.toBeUndefined();
});
