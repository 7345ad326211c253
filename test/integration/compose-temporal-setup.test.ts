import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { parse } from 'yaml';
import { resolveTemporalCli } from '../../src/temporal/cli-resolver';
import { readTestRunEnv } from '../support/test-env';

const ROOT = path.resolve(__dirname, '..', '..');

/** The temporal-setup job's script exactly as docker-compose.yml holds it ($$ is compose's escaped $). */
function setupScript(): string {
  const file = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const command = file.services['temporal-setup'].command as string[];
  expect(file.services['temporal-setup'].entrypoint).toEqual(['/bin/sh', '-ec']);
  return command[0].replaceAll('$$', '$');
}

function runSetup(namespace: string, retention: string) {
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });
  // the job calls `temporal` as admin-tools has it: the CLI binary on PATH (npm run temporal:install)
  if (cli.kind !== 'path') throw new Error('the Temporal CLI binary is needed on disk: npm run temporal:install');
  const result = spawnSync('/bin/sh', ['-ec', setupScript()], {
    env: {
      PATH: `${path.dirname(cli.path)}:${process.env.PATH}`,
      TEMPORAL_ADDRESS: readTestRunEnv().temporalAddress,
      NAMESPACE: namespace,
      RETENTION: retention,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`setup failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Runs the compose stack's namespace job against a real Temporal server (the tests' dev server). */
describe('the compose stack\'s temporal-setup job', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: readTestRunEnv().temporalAddress });
  });
  afterAll(() => connection?.close());

  it('creates the namespace with the retention and our four search attributes; run again it updates the retention and changes nothing else', async () => {
    const namespace = `compose-setup-${Date.now()}`;
    expect(runSetup(namespace, '45d')).toContain(`namespace ${namespace} ready`);

    const described = await connection.workflowService.describeNamespace({ namespace });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(45 * 86_400);
    const attributes = await connection.operatorService.listSearchAttributes({ namespace });
    const { INDEXED_VALUE_TYPE_KEYWORD: keyword, INDEXED_VALUE_TYPE_INT: int } = temporal.api.enums.v1.IndexedValueType;
    expect(attributes.customAttributes).toMatchObject({ JobType: keyword, TicketId: int, CompanyId: int, RequestedBy: int });

    runSetup(namespace, '30d');
    const again = await connection.workflowService.describeNamespace({ namespace });
    expect(Number(again.config?.workflowExecutionRetentionTtl?.seconds)).toBe(30 * 86_400);
    expect((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes).toMatchObject({ JobType: keyword, TicketId: int, CompanyId: int, RequestedBy: int });
  });
});
