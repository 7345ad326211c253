import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { spawnWorkerProcess, startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { csvExpectedCells, download, expectedRows, parseCsv } from './reports-helpers';

const TICKETS = 12_000;

let sys: TestSystem;
let world: World;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // no in-process worker: the reports worker runs as its own OS process so it can be killed -9
  sys = await startTestSystem({ queues: [], env: { REPORT_EXPORT_MAX_ROWS_PER_SECOND: '2000' } });
  world = await createWorld(sys.repos, sys.auth);
  await seedBulkTickets(sys.db, { count: TICKETS, companyIds: [world.companyA.id], userIds: [world.agent.id, world.clientA.id], seed: 21 });
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sys?.stop();
});

function startWorker(): ChildProcess {
  const child = spawnWorkerProcess('reports', sys.env);
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

it('a reports worker killed mid-export and restarted still completes the report, never serving a partial file', async () => {
  const client = httpClient(sys.baseUrl, world.tokens.agent);
  const first = startWorker();
  const filters = { companyIds: [world.companyA.id] };
  const created = await client.post('/api/reports', { format: 'csv', filters });
  expect(created.status).toBe(202);
  const id: number = created.body.id;
  const percents: number[] = [];
  const progress = async () => {
    const res = await client.get(`/api/reports/${id}`);
    percents.push(res.body.progress.percent);
    return res.body;
  };

  await waitFor(async () => (await progress()).progress.rowsWritten >= 2000, { timeoutMs: 60_000, what: 'the export to be under way' });
  first.kill('SIGKILL');
  await exited(first);

  // only a temp file exists, and nothing is served
  const afterKill = fs.readdirSync(sys.config.reports.dir);
  expect(afterKill.filter((n) => n === `report-${id}.csv`)).toEqual([]);
  expect(afterKill.some((n) => n.startsWith(`.report-${id}.csv.`) && n.endsWith('.partial'))).toBe(true);
  expect((await download(sys.baseUrl, world.tokens.agent, id)).status).toBe(409);

  startWorker();
  const ready = await waitFor(
    async () => {
      const body = await progress();
      if (body.status !== 'running' && body.status !== 'ready') throw new Error(`report became ${body.status}`);
      if (body.status !== 'ready') {
        // while the retry runs, the dead attempt's bytes are never downloadable
        const early = await download(sys.baseUrl, world.tokens.agent, id);
        expect(early.status).toBe(409);
        return undefined;
      }
      return body;
    },
    { timeoutMs: 110_000, intervalMs: 500, what: 'the retried export to finish' },
  );

  expect(ready.rowCount).toBe(TICKETS);
  expect(percents).toEqual([...percents].sort((a, b) => a - b));
  expect(percents.at(-1)).toBe(100);
  const file = await download(sys.baseUrl, world.tokens.agent, id);
  expect(file.status).toBe(200);
  const records = parseCsv(file.body.toString('utf8'));
  expect(records.slice(1)).toEqual((await expectedRows(sys.db, filters)).map(csvExpectedCells));
  expect(fs.readdirSync(sys.config.reports.dir).filter((n) => n.includes(`report-${id}.`))).toEqual([`report-${id}.csv`]);
  // the workflow completed on its retry: no failure was recorded
  expect(await sys.repos.failedJobs.listByWorkflowId(`report-${id}`)).toEqual([]);
}, 180_000);
