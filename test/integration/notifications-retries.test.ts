import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { retryTicketNotification } from '../../src/notifications/ticket-events-service';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { closedStatus, createTicketScene, sortedAddresses, startNotificationsHarness, type NotificationsHarness } from './notifications-helpers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function seconds(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;
}

describe('notification delivery failures and retries (real SMTP receiver)', () => {
  let h: NotificationsHarness;
  let world: World;

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => h.receiver.setRule(undefined));

  async function post(ticketId: number, body: Record<string, unknown>) {
    const response = await httpClient(h.system.baseUrl, world.tokens.admin).post(`/api/tickets/${ticketId}/events`, body);
    expect(response.status).toBe(202);
    return response.body as { eventId: string; workflowId: string; runId: string };
  }

  async function history(workflowId: string): Promise<HistoryEvent[]> {
    const fetched = await h.system.jobs.client.workflow.getHandle(workflowId).fetchHistory();
    return fetched.events ?? [];
  }

  async function failureOf(workflowId: string) {
    try {
      await h.system.jobs.result(workflowId);
    } catch (err) {
      return err;
    }
    throw new Error('expected the workflow to fail');
  }

  it(
    'when the receiver answers 451 twice, the mail arrives once on the third attempt; history shows the attempts and the declared policy',
    async () => {
      const scene = await createTicketScene(h.system.repos);
      const target = scene.requester.email.toLowerCase();
      h.receiver.setRule((address, attempt) => (address === target && attempt <= 2 ? { code: 451, message: 'Greylisted, try later' } : undefined));
      const started = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id });
      expect(await closedStatus(h.system, started.workflowId, 100_000)).toBe('COMPLETED');

      expect(h.receiver.rcptAttempts.get(target)).toBe(3);
      expect(h.receiver.mailsTo(target).filter((m) => m.messageId.includes(started.eventId))).toHaveLength(1);
      const deliveries = await h.system.repos.notificationDeliveries.listByEvent(scene.ticket.id, started.eventId);
      expect(deliveries.find((d) => d.email === target)).toMatchObject({ status: 'sent', attempts: 3, errorType: null });

      const events = await history(started.workflowId);
      const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendTicketNotification');
      expect(scheduled).toHaveLength(3);
      for (const event of scheduled) {
        const policy = event.activityTaskScheduledEventAttributes!.retryPolicy!;
        expect({
          initialInterval: seconds(policy.initialInterval),
          backoffCoefficient: policy.backoffCoefficient,
          maximumInterval: seconds(policy.maximumInterval),
          maximumAttempts: policy.maximumAttempts,
        }).toEqual({ initialInterval: 10, backoffCoefficient: 3, maximumInterval: 60, maximumAttempts: 4 });
        expect(policy.nonRetryableErrorTypes).toEqual(expect.arrayContaining(['SmtpPermanentFailure', 'SmtpAuthFailure']));
      }
      const attempts = events
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => ({ attempt: e.activityTaskStartedEventAttributes!.attempt, lastFailure: e.activityTaskStartedEventAttributes!.lastFailure }));
      const retried = attempts.find((a) => a.attempt === 3);
      expect(retried).toBeDefined();
      expect(retried!.lastFailure?.applicationFailureInfo?.type).toBe('SmtpTransientFailure');
      expect(retried!.lastFailure?.message).toContain('Greylisted');
    },
    120_000,
  );

  it('when the receiver answers 550 for one recipient, it is not retried, the others are served, the workflow fails and is dead-lettered; a retry mails only that recipient', async () => {
    const scene = await createTicketScene(h.system.repos);
    const rejected = scene.clientWatcher.email.toLowerCase();
    h.receiver.setRule((address) => (address === rejected ? { code: 550, message: 'No such mailbox' } : undefined));
    const started = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id });
    expect(await closedStatus(h.system, started.workflowId)).toBe('FAILED');

    const err = await failureOf(started.workflowId);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('NotificationDeliveryFailed');
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).nonRetryable).toBe(true);

    expect(h.receiver.rcptAttempts.get(rejected)).toBe(1);
    const mine = () => h.receiver.mails.filter((m) => m.messageId.startsWith(`<event-${started.eventId}.`));
    expect(mine().flatMap((m) => m.envelopeTo).sort()).toEqual(sortedAddresses([scene.requester, scene.agentWatcher]));

    const sends = (await history(started.workflowId)).filter((e) => e.activityTaskStartedEventAttributes);
    expect(sends.every((e) => e.activityTaskStartedEventAttributes!.attempt === 1)).toBe(true);

    const status = await httpClient(h.system.baseUrl, world.tokens.admin).get(`/api/tickets/${scene.ticket.id}/events/${started.eventId}`);
    expect(status.body.status).toBe('FAILED');
    expect(status.body.deliveries.find((d: { recipient: string }) => d.recipient === rejected)).toMatchObject({
      status: 'failed',
      attempts: 1,
      errorType: 'SmtpPermanentFailure',
      lastError: expect.stringContaining('No such mailbox'),
    });

    const [failedJob] = await h.system.repos.failedJobs.listByWorkflowId(started.workflowId);
    expect(failedJob).toMatchObject({
      jobType: 'notification',
      runId: started.runId,
      taskQueue: 'notifications',
      errorType: 'NotificationDeliveryFailed',
      ticketId: scene.ticket.id,
      companyId: scene.companyId,
    });
    expect(failedJob.payload).toMatchObject({
      input: { eventId: started.eventId, ticketId: scene.ticket.id, type: 'closed' },
      failedRecipients: [{ userId: scene.clientWatcher.id, errorType: 'SmtpPermanentFailure' }],
    });
    expect(JSON.stringify(failedJob.payload)).not.toContain('<html');

    h.receiver.setRule(undefined);
    const retry = await retryTicketNotification(h.system, failedJob.id, world.admin.id);
    expect(retry.workflowId).toBe(`${started.workflowId}-retry-${failedJob.id}`);
    expect(await closedStatus(h.system, retry.workflowId)).toBe('COMPLETED');
    const outcome = await h.system.jobs.result<{ recipients: Array<{ userId: number; status: string }> }>(retry.workflowId);
    expect(outcome.recipients.map((r) => [r.userId, r.status]).sort()).toEqual(
      [
        [scene.requester.id, 'already_sent'],
        [scene.clientWatcher.id, 'sent'],
        [scene.agentWatcher.id, 'already_sent'],
      ].sort(),
    );
    expect(mine().flatMap((m) => m.envelopeTo).sort()).toEqual(sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]));
    // retrying the same dead-letter entry again joins the same retry workflow
    expect((await retryTicketNotification(h.system, failedJob.id, world.admin.id)).workflowId).toBe(retry.workflowId);
  });

  it('a ticket that vanished before the workflow ran fails it at once with TicketNotFound and a failed_jobs row', async () => {
    const input = { eventId: `gone-${Date.now()}`, type: 'closed' as const, ticketId: 987_654, actorId: world.admin.id, occurredAt: new Date().toISOString() };
    const started = await h.system.jobs.startTicketNotification(input, { companyId: world.companyA.id, requestedBy: world.admin.id });
    expect(await closedStatus(h.system, started.workflowId)).toBe('FAILED');
    const err = (await failureOf(started.workflowId)) as WorkflowFailedError;
    // the lookup is a local activity: the run fails with the lookup's own failure (no ActivityFailure around it)
    expect(err.cause).toBeInstanceOf(ApplicationFailure);
    expect((err.cause as ApplicationFailure).type).toBe('TicketNotFound');
    const scheduled = (await history(started.workflowId)).filter((e) => e.activityTaskStartedEventAttributes?.attempt && e.activityTaskStartedEventAttributes.attempt > 1);
    expect(scheduled).toHaveLength(0);
    const [failedJob] = await h.system.repos.failedJobs.listByWorkflowId(started.workflowId);
    expect(failedJob.errorType).toBe('TicketNotFound');
  });
});
