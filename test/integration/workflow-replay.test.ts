import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readTestRunEnv } from '../support/test-env';

// Recorded from real runs (completed, cancelled by DELETE mid-export, failed on the PDF cap) with
// handle.fetchHistory(): a change to generateReportWorkflow that would break report workflows already
// running fails here. Stored as binary protobuf because this install's @temporalio/common bundles a
// protobufjs whose JSON loader rejects @temporalio/proto types ("type must be a Type").
const HISTORIES = ['completed', 'cancelled', 'failed'];

it.each(HISTORIES)('replays the recorded %s generateReportWorkflow history without nondeterminism', async (name) => {
  const bytes = fs.readFileSync(path.join(__dirname, '..', 'histories', `generate-report-${name}.pb`));
  const history = temporal.api.history.v1.History.decode(bytes);
  expect(history.events.length).toBeGreaterThan(5);
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: readTestRunEnv().workflowBundlePath } }, history, `generate-report-${name}`),
  ).resolves.toBeUndefined();
});
