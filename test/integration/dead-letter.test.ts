import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { down, up } from '../../migrations/015_failed_jobs_unique_run';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { jobRegistry } from '../../src/jobs/registry';
import { queueActivities } from '../../workers/create-worker';
import { createWorld, uniqueSuffix, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { closedStatus } from './notifications-helpers';

describe('dead-lettering: one place, once per run, for every job type', () => {
  let system: TestSystem;
  let world: World;

  beforeAll(async () => {
    system = await startTestSystem();
    world = await createWorld(system.repos, system.auth);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('a cleanup that fails for good is recorded in failed_jobs with the fields every job type records', async () => {
    const connection = await NativeConnection.connect({ address: system.config.temporal.address as string });
    const worker = await Worker.create({
      connection,
      namespace: system.config.temporal.namespace,
      taskQueue: TASK_QUEUES.default,
      workflowBundle: { codePath: system.config.temporal.workflowBundlePath as string },
      activities: {
        ...queueActivities(jobRegistry, TASK_QUEUES.default, system.activityDeps),
        planCleanup: async () => {
          throw ApplicationFailure.create({ type: 'RetentionMisconfigured', message: 'retention days unreadable', nonRetryable: true });
        },
      },
    });
    try {
      const started = await worker.runUntil(async () => {
        const run = await system.jobs.startCleanup({ dryRun: true, requestedBy: world.admin.id });
        expect(await closedStatus(system, run.workflowId)).toBe('FAILED');
        return run;
      });
      const entries = await system.repos.failedJobs.listByWorkflowId(started.workflowId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        jobType: 'cleanup',
        workflowId: started.workflowId,
        runId: started.runId,
        taskQueue: TASK_QUEUES.default,
        errorType: 'RetentionMisconfigured',
        errorMessage: 'retention days unreadable',
        payload: { dryRun: true },
        ticketId: null,
        companyId: null,
      });
    } finally {
      await connection.close();
    }
  });

  it('recording the same run twice (a retried activity) keeps the first entry and answers its id', async () => {
    const failure = {
      jobType: 'report',
      workflowId: `report-twice-${uniqueSuffix()}`,
      runId: 'run-1',
      taskQueue: 'reports',
      errorType: 'ReportTooLarge',
      errorMessage: 'first',
      payload: { reportId: 1 },
    };
    const first = await system.repos.failedJobs.record(failure);
    const second = await system.repos.failedJobs.record({ ...failure, errorMessage: 'second' });
    expect(second).toBe(first);
    const entries = await system.repos.failedJobs.listByWorkflowId(failure.workflowId);
    expect(entries.map((e) => [e.id, e.errorMessage])).toEqual([[first, 'first']]);
    // another run of the same workflow is its own entry
    expect(await system.repos.failedJobs.record({ ...failure, runId: 'run-2' })).not.toBe(first);
  });

  it('migration 015 folds earlier duplicates into the oldest entry, keeping a retry link, and then refuses new ones', async () => {
    const workflowId = `dup-${uniqueSuffix()}`;
    await down(system.db);
    try {
      const row = (errorMessage: string, retry?: string) => ({
        job_type: 'notification',
        workflow_id: workflowId,
        run_id: 'run-1',
        task_queue: 'notifications',
        error_type: 'NotificationDeliveryFailed',
        error_message: errorMessage,
        payload: '{}',
        failed_at: new Date(),
        retry_workflow_id: retry ?? null,
        retry_status: retry ? 'succeeded' : null,
        retried_at: retry ? new Date() : null,
      });
      await system.db('failed_jobs').insert(row('oldest'));
      await system.db('failed_jobs').insert(row('copy', `${workflowId}-retry-1`));
      await system.db('failed_jobs').insert(row('copy'));
    } finally {
      await up(system.db);
    }
    const entries = await system.repos.failedJobs.listByWorkflowId(workflowId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ errorMessage: 'oldest', retryWorkflowId: `${workflowId}-retry-1`, retryStatus: 'succeeded' });
    const duplicate = await system
      .db('failed_jobs')
      .insert({
        job_type: 'notification',
        workflow_id: workflowId,
        run_id: 'run-1',
        task_queue: 'notifications',
        error_type: 'X',
        error_message: 'x',
        payload: '{}',
        failed_at: new Date(),
      })
      .then(
        () => 'inserted',
        (err: Error) => err.message,
      );
    expect(duplicate).toMatch(/unique|duplicate/i);
  });

  it('an entry of a job type no definition has is refused with the reason, never retried as something else (a cleanup)', async () => {
    const entry = await system.repos.failedJobs.record({
      jobType: 'fax',
      workflowId: `fax-${uniqueSuffix()}`,
      runId: 'run-1',
      taskQueue: 'default',
      errorType: 'PaperJam',
      errorMessage: 'jammed',
      payload: {},
    });
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    expect((await admin.get(`/api/admin/failed-jobs/${entry}`)).body).toMatchObject({
      retryable: false,
      notRetryableReason: expect.stringMatching(/job type "fax", which this system no longer runs/),
    });
    const retried = await admin.post(`/api/admin/failed-jobs/${entry}/retry`);
    expect(retried.status).toBe(409);
    expect(retried.body.error.message).toMatch(/no longer runs/);
    expect((await system.repos.failedJobs.findById(entry))?.retryWorkflowId).toBeNull();
    expect(await system.jobs.describe(`cleanup-retry-${entry}`)).toBeUndefined();
  });

  it('GET /api/admin/job-types lists the registered job types, their queues and the limits, for admins only', async () => {
    const response = await httpClient(system.baseUrl, world.tokens.admin).get('/api/admin/job-types');
    expect(response.status).toBe(200);
    expect(response.body.jobTypes).toEqual([
      { jobType: 'notification', workflowType: 'ticketNotificationWorkflow', taskQueue: 'notifications', permission: 'post_ticket_events', retryable: true },
      { jobType: 'report', workflowType: 'generateReportWorkflow', taskQueue: 'reports', permission: 'create_reports', retryable: true },
      { jobType: 'cleanup', workflowType: 'cleanupOldDataWorkflow', taskQueue: 'default', permission: 'manage_queues', retryable: true },
      { jobType: 'alert_check', workflowType: 'checkAlertsWorkflow', taskQueue: 'default', permission: 'manage_queues', retryable: false },
    ]);
    expect(response.body.queues).toEqual([
      { queue: 'default', jobTypes: ['cleanup', 'alert_check'], activitySlotsPerWorker: system.config.workers.concurrency.default },
      { queue: 'notifications', jobTypes: ['notification'], activitySlotsPerWorker: system.config.workers.concurrency.notifications },
      { queue: 'reports', jobTypes: ['report'], activitySlotsPerWorker: system.config.workers.concurrency.reports },
    ]);
    expect(response.body.limits).toMatchObject({ bulkRetry: 100 });
    for (const token of [world.tokens.agent, world.tokens.clientA]) {
      expect((await httpClient(system.baseUrl, token).get('/api/admin/job-types')).status).toBe(403);
    }
    expect((await httpClient(system.baseUrl).get('/api/admin/job-types')).status).toBe(401);
  });
});
