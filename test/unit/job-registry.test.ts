import fs from 'node:fs';
import path from 'node:path';
import * as workflows from '../../workflows';
import { ALL_TASK_QUEUES, TASK_QUEUES } from '../../src/jobs/contract';
import type { JobDefinition } from '../../src/jobs/job-definition';
import { JOB_DEFINITIONS, jobRegistry } from '../../src/jobs/registry';
import { RETRY_POLICY } from '../../src/jobs/retry-policy';
import { queueActivities, queueSlots } from '../../workers/create-worker';
import { registryProblems } from '../support/job-registry-check';

const options = { workflowExports: Object.keys(workflows), historiesDir: path.join(__dirname, '..', 'histories') };
const stub: any = new Proxy(function stub() {}, { get: () => stub, apply: () => stub });

describe('the job-type registry', () => {
  it('gives every job type its workflow, queue and worker, input schema, dead-letter retry, permission, activities and a recorded history', () => {
    expect(registryProblems(JOB_DEFINITIONS, options)).toEqual([]);
  });

  it.each([
    ['a workflow the bundle does not export', { workflowType: 'missingWorkflow' }, /exports no missingWorkflow/],
    ['a queue without a worker', { taskQueue: 'elsewhere' }, /queue elsewhere is not in TASK_QUEUES/],
    ['no dead-letter retry', { retry: undefined }, /no dead-letter retry/],
    ['a retry without a plan', { retry: { notRetryableReason: () => null } }, /needs plan and notRetryableReason/],
    ['no history recorded', { historyPrefix: 'never-recorded' }, /no recorded history never-recorded-/],
    ['a permission that does not exist', { permission: 'launch_rockets' }, /permission launch_rockets is not in PERMISSIONS/],
    ['no activities', { activities: () => ({}) }, /gives no activities/],
    ['a second job type of the same name', { workflowType: 'cleanupOldDataWorkflow' }, /registered twice|belongs to two job types/],
  ])('reports an entry with %s', (_what, change, problem) => {
    const broken = { ...JOB_DEFINITIONS[0], ...change } as unknown as JobDefinition;
    const definitions = _what.startsWith('a second') ? [...JOB_DEFINITIONS, broken] : [broken, ...JOB_DEFINITIONS.slice(1)];
    expect(registryProblems(definitions, options).join('\n')).toMatch(problem);
  });

  it('runs each built-in job type on its own queue and lists every queue once', () => {
    expect(jobRegistry.find('notification')?.taskQueue).toBe(TASK_QUEUES.notifications);
    expect(jobRegistry.find('report')?.taskQueue).toBe(TASK_QUEUES.reports);
    expect(jobRegistry.find('cleanup')?.taskQueue).toBe(TASK_QUEUES.default);
    expect(jobRegistry.queues).toEqual(ALL_TASK_QUEUES);
    expect(jobRegistry.find('nothing')).toBeUndefined();
  });

  it("a queue's worker registers only the activities of that queue's job types, plus the shared dead-letter activity", () => {
    const notifications = Object.keys(queueActivities(jobRegistry, TASK_QUEUES.notifications, stub));
    expect(notifications).toEqual(expect.arrayContaining(['recordFailedJob', 'sendTicketNotification', 'recordNotificationFailure']));
    expect(notifications).not.toContain('exportReport');
    expect(notifications).not.toContain('deleteExpiredRows');
    const reports = Object.keys(queueActivities(jobRegistry, TASK_QUEUES.reports, stub));
    expect(reports).toEqual(expect.arrayContaining(['recordFailedJob', 'exportReport']));
    expect(reports).not.toContain('sendTicketNotification');
    const cleanup = Object.keys(queueActivities(jobRegistry, TASK_QUEUES.default, stub));
    expect(cleanup).toEqual(expect.arrayContaining(['recordFailedJob', 'deleteExpiredRows']));
    expect(cleanup).not.toContain('exportReport');
  });

  it('activity slots follow WORKER_CONCURRENCY_<QUEUE>; workflow task slots are what the job types ask for, never fewer', () => {
    expect(queueSlots(jobRegistry, TASK_QUEUES.notifications, 3)).toEqual({ maxConcurrentActivityTaskExecutions: 3, maxConcurrentWorkflowTaskExecutions: 10 });
    expect(queueSlots(jobRegistry, TASK_QUEUES.reports, 2)).toEqual({ maxConcurrentActivityTaskExecutions: 2, maxConcurrentWorkflowTaskExecutions: 5 });
    expect(queueSlots(jobRegistry, TASK_QUEUES.default, 8)).toEqual({ maxConcurrentActivityTaskExecutions: 8, maxConcurrentWorkflowTaskExecutions: 8 });
  });

  it('has the one retry policy of the original design: 3 retries after the first attempt, waiting 10 s, 30 s, 60 s', () => {
    expect(RETRY_POLICY).toEqual({ initialInterval: '10s', backoffCoefficient: 3, maximumInterval: '60s', maximumAttempts: 4 });
  });

  it('is written once: no workflow spells out its own retry numbers', () => {
    const dir = path.join(__dirname, '..', '..', 'workflows');
    const spelled = fs.readdirSync(dir).filter((file) => /maximumAttempts|backoffCoefficient/.test(fs.readFileSync(path.join(dir, file), 'utf8')));
    expect(spelled).toEqual([]);
  });
});
