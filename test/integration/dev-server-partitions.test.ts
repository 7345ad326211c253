import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { readTestRunEnv, workerNamespace } from '../support/test-env';

/**
 * The jest global setup starts its dev server through startDevServer, the same launcher `npm start` and the bench use.
 * A Temporal server splits every task queue into 4 partitions by default; on one dev server process that only makes a
 * task and the poll waiting for it meet on different partitions and be forwarded to the root one.
 */
describe('the Temporal dev server the project starts', () => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await Connection.connect({ address: readTestRunEnv().temporalAddress });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it.each(['notifications', 'reports', 'default'])('keeps the %s task queue in one partition for workflow tasks and activity tasks', async (queue) => {
    const answer = await connection.workflowService.listTaskQueuePartitions({
      namespace: workerNamespace(),
      taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    });
    expect({
      workflow: answer.workflowTaskQueuePartitions?.length,
      activity: answer.activityTaskQueuePartitions?.length,
    }).toEqual({ workflow: 1, activity: 1 });
  });
});
