import type { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, type ActivityFailure } from '@temporalio/common';
import type { Ticket } from '../../src/db/repositories/tickets';
import type { User } from '../../src/db/repositories/users';
import type { TicketNotificationInput } from '../../src/jobs/contract';
import { createUser, createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { closedStatus, createTicketScene, sortedAddresses, startNotificationsHarness, type NotificationsHarness } from './notifications-helpers';

/** A ticket id no ticket has (well inside the INT range). */
const MISSING_TICKET = 2_000_000_000;
const MISSING_COMMENT = 2_000_000_000;

describe('ticket notifications: who may be mailed, who may post what, who sees which event (real SMTP receiver)', () => {
  let h: NotificationsHarness;
  let world: World;
  let admin: ReturnType<typeof httpClient>;
  let clientA: ReturnType<typeof httpClient>;
  let clientB: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
    admin = httpClient(h.system.baseUrl, world.tokens.admin);
    clientA = httpClient(h.system.baseUrl, world.tokens.clientA);
    clientB = httpClient(h.system.baseUrl, world.tokens.clientB);
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => h.receiver.setRule(undefined));

  /** A ticket of company A requested by clientA, assigned to the agent. */
  async function ticketOfA(subject = 'Router blinking'): Promise<Ticket> {
    return h.system.repos.tickets.create({
      companyId: world.companyA.id,
      requesterId: world.clientA.id,
      assigneeId: world.agent.id,
      subject,
      description: 'Blinks red.',
      status: 'open',
      priority: 'normal',
    });
  }

  const mailsOfEvent = (eventId: string) => h.receiver.mails.filter((m) => m.messageId.startsWith(`<event-${eventId}.`));
  const addressesOf = (eventId: string) => mailsOfEvent(eventId).flatMap((m) => m.envelopeTo).sort();
  const mailsTo = (user: User) => h.receiver.mailsTo(user.email);

  async function startDirectly(input: Omit<TicketNotificationInput, 'occurredAt'>) {
    const started = await h.system.jobs.startTicketNotification(
      { ...input, occurredAt: new Date().toISOString() },
      { companyId: world.companyA.id, requestedBy: world.admin.id },
    );
    return { ...started, status: await closedStatus(h.system, started.workflowId) };
  }

  async function failureTypeOf(workflowId: string): Promise<string | undefined> {
    try {
      await h.system.jobs.result(workflowId);
    } catch (err) {
      // a send step's failure is wrapped in ActivityFailure; the local recipient lookup's is its own ApplicationFailure
      const cause = (err as WorkflowFailedError).cause;
      if (cause instanceof ApplicationFailure) return cause.type ?? undefined;
      return ((cause as ActivityFailure | undefined)?.cause as ApplicationFailure | undefined)?.type ?? undefined;
    }
    return undefined;
  }

  describe('a recipient is only ever someone who may see the ticket', () => {
    it('a client cannot post an assigned event (403 naming type): no workflow starts, the user it named gets nothing', async () => {
      const ticket = await ticketOfA();
      for (const from of [world.clientB.id, world.admin.id]) {
        const eventId = `assign-${ticket.id}-${from}`;
        const response = await clientA.post(`/api/tickets/${ticket.id}/events`, {
          type: 'assigned',
          actorId: world.clientA.id,
          eventId,
          changes: { assigneeId: { from, to: world.agent.id } },
        });
        expect(response.status).toBe(403);
        expect(response.body.error).toMatchObject({ code: 'forbidden', details: [{ field: 'type', message: expect.any(String) }] });
        expect(await h.system.jobs.describe(`ticket-${ticket.id}-event-${eventId}`)).toBeUndefined();
      }
      expect(mailsTo(world.clientB)).toEqual([]);
      expect(mailsTo(world.admin)).toEqual([]);
    });

    it('staff naming a previous assignee who is not staff (or no user) get 400 naming changes.assigneeId.from; no workflow starts', async () => {
      const ticket = await ticketOfA();
      for (const from of [world.clientB.id, world.clientA.id, 999_999_999]) {
        const eventId = `prev-${ticket.id}-${from}`;
        const response = await admin.post(`/api/tickets/${ticket.id}/events`, {
          type: 'assigned',
          actorId: world.admin.id,
          eventId,
          changes: { assigneeId: { from, to: world.agent.id } },
        });
        expect(response.status).toBe(400);
        expect(response.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'changes.assigneeId.from' }] });
        expect(await h.system.jobs.describe(`ticket-${ticket.id}-event-${eventId}`)).toBeUndefined();
      }
    });

    it('a workflow started with forged ids (bypassing the API) mails neither a non-staff previous assignee nor a watcher of another company', async () => {
      const ticket = await ticketOfA();
      const otherClientOfA = await createUser(h.system.repos, { role: 'client', companyId: world.companyA.id });
      await h.system.repos.tickets.addWatcher(ticket.id, world.clientB.id);
      const previousAssignees = [world.clientB, otherClientOfA];
      for (const previous of previousAssignees) {
        const eventId = `forged-prev-${ticket.id}-${previous.id}`;
        const run = await startDirectly({
          eventId,
          type: 'assigned',
          ticketId: ticket.id,
          actorId: world.admin.id,
          changes: { assigneeId: { from: previous.id, to: world.agent.id } },
        });
        expect(run.status).toBe('COMPLETED');
        expect(addressesOf(eventId)).toEqual(sortedAddresses([world.agent, world.clientA]));
      }
      const staffPrevious = await createUser(h.system.repos, { role: 'agent', companyId: world.companyB.id });
      const eventId = `forged-prev-${ticket.id}-staff`;
      await startDirectly({ eventId, type: 'assigned', ticketId: ticket.id, actorId: world.admin.id, changes: { assigneeId: { from: staffPrevious.id, to: world.agent.id } } });
      expect(addressesOf(eventId)).toEqual(sortedAddresses([world.agent, world.clientA, staffPrevious]));
      expect(mailsTo(world.clientB)).toEqual([]);
      expect(mailsTo(otherClientOfA)).toEqual([]);
    });

    it('a workflow whose actor is a client of another company fails at once with ActorNotAllowed and mails nobody', async () => {
      const ticket = await ticketOfA();
      const eventId = `forged-actor-${ticket.id}`;
      const run = await startDirectly({ eventId, type: 'updated', ticketId: ticket.id, actorId: world.clientB.id });
      expect(run.status).toBe('FAILED');
      expect(await failureTypeOf(run.workflowId)).toBe('ActorNotAllowed');
      expect(mailsOfEvent(eventId)).toEqual([]);
      const response = await admin.post(`/api/tickets/${ticket.id}/events`, { type: 'updated', actorId: world.clientB.id, eventId: `${eventId}-api` });
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ field: 'actorId', message: 'must be a user who may see this ticket' }]);
    });
  });

  describe('a comment must belong to the ticket and be the actor’s own; a client never references an internal note', () => {
    let ticket: Ticket;
    let internalNote: number;
    let agentsPublicComment: number;
    let otherTicketsComment: number;
    beforeAll(async () => {
      ticket = await ticketOfA();
      internalNote = await h.system.repos.tickets.addComment({ ticketId: ticket.id, authorId: world.agent.id, body: 'Customer owes us money', isInternal: true });
      agentsPublicComment = await h.system.repos.tickets.addComment({ ticketId: ticket.id, authorId: world.agent.id, body: 'Rebooting', isInternal: false });
      const other = await ticketOfA('Other ticket');
      otherTicketsComment = await h.system.repos.tickets.addComment({ ticketId: other.id, authorId: world.clientA.id, body: 'elsewhere', isInternal: false });
    });

    const commented = (commentId: number, eventId: string, actorId = world.clientA.id) => ({ type: 'commented', actorId, commentId, eventId });

    it('a client naming a staff internal note gets exactly the answer for a comment that does not exist (404); nothing starts, nobody is mailed', async () => {
      const missing = await clientA.post(`/api/tickets/${ticket.id}/events`, commented(MISSING_COMMENT, `c-missing-${ticket.id}`));
      const internal = await clientA.post(`/api/tickets/${ticket.id}/events`, commented(internalNote, `c-internal-${ticket.id}`));
      const elsewhere = await clientA.post(`/api/tickets/${ticket.id}/events`, commented(otherTicketsComment, `c-elsewhere-${ticket.id}`));
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { code: 'not_found', message: 'Comment not found', details: [{ field: 'commentId', message: 'Comment not found' }] } });
      expect(internal.status).toBe(404);
      expect(internal.body).toEqual(missing.body);
      expect(elsewhere.body).toEqual(missing.body);
      for (const id of ['c-internal', 'c-elsewhere']) expect(await h.system.jobs.describe(`ticket-${ticket.id}-event-${id}-${ticket.id}`)).toBeUndefined();
      expect(h.receiver.mails.filter((m) => m.subject.includes('Internal note from'))).toEqual([]);
    });

    it('a comment written by someone other than the actor is 400 naming commentId, for a client and for staff', async () => {
      const byClient = await clientA.post(`/api/tickets/${ticket.id}/events`, commented(agentsPublicComment, `c-notmine-${ticket.id}`));
      expect(byClient.status).toBe(400);
      expect(byClient.body.error.details).toEqual([{ field: 'commentId', message: 'must be a comment written by the actor (actorId)' }]);
      const byStaff = await admin.post(`/api/tickets/${ticket.id}/events`, commented(internalNote, `c-staff-${ticket.id}`, world.admin.id));
      expect(byStaff.status).toBe(400);
      expect(byStaff.body.error.details[0].field).toBe('commentId');
      const own = await admin.post(`/api/tickets/${ticket.id}/events`, commented(internalNote, `c-own-${ticket.id}`, world.agent.id));
      expect(own.status).toBe(202);
      expect(await closedStatus(h.system, own.body.workflowId)).toBe('COMPLETED');
    });

    it('a workflow that names a client as the author of a staff internal note (bypassing the API) fails with CommentNotFound and mails nobody', async () => {
      const eventId = `forged-note-${ticket.id}`;
      const run = await startDirectly({ eventId, type: 'commented', ticketId: ticket.id, actorId: world.clientA.id, commentId: internalNote });
      expect(run.status).toBe('FAILED');
      expect(await failureTypeOf(run.workflowId)).toBe('CommentNotFound');
      expect(mailsOfEvent(eventId)).toEqual([]);
      const notMine = `forged-author-${ticket.id}`;
      const second = await startDirectly({ eventId: notMine, type: 'commented', ticketId: ticket.id, actorId: world.admin.id, commentId: agentsPublicComment });
      expect(await failureTypeOf(second.workflowId)).toBe('CommentNotByActor');
      expect(mailsOfEvent(notMine)).toEqual([]);
    });
  });

  describe('event status', () => {
    it('a client gets 404 for an internal-note event, exactly as for an event that does not exist; staff see it', async () => {
      const ticket = await ticketOfA();
      const note = await h.system.repos.tickets.addComment({ ticketId: ticket.id, authorId: world.agent.id, body: 'Do not tell', isInternal: true });
      const posted = await admin.post(`/api/tickets/${ticket.id}/events`, { type: 'commented', actorId: world.agent.id, commentId: note });
      expect(posted.status).toBe(202);
      expect(await closedStatus(h.system, posted.body.workflowId)).toBe('COMPLETED');

      const internal = await clientA.get(`/api/tickets/${ticket.id}/events/${posted.body.eventId}`);
      const missing = await clientA.get(`/api/tickets/${ticket.id}/events/no-such-event`);
      expect(missing.status).toBe(404);
      expect(internal.status).toBe(404);
      expect(internal.body).toEqual(missing.body);
      expect(internal.text).not.toContain(world.agent.email.toLowerCase());
      const staff = await admin.get(`/api/tickets/${ticket.id}/events/${posted.body.eventId}`);
      expect(staff.status).toBe(200);
      expect(staff.body.status).toBe('COMPLETED');
    });

    it('a client sees only its own delivery of an event it may see; staff see every delivery', async () => {
      const scene = await createTicketScene(h.system.repos);
      const requester = httpClient(h.system.baseUrl, (await h.system.auth.createPersonalToken(scene.requester.email, 'test', 1)).token);
      const posted = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
      expect(await closedStatus(h.system, posted.body.workflowId)).toBe('COMPLETED');
      const path = `/api/tickets/${scene.ticket.id}/events/${posted.body.eventId}`;

      const own = await requester.get(path);
      expect(own.status).toBe(200);
      expect(own.body.status).toBe('COMPLETED');
      expect(own.body.deliveries.map((d: { recipient: string }) => d.recipient)).toEqual([scene.requester.email.toLowerCase()]);
      expect(own.text).not.toContain(scene.agentWatcher.email.toLowerCase());
      expect(own.text).not.toContain(scene.clientWatcher.email.toLowerCase());

      const staff = await admin.get(path);
      expect(staff.body.deliveries.map((d: { recipient: string }) => d.recipient).sort()).toEqual(
        sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]),
      );
    });

    it('after a successful retry from the dead-letter list the event is COMPLETED, with both runs listed oldest first', async () => {
      const scene = await createTicketScene(h.system.repos);
      const rejected = scene.clientWatcher.email.toLowerCase();
      h.receiver.setRule((address) => (address === rejected ? { code: 550, message: 'No such mailbox' } : undefined));
      const posted = await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
      expect(await closedStatus(h.system, posted.body.workflowId)).toBe('FAILED');
      const path = `/api/tickets/${scene.ticket.id}/events/${posted.body.eventId}`;
      const failed = await admin.get(path);
      expect(failed.body).toMatchObject({ status: 'FAILED', runs: [{ workflowId: posted.body.workflowId, runId: posted.body.runId, status: 'FAILED' }] });

      h.receiver.setRule(undefined);
      const [entry] = await h.system.repos.failedJobs.listByWorkflowId(posted.body.workflowId);
      const retry = await admin.post(`/api/admin/failed-jobs/${entry.id}/retry`);
      expect(retry.status).toBe(202);
      expect(await closedStatus(h.system, retry.body.retryWorkflowId)).toBe('COMPLETED');

      const after = await admin.get(path);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ workflowId: posted.body.workflowId, runId: posted.body.runId, status: 'COMPLETED' });
      expect(after.body.runs).toEqual([
        { workflowId: posted.body.workflowId, runId: posted.body.runId, status: 'FAILED', startTime: expect.any(String), closeTime: expect.any(String) },
        { workflowId: retry.body.retryWorkflowId, runId: retry.body.runId, status: 'COMPLETED', startTime: expect.any(String), closeTime: expect.any(String) },
      ]);
      expect(Date.parse(after.body.runs[0].startTime)).toBeLessThanOrEqual(Date.parse(after.body.runs[1].startTime));
      expect(after.body.closeTime).toBe(after.body.runs[1].closeTime);
      expect(after.body.deliveries.every((d: { status: string }) => d.status === 'sent')).toBe(true);
    });
  });

  describe('another company’s ticket answers exactly like a ticket that does not exist', () => {
    it('POST and GET of ticket events, for a client of another company', async () => {
      const ticket = await ticketOfA();
      const posted = await admin.post(`/api/tickets/${ticket.id}/events`, { type: 'updated', actorId: world.agent.id });
      expect(await closedStatus(h.system, posted.body.workflowId)).toBe('COMPLETED');

      const body = (id: string) => ({ type: 'updated', actorId: world.clientB.id, eventId: id });
      const foreignPost = await clientB.post(`/api/tickets/${ticket.id}/events`, body(`probe-${ticket.id}`));
      const missingPost = await clientB.post(`/api/tickets/${MISSING_TICKET}/events`, body(`probe-${ticket.id}`));
      expect(foreignPost.status).toBe(404);
      expect(foreignPost.body).toEqual(missingPost.body);
      expect(await h.system.jobs.describe(`ticket-${ticket.id}-event-probe-${ticket.id}`)).toBeUndefined();

      const foreignGet = await clientB.get(`/api/tickets/${ticket.id}/events/${posted.body.eventId}`);
      const missingGet = await clientB.get(`/api/tickets/${MISSING_TICKET}/events/${posted.body.eventId}`);
      expect(foreignGet.status).toBe(404);
      expect(foreignGet.body).toEqual(missingGet.body);
      expect(foreignGet.body.error.code).toBe('not_found');
    });
  });
});
