import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createApp } from '../../src/api/app';
import { createAppServices } from '../../src/composition';
import { DEFAULT_RATE_LIMITS } from '../../src/api/middleware/rate-limits';
import type { Role } from '../../src/auth/permissions';
import type { User } from '../../src/db/repositories/users';
import { JobsGateway } from '../../src/jobs/gateway';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { createUser, createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { download, indexedLeadingColumns, VISIBILITY_SETTLE_MS, waitForReport, workflowsRequestedBy } from './reports-helpers';

// the export is throttled so a report is still running while the tests look at it
const ROWS_PER_SECOND = 1500;
const BIG_COMPANY_TICKETS = 6000;
const MAX_RUNNING_PER_USER = 2;

let sys: TestSystem;
let world: World;

beforeAll(async () => {
  sys = await startTestSystem({
    queues: ['reports'],
    env: { REPORT_EXPORT_MAX_ROWS_PER_SECOND: String(ROWS_PER_SECOND), REPORTS_MAX_RUNNING_PER_USER: String(MAX_RUNNING_PER_USER), REPORT_PDF_MAX_ROWS: '1000' },
  });
  world = await createWorld(sys.repos, sys.auth);
  await seedBulkTickets(sys.db, {
    count: BIG_COMPANY_TICKETS,
    companyIds: [world.companyA.id],
    userIds: [world.agent.id, world.clientA.id],
    seed: 11,
  });
  await seedBulkTickets(sys.db, { count: 50, companyIds: [world.companyB.id], userIds: [world.clientB.id], seed: 12 });
}, 120_000);

afterAll(async () => {
  await sys?.stop();
});

const api = (token: string) => httpClient(sys.baseUrl, token);
const settle = () => new Promise((resolve) => setTimeout(resolve, VISIBILITY_SETTLE_MS));
/** A user of its own, whose reports and workflows no other test touches. */
async function newUser(role: Role, companyId: number | null): Promise<{ user: User; token: string }> {
  const user = await createUser(sys.repos, { role, companyId });
  return { user, token: (await sys.auth.createPersonalToken(user.email, 'test', 1)).token };
}
const reportsOf = async (userId: number) => (await sys.repos.reports.listRecent({ userId, limit: 100 })).length;
const filesOf = (id: number) => {
  try {
    return fs.readdirSync(sys.config.reports.dir).filter((name) => name.includes(`report-${id}.`));
  } catch {
    return [];
  }
};

describe('POST /api/reports validation', () => {
  // every bad request comes from this user, so Temporal visibility can show that none of them started a workflow
  let prober: { user: User; token: string };
  beforeAll(async () => {
    prober = await newUser('agent', world.companyA.id);
  });

  it.each([
    ['an empty body', {}, 'format'],
    ['an unknown format', { format: 'xlsx' }, 'format'],
    ['from after to', { format: 'csv', filters: { from: '2024-03-01', to: '2024-02-01' } }, 'filters.to'],
    ['a non-date', { format: 'csv', filters: { from: 'last tuesday' } }, 'filters.from'],
    ['an impossible date', { format: 'csv', filters: { to: '2024-02-30' } }, 'filters.to'],
    ['an unknown status', { format: 'csv', filters: { statuses: ['open', 'lost'] } }, 'filters.statuses.1'],
    ['an unknown priority', { format: 'json', filters: { priorities: ['meh'] } }, 'filters.priorities.0'],
    ['a non-integer company id', { format: 'json', filters: { companyIds: ['1'] } }, 'filters.companyIds.0'],
    ['an unknown filter', { format: 'json', filters: { assignee: 3 } }, 'filters'],
  ])('rejects %s with 400 naming the field, and starts nothing', async (_name, body, field) => {
    const res = await api(prober.token).post('/api/reports', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await reportsOf(prober.user.id)).toBe(0);
    await settle();
    expect(await workflowsRequestedBy(sys.jobs, prober.user.id)).toEqual([]);
  });

  it('rejects a body that is not JSON, and starts nothing', async () => {
    const res = await api(prober.token).post('/api/reports', '{"format":');
    expect(res.status).toBe(400);
    expect(await reportsOf(prober.user.id)).toBe(0);
    await settle();
    expect(await workflowsRequestedBy(sys.jobs, prober.user.id)).toEqual([]);
  });

  it("Temporal visibility lists the same user's first valid request, and only that one (the control for \"starts nothing\")", async () => {
    const res = await api(prober.token).post('/api/reports', { format: 'json', filters: { companyIds: [world.companyB.id] } });
    expect(res.status).toBe(202);
    await waitFor(async () => (await workflowsRequestedBy(sys.jobs, prober.user.id)).length > 0, { what: 'the valid request in visibility' });
    await settle();
    expect(await workflowsRequestedBy(sys.jobs, prober.user.id)).toEqual([`report-${res.body.id}`]);
    await waitForReport(api(prober.token), res.body.id, ['ready']);
  });
});

describe('report scope and access', () => {
  it("refuses a client asking for another company's tickets with 403", async () => {
    const before = await reportsOf(world.clientA.id);
    const res = await api(world.tokens.clientA).post('/api/reports', {
      format: 'csv',
      filters: { companyIds: [world.companyA.id, world.companyB.id] },
    });
    expect(res.status).toBe(403);
    expect(await reportsOf(world.clientA.id)).toBe(before);
    await settle();
    expect(await workflowsRequestedBy(sys.jobs, world.clientA.id)).toEqual([]);
  });

  it("answers 404 for another user's report on GET, download and DELETE, and for ids that are not ids", async () => {
    const created = await api(world.tokens.clientB).post('/api/reports', { format: 'json', filters: {} });
    expect(created.status).toBe(202);
    const id = created.body.id;
    await waitForReport(api(world.tokens.clientB), id, ['ready']);
    const other = api(world.tokens.clientA);
    expect((await other.get(`/api/reports/${id}`)).status).toBe(404);
    expect((await download(sys.baseUrl, world.tokens.clientA, id)).status).toBe(404);
    expect((await other.delete(`/api/reports/${id}`)).status).toBe(404);
    expect((await api(world.tokens.clientB).get(`/api/reports/${id}`)).status).toBe(200);
    // an admin with view_all_reports may look
    expect((await api(world.tokens.admin).get(`/api/reports/${id}`)).status).toBe(200);
    const listed = await api(world.tokens.admin).get('/api/reports?all=1');
    expect(listed.body.reports.map((r: { id: number }) => r.id)).toContain(id);
    expect((await other.get('/api/reports')).body.reports.map((r: { id: number }) => r.id)).not.toContain(id);

    for (const bad of ['..%2fx', '%2e%2e%2f', '%2e%2e', 'abc', '0', '-1', '1.5', '99999999999', `${id}%00`]) {
      expect((await other.get(`/api/reports/${bad}`)).status).toBe(404);
      expect((await other.get(`/api/reports/${bad}/download`)).status).toBe(404);
      expect((await other.delete(`/api/reports/${bad}`)).status).toBe(404);
    }
    const raw = await fetch(`${sys.baseUrl}/api/reports/../x`, { headers: { authorization: `Bearer ${world.tokens.clientB}` } });
    expect(raw.status).toBe(404);
  });

  it('refuses a PDF beyond the row cap at request time, suggesting CSV, and starts nothing', async () => {
    const { user, token } = await newUser('agent', world.companyA.id);
    const res = await api(token).post('/api/reports', { format: 'pdf', filters: { companyIds: [world.companyA.id] } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/CSV/);
    expect(await reportsOf(user.id)).toBe(0);
    await settle();
    expect(await workflowsRequestedBy(sys.jobs, user.id)).toEqual([]);
  });

  it("GET /api/reports lists the caller's 20 most recent reports, newest first, and no one else's", async () => {
    const { user, token } = await newUser('agent', world.companyA.id);
    const other = await newUser('agent', world.companyA.id);
    const hourAgo = Date.now() - 3_600_000;
    const created: Array<{ id: number; at: number }> = [];
    for (let i = 0; i < 23; i++) {
      const report = await sys.repos.reports.create({ userId: user.id, companyId: null, format: 'csv', filters: {} });
      // creation order and age differ, so only created_at can give the expected order
      const at = hourAgo + ((i * 7) % 23) * 60_000;
      await sys.db('reports').where({ id: report.id }).update({ created_at: new Date(at), status: 'failed' });
      created.push({ id: report.id, at });
    }
    const othersNewest = await sys.repos.reports.create({ userId: other.user.id, companyId: null, format: 'csv', filters: {} });

    const res = await api(token).get('/api/reports');
    expect(res.status).toBe(200);
    const listed: Array<{ id: number; userId: number; createdAt: string }> = res.body.reports;
    expect(listed.map((r) => r.id)).toEqual([...created].sort((a, b) => b.at - a.at).slice(0, 20).map((r) => r.id));
    expect(listed.every((r) => r.userId === user.id)).toBe(true);
    expect(listed.map((r) => r.id)).not.toContain(othersNewest.id);
    // ?all=1 is for view_all_reports only; anyone else still gets their own
    expect((await api(token).get('/api/reports?all=1')).body.reports.map((r: { id: number }) => r.id)).toEqual(listed.map((r) => r.id));
  });
});

describe('a running report', () => {
  it('reports growing progress that reaches 100 %, and 409 on download until ready', async () => {
    const client = api(world.tokens.agent);
    const created = await client.post('/api/reports', { format: 'csv', filters: { companyIds: [world.companyA.id] } });
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('queued');
    const id = created.body.id;
    const percents: number[] = [];
    let sawConflict = false;
    for (;;) {
      const res = await client.get(`/api/reports/${id}`);
      percents.push(res.body.progress.percent);
      if (res.body.status === 'ready') break;
      expect(['queued', 'running']).toContain(res.body.status);
      if (!sawConflict && res.body.status === 'running') {
        const early = await download(sys.baseUrl, world.tokens.agent, id);
        expect(early.status).toBe(409);
        sawConflict = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sawConflict).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    const ready = await client.get(`/api/reports/${id}`);
    expect(ready.body).toMatchObject({
      status: 'ready',
      rowCount: BIG_COMPANY_TICKETS,
      progress: { rowsWritten: BIG_COMPANY_TICKETS, totalRows: BIG_COMPANY_TICKETS, percent: 100 },
      downloadUrl: `/api/reports/${id}/download`,
    });
    expect(new Date(ready.body.expiresAt).getTime() - new Date(ready.body.completedAt).getTime()).toBeCloseTo(7 * 86_400_000, -4);
  }, 60_000);

  it('limits running reports per user with 429', async () => {
    const client = api(world.tokens.agent);
    const body = { format: 'json', filters: { companyIds: [world.companyA.id] } };
    const first = await client.post('/api/reports', body);
    const second = await client.post('/api/reports', body);
    expect([first.status, second.status]).toEqual([202, 202]);
    const third = await client.post('/api/reports', body);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBeTruthy();
    for (const id of [first.body.id, second.body.id]) expect((await client.delete(`/api/reports/${id}`)).status).toBe(204);
    const fourth = await client.post('/api/reports', body);
    expect(fourth.status).toBe(202);
    expect((await client.delete(`/api/reports/${fourth.body.id}`)).status).toBe(204);
  }, 60_000);

  it('holds the per-user limit under concurrent requests: exactly the limit are accepted, the rest get 429', async () => {
    const { user, token } = await newUser('agent', world.companyA.id);
    const client = api(token);
    const body = { format: 'json', filters: { companyIds: [world.companyA.id] } };
    const answers = await Promise.all(Array.from({ length: 4 * MAX_RUNNING_PER_USER }, () => client.post('/api/reports', body)));
    const accepted = answers.filter((res) => res.status === 202).map((res) => res.body.id as number);
    expect(accepted).toHaveLength(MAX_RUNNING_PER_USER);
    expect(answers.filter((res) => res.status === 429)).toHaveLength(3 * MAX_RUNNING_PER_USER);
    expect((await sys.repos.reports.listRecent({ userId: user.id, limit: 100 })).map((r) => r.id).sort()).toEqual([...accepted].sort());
    for (const id of accepted) expect((await client.delete(`/api/reports/${id}`)).status).toBe(204);
  }, 60_000);

  it('DELETE cancels the workflow even before the request has recorded its workflow id on the report', async () => {
    const client = api(world.tokens.agent);
    // the window between inserting the row and setWorkflowId: the workflow runs, the row does not name it
    const report = await sys.repos.reports.create({ userId: world.agent.id, companyId: null, format: 'json', filters: { companyIds: [world.companyA.id] } });
    const started = await sys.jobs.startReport({ reportId: report.id }, { companyId: null, requestedBy: world.agent.id });
    await waitFor(async () => ((await sys.repos.reports.findById(report.id))?.rowsWritten ?? 0) > 0, { what: 'the export to start writing' });
    await sys.db('reports').where({ id: report.id }).update({ workflow_id: null });

    expect((await client.delete(`/api/reports/${report.id}`)).status).toBe(204);

    const outcome = await sys.jobs.client.workflow.getHandle(started.workflowId).result().catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(await sys.repos.failedJobs.listByWorkflowId(started.workflowId)).toEqual([]);
    expect(filesOf(report.id)).toEqual([]);
  }, 60_000);

  it('DELETE during the export ends the workflow Cancelled and leaves no file and no row', async () => {
    const client = api(world.tokens.agent);
    const created = await client.post('/api/reports', { format: 'json', filters: { companyIds: [world.companyA.id] } });
    const id = created.body.id;
    await waitFor(async () => {
      const res = await client.get(`/api/reports/${id}`);
      return res.body.progress.rowsWritten > 0;
    }, { what: 'the export to start writing' });
    expect(filesOf(id).some((name) => name.endsWith('.partial'))).toBe(true);

    expect((await client.delete(`/api/reports/${id}`)).status).toBe(204);

    const outcome = await sys.jobs.client.workflow.getHandle(`report-${id}`).result().catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await sys.jobs.describe(`report-${id}`))?.status.name).toBe('CANCELLED');
    expect(filesOf(id)).toEqual([]);
    expect(await sys.repos.reports.findById(id)).toBeUndefined();
    expect((await client.get(`/api/reports/${id}`)).status).toBe(404);
    const log = await sys.repos.activityLogs.list({ action: 'report.cancelled', userId: world.agent.id, limit: 10 });
    expect(log.map((entry) => entry.subjectId)).toContain(String(id));
    // nothing reappears once the cancelled export has wound down
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(filesOf(id)).toEqual([]);
  }, 60_000);

  it('a ready report past its expiry shows as expired and is no longer downloadable', async () => {
    const client = api(world.tokens.clientB);
    const created = await client.post('/api/reports', { format: 'json', filters: {} });
    await waitForReport(client, created.body.id, ['ready']);
    expect((await download(sys.baseUrl, world.tokens.clientB, created.body.id)).status).toBe(200);
    await sys.db('reports').where({ id: created.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await client.get(`/api/reports/${created.body.id}`);
    expect(expired.body).toMatchObject({ status: 'expired', downloadUrl: null });
    expect((await download(sys.baseUrl, world.tokens.clientB, created.body.id)).status).toBe(409);
    expect((await client.delete(`/api/reports/${created.body.id}`)).status).toBe(204);
  });

  it('DELETE of a ready report removes its file and row', async () => {
    const client = api(world.tokens.clientB);
    const created = await client.post('/api/reports', { format: 'csv', filters: {} });
    await waitForReport(client, created.body.id, ['ready']);
    expect(filesOf(created.body.id)).toEqual([`report-${created.body.id}.csv`]);
    expect((await client.delete(`/api/reports/${created.body.id}`)).status).toBe(204);
    expect(filesOf(created.body.id)).toEqual([]);
    expect((await download(sys.baseUrl, world.tokens.clientB, created.body.id)).status).toBe(404);
  });
});

describe('schema', () => {
  it('failed_jobs has an index for each column the dead-letter list filters on', async () => {
    expect(await indexedLeadingColumns(sys.db, 'failed_jobs')).toEqual(expect.arrayContaining(['ticket_id', 'job_type', 'workflow_id', 'failed_at']));
  });
});

describe('failures', () => {
  it('a report that cannot be produced ends the workflow Failed, marks the report failed and writes a failed_jobs row', async () => {
    // bypasses the request-time check, as if the data had grown past the PDF cap after the request
    const report = await sys.repos.reports.create({ userId: world.agent.id, companyId: null, format: 'pdf', filters: { companyIds: [world.companyA.id] } });
    const started = await sys.jobs.startReport({ reportId: report.id }, { companyId: null, requestedBy: world.agent.id });
    await sys.repos.reports.setWorkflowId(report.id, started.workflowId);
    const outcome = await sys.jobs.client.workflow.getHandle(started.workflowId).result().catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (outcome as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(((activityFailure as ActivityFailure).cause as ApplicationFailure).type).toBe('ReportTooLarge');

    const failed = await api(world.tokens.agent).get(`/api/reports/${report.id}`);
    expect(failed.body).toMatchObject({ status: 'failed', downloadUrl: null });
    expect(failed.body.error).toMatch(/CSV/);
    const [dead] = await sys.repos.failedJobs.listByWorkflowId(started.workflowId);
    expect(dead).toMatchObject({ jobType: 'report', taskQueue: 'reports', errorType: 'ReportTooLarge', payload: { reportId: report.id } });
    expect(filesOf(report.id)).toEqual([]);
  });

  it('when Temporal is unreachable the request fails with 503 and leaves no report row', async () => {
    const deadJobs = JobsGateway.create({ address: '127.0.0.1:1', namespace: sys.config.temporal.namespace, logger: sys.logger });
    const app = createApp({ ...createAppServices(sys.config, sys.logger, { db: sys.db, jobs: deadJobs }), rateLimits: DEFAULT_RATE_LIMITS });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const before = await reportsOf(world.clientB.id);
      const client = httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, world.tokens.clientB);
      const res = await client.post('/api/reports', { format: 'csv', filters: {} });
      expect(res.status).toBe(503);
      expect(await reportsOf(world.clientB.id)).toBe(before);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await deadJobs.close().catch(() => undefined);
    }
  }, 30_000);
});
