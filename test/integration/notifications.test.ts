import type { User } from '../../src/db/repositories/users';
import { createUser, createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import {
  closedStatus,
  createTicketScene,
  sortedAddresses,
  startNotificationsHarness,
  type NotificationsHarness,
  type TicketScene,
} from './notifications-helpers';

describe('ticket notifications: API → workflow → SMTP receiver', () => {
  let h: NotificationsHarness;
  let world: World;
  let adminApi: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
    adminApi = httpClient(h.system.baseUrl, world.tokens.admin);
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function post(ticketId: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const response = await adminApi.post(`/api/tickets/${ticketId}/events`, body, headers);
    expect(response.status).toBe(202);
    return response.body as { eventId: string; workflowId: string; runId: string };
  }

  /** Posts the event, waits for the workflow to complete, returns the mails it produced. */
  async function deliver(ticketId: number, body: Record<string, unknown>) {
    const started = await post(ticketId, body);
    expect(await closedStatus(h.system, started.workflowId)).toBe('COMPLETED');
    const mails = h.receiver.mails.filter((m) => m.messageId.startsWith(`<event-${started.eventId}.`));
    return { started, mails, to: mails.flatMap((m) => m.envelopeTo).sort() };
  }

  function mailTo(mails: Awaited<ReturnType<typeof deliver>>['mails'], user: User) {
    const found = mails.filter((m) => m.envelopeTo.includes(user.email.toLowerCase()));
    expect(found).toHaveLength(1);
    return found[0];
  }

  describe('each of the five events reaches exactly the right recipients', () => {
    let scene: TicketScene;
    beforeEach(async () => {
      scene = await createTicketScene(h.system.repos);
    });

    it('created without an assignee: the company agents, not the actor, not inactive or opted-out users', async () => {
      const company = await h.system.repos.companies.create(`Created ${Date.now()}`);
      const requester = await createUser(h.system.repos, { role: 'client', companyId: company.id });
      const agent1 = await createUser(h.system.repos, { role: 'agent', companyId: company.id });
      const agent2 = await createUser(h.system.repos, { role: 'agent', companyId: company.id });
      await createUser(h.system.repos, { role: 'agent', companyId: company.id, isActive: false });
      const optedOut = await createUser(h.system.repos, { role: 'agent', companyId: company.id, notificationsEnabled: false });
      const ticket = await h.system.repos.tickets.create({
        companyId: company.id,
        requesterId: requester.id,
        assigneeId: null,
        subject: 'VPN down',
        description: 'Since this morning',
        status: 'open',
        priority: 'urgent',
      });
      await h.system.repos.tickets.addWatcher(ticket.id, optedOut.id);
      const { to, mails } = await deliver(ticket.id, { type: 'created', actorId: requester.id });
      expect(to).toEqual(sortedAddresses([agent1, agent2]));
      const mail = mailTo(mails, agent1);
      expect(mail.subject).toBe(`[Ticket #${ticket.id}] New unassigned ticket: VPN down`);
      const html = String(mail.parsed.html);
      expect(html).toContain(`href="http://helpdesk.test/tickets/${ticket.id}"`);
      expect(html).toMatch(/badge-priority[^>]*>urgent</);
      expect(html).toMatch(/badge-status[^>]*>open</);
      expect(mail.parsed.text).toContain('Since this morning');
    });

    it('updated: requester, assignee and watchers, minus the actor', async () => {
      const { to, mails } = await deliver(scene.ticket.id, {
        type: 'updated',
        actorId: scene.assignee.id,
        changes: { priority: { from: 'normal', to: 'high' } },
      });
      expect(to).toEqual(sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]));
      const mail = mailTo(mails, scene.requester);
      expect(mail.subject).toBe(`[Ticket #${scene.ticket.id}] Your ticket was updated: Printer on fire`);
      expect(String(mail.parsed.html)).toContain(`href="http://helpdesk.test/tickets/${scene.ticket.id}"`);
      expect(String(mail.parsed.html)).toMatch(/badge-priority[^>]*>high</);
    });

    it('assigned: the new assignee, the previous one, the requester and watchers, each worded for them', async () => {
      const { to, mails } = await deliver(scene.ticket.id, {
        type: 'assigned',
        actorId: world.admin.id,
        changes: { assigneeId: { from: scene.previousAssignee.id, to: scene.assignee.id } },
      });
      expect(to).toEqual(
        sortedAddresses([scene.assignee, scene.previousAssignee, scene.requester, scene.clientWatcher, scene.agentWatcher]),
      );
      const id = scene.ticket.id;
      expect(mailTo(mails, scene.assignee).subject).toBe(`[Ticket #${id}] Assigned to you: Printer on fire`);
      expect(mailTo(mails, scene.previousAssignee).subject).toBe(`[Ticket #${id}] Reassigned to ${scene.assignee.name}: Printer on fire`);
      expect(mailTo(mails, scene.requester).subject).toBe(
        `[Ticket #${id}] Your ticket was assigned to ${scene.assignee.name}: Printer on fire`,
      );
    });

    it('closed: everyone but the actor', async () => {
      const { to, mails } = await deliver(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id });
      expect(to).toEqual(sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]));
      expect(mailTo(mails, scene.requester).subject).toBe(`[Ticket #${scene.ticket.id}] Your ticket was closed: Printer on fire`);
    });

    it('commented (public): the comment reaches clients too', async () => {
      const commentId = await h.system.repos.tickets.addComment({
        ticketId: scene.ticket.id,
        authorId: scene.requester.id,
        body: 'Still smoking',
        isInternal: false,
      });
      const { to, mails } = await deliver(scene.ticket.id, { type: 'commented', actorId: scene.requester.id, commentId });
      expect(to).toEqual(sortedAddresses([scene.assignee, scene.clientWatcher, scene.agentWatcher]));
      const mail = mailTo(mails, scene.assignee);
      expect(mail.subject).toBe(`[Ticket #${scene.ticket.id}] New comment from ${scene.requester.name}: Printer on fire`);
      expect(mail.parsed.text).toContain('Still smoking');
    });

    it('commented (internal): never reaches a client', async () => {
      const commentId = await h.system.repos.tickets.addComment({
        ticketId: scene.ticket.id,
        authorId: scene.assignee.id,
        body: 'Customer owes us money',
        isInternal: true,
      });
      const { to } = await deliver(scene.ticket.id, { type: 'commented', actorId: scene.assignee.id, commentId });
      expect(to).toEqual(sortedAddresses([scene.agentWatcher]));
    });

    it('a user who is assignee and watcher gets one mail; the threading headers point at the ticket', async () => {
      await h.system.repos.tickets.addWatcher(scene.ticket.id, scene.assignee.id);
      const { to, mails, started } = await deliver(scene.ticket.id, { type: 'closed', actorId: world.admin.id });
      expect(to).toEqual(sortedAddresses([scene.assignee, scene.requester, scene.clientWatcher, scene.agentWatcher]));
      const mail = mailTo(mails, scene.assignee);
      expect(mail.messageId).toBe(`<event-${started.eventId}.ticket-${scene.ticket.id}.user-${scene.assignee.id}@helpdesk.test>`);
      expect(mail.parsed.references).toBe(`<ticket-${scene.ticket.id}@helpdesk.test>`);
    });
  });

  describe('the same event posted again', () => {
    it('one after the other: one workflow, one mail per recipient', async () => {
      const scene = await createTicketScene(h.system.repos);
      const first = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id }, { 'Idempotency-Key': `seq-${scene.ticket.id}` });
      expect(await closedStatus(h.system, first.workflowId)).toBe('COMPLETED');
      const second = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id }, { 'Idempotency-Key': `seq-${scene.ticket.id}` });
      expect(second).toEqual(first);
      const third = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id, eventId: `seq-${scene.ticket.id}` });
      expect(third).toEqual(first);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const mails = h.receiver.mails.filter((m) => m.messageId.startsWith(`<event-seq-${scene.ticket.id}.`));
      expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual(sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]));
    });

    it('concurrently: one workflow, one mail per recipient', async () => {
      const scene = await createTicketScene(h.system.repos);
      const key = `conc-${scene.ticket.id}`;
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => adminApi.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id }, { 'Idempotency-Key': key })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
      expect(new Set(responses.map((r) => `${r.body.workflowId}/${r.body.runId}`)).size).toBe(1);
      expect(await closedStatus(h.system, responses[0].body.workflowId)).toBe('COMPLETED');
      const executions = [];
      for await (const execution of h.system.jobs.list(`WorkflowId = '${responses[0].body.workflowId}'`, 10)) executions.push(execution);
      expect(executions).toHaveLength(1);
      const mails = h.receiver.mails.filter((m) => m.messageId.startsWith(`<event-${key}.`));
      expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual(sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]));
    });
  });

  it('the status endpoint shows the workflow state and each delivery; search attributes tag the workflow', async () => {
    const scene = await createTicketScene(h.system.repos);
    const started = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id });
    expect(started.workflowId).toBe(`ticket-${scene.ticket.id}-event-${started.eventId}`);
    expect(await closedStatus(h.system, started.workflowId)).toBe('COMPLETED');
    const status = await adminApi.get(`/api/tickets/${scene.ticket.id}/events/${started.eventId}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ eventId: started.eventId, workflowId: started.workflowId, runId: started.runId, status: 'COMPLETED' });
    expect(status.body.runs).toEqual([
      { workflowId: started.workflowId, runId: started.runId, status: 'COMPLETED', startTime: status.body.startTime, closeTime: status.body.closeTime },
    ]);
    expect(status.body.deliveries.map((d: { recipient: string }) => d.recipient).sort()).toEqual(
      sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]),
    );
    for (const delivery of status.body.deliveries) {
      expect(delivery).toMatchObject({ status: 'sent', attempts: 1, interruptedAttempts: 0, lastError: null });
      expect(delivery.messageId).toBe(`<event-${started.eventId}.ticket-${scene.ticket.id}.user-${delivery.userId}@helpdesk.test>`);
    }
    const description = await h.system.jobs.describe(started.workflowId);
    const attributes = Object.fromEntries(description!.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]));
    expect(attributes).toMatchObject({ JobType: 'notification', TicketId: scene.ticket.id, CompanyId: scene.companyId, RequestedBy: world.admin.id });
    const result = await h.system.jobs.result<{ recipients: Array<Record<string, unknown>> }>(started.workflowId);
    // payload hygiene: ids and statuses, no bodies
    expect(JSON.stringify(result)).not.toMatch(/<html|Printer on fire/);
    expect(Object.keys(result.recipients[0]).sort()).toEqual(['email', 'messageId', 'status', 'userId']);
  });

  it('the ledger counts an attempt cut off mid-send as interrupted when the next attempt starts; an outcome clears the in-flight mark', async () => {
    const scene = await createTicketScene(h.system.repos);
    const ledger = h.system.repos.notificationDeliveries;
    const key = { eventId: `ledger-${scene.ticket.id}`, ticketId: scene.ticket.id, userId: scene.requester.id, email: scene.requester.email, messageId: '<m@x>' };
    const opened = await ledger.open(key);
    expect(opened).toMatchObject({ status: 'pending', attempts: 0, interruptedAttempts: 0, inFlightSince: null });
    await ledger.startAttempt(opened.id);
    await ledger.recordError(opened.id, { type: 'SmtpTransientFailure', message: '451 try later', final: false });
    expect(await ledger.open(key)).toMatchObject({ attempts: 1, interruptedAttempts: 0, inFlightSince: null });
    // the worker dies here: no outcome is ever recorded for the second attempt
    await ledger.startAttempt(opened.id);
    expect((await ledger.open(key)).inFlightSince).toBeInstanceOf(Date);
    await ledger.startAttempt(opened.id);
    expect(await ledger.open(key)).toMatchObject({ attempts: 3, interruptedAttempts: 1 });
    await ledger.markSent(opened.id);
    expect(await ledger.open(key)).toMatchObject({ status: 'sent', attempts: 3, interruptedAttempts: 1, inFlightSince: null });
  });

  it('the ledger row a first open creates is the row a later open reads back, and a second open creates none', async () => {
    const scene = await createTicketScene(h.system.repos);
    const ledger = h.system.repos.notificationDeliveries;
    const key = { eventId: `first-open-${scene.ticket.id}`, ticketId: scene.ticket.id, userId: scene.requester.id, email: ` ${scene.requester.email.toUpperCase()} `, messageId: '<first@x>' };
    const created = await ledger.open(key);
    const readBack = await ledger.open(key);
    const { createdAt, updatedAt, ...fields } = created;
    const { createdAt: storedCreatedAt, updatedAt: storedUpdatedAt, ...storedFields } = readBack;
    expect(fields).toEqual(storedFields);
    expect(fields).toMatchObject({ email: scene.requester.email.toLowerCase(), status: 'pending', attempts: 0, sentAt: null, errorType: null, lastError: null });
    // the database may keep its timestamps to the second
    expect(Math.abs(createdAt.getTime() - storedCreatedAt.getTime())).toBeLessThan(1000);
    expect(Math.abs(updatedAt.getTime() - storedUpdatedAt.getTime())).toBeLessThan(1000);
    const rows = await h.system.db('notification_deliveries').where({ ticket_id: scene.ticket.id, event_id: key.eventId });
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].id)).toBe(created.id);
  });

  it('a hostile subject is escaped: no script, no extra header, no javascript: link', async () => {
    const subject = '<script>alert(1)</script>"\r\nBcc: x@evil.test" <a href="javascript:alert(1)">click</a>';
    const scene = await createTicketScene(h.system.repos, subject);
    const { mails } = await deliver(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id });
    expect(mails).toHaveLength(3);
    expect(mails.flatMap((m) => m.envelopeTo)).not.toContain('x@evil.test');
    for (const mail of mails) {
      expect(mail.parsed.headers.has('bcc')).toBe(false);
      const headerBlock = mail.raw.toString('latin1').split('\r\n\r\n')[0];
      expect(headerBlock).not.toMatch(/^Bcc:/im);
      expect(headerBlock).not.toContain('evil.test');
      expect(mail.subject).not.toMatch(/[\r\n]/);
      const html = String(mail.parsed.html);
      expect(html).not.toContain('<script>');
      expect(html).toContain('&lt;script&gt;');
      // the only links: the ticket, and the recipient's own signed unsubscribe link
      const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
      expect(links).toHaveLength(2);
      expect(links[0]).toBe(`http://helpdesk.test/tickets/${scene.ticket.id}`);
      const userId = mail.parsed.messageId?.match(/\.user-(\d+)@/)?.[1];
      expect(links[1]).toMatch(new RegExp(`^http://helpdesk\\.test/unsubscribe/${userId}\\.\\d+\\.[A-Za-z0-9_-]{43}$`));
    }
  });

  describe('bad input starts no workflow', () => {
    let scene: TicketScene;
    beforeAll(async () => {
      scene = await createTicketScene(h.system.repos);
    });

    async function expectNothingStarted(eventId: string) {
      expect(await h.system.jobs.describe(`ticket-${scene.ticket.id}-event-${eventId}`)).toBeUndefined();
    }

    it.each([
      ['an unknown ticket', 404, 'ticketId'],
      ['an unknown actor', 404, 'actorId'],
      ['an unknown comment', 404, 'commentId'],
    ])('%s → %s naming %s', async (_what, status, field) => {
      const eventId = `bad-${field}-${scene.ticket.id}`;
      const ticketId = field === 'ticketId' ? 999_999 : scene.ticket.id;
      const body =
        field === 'commentId'
          ? { type: 'commented', actorId: scene.assignee.id, commentId: 999_999, eventId }
          : { type: 'closed', actorId: field === 'actorId' ? 999_999 : scene.assignee.id, eventId };
      const response = await adminApi.post(`/api/tickets/${ticketId}/events`, body);
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe('not_found');
      expect(response.body.error.details[0].field).toBe(field);
      expect(await h.system.jobs.describe(`ticket-${ticketId}-event-${eventId}`)).toBeUndefined();
    });

    it.each([
      ['a type outside the five', { type: 'deleted', actorId: 1 }, 'type'],
      ['a missing actorId', { type: 'closed' }, 'actorId'],
      ['a commentId on a non-comment event', { type: 'closed', actorId: 1, commentId: 3 }, 'commentId'],
      ['a commented event without commentId', { type: 'commented', actorId: 1 }, 'commentId'],
      ['a malformed eventId', { type: 'closed', actorId: 1, eventId: 'has spaces' }, 'eventId'],
    ])('%s → 400 naming the field', async (_what, body, field) => {
      const eventId = `bad400-${field}-${scene.ticket.id}`;
      const response = await adminApi.post(`/api/tickets/${scene.ticket.id}/events`, body, { 'Idempotency-Key': eventId });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
      await expectNothingStarted(eventId);
    });
  });

  describe('who may post', () => {
    it("a client may post its own events for its own company's tickets; another company's ticket is 404, posting as someone else 403", async () => {
      const own = await h.system.repos.tickets.create({
        companyId: world.companyA.id,
        requesterId: world.clientA.id,
        assigneeId: world.agent.id,
        subject: 'Own ticket',
        description: '-',
        status: 'open',
        priority: 'low',
      });
      const clientApi = httpClient(h.system.baseUrl, world.tokens.clientB);
      const denied = await clientApi.post(`/api/tickets/${own.id}/events`, { type: 'updated', actorId: world.clientB.id, eventId: `deny-${own.id}` });
      expect(denied.status).toBe(404);
      expect(await h.system.jobs.describe(`ticket-${own.id}-event-deny-${own.id}`)).toBeUndefined();
      expect((await clientApi.get(`/api/tickets/${own.id}/events/deny-${own.id}`)).status).toBe(404);

      const impersonating = await httpClient(h.system.baseUrl, world.tokens.clientA).post(`/api/tickets/${own.id}/events`, {
        type: 'updated',
        actorId: world.agent.id,
        eventId: `as-agent-${own.id}`,
      });
      expect(impersonating.status).toBe(403);
      expect(impersonating.body.error.details).toEqual([{ field: 'actorId', message: `must be your own user id (${world.clientA.id})` }]);
      expect(await h.system.jobs.describe(`ticket-${own.id}-event-as-agent-${own.id}`)).toBeUndefined();

      const allowed = await httpClient(h.system.baseUrl, world.tokens.clientA).post(`/api/tickets/${own.id}/events`, {
        type: 'updated',
        actorId: world.clientA.id,
      });
      expect(allowed.status).toBe(202);
      expect(await closedStatus(h.system, allowed.body.workflowId)).toBe('COMPLETED');
    });

    it('without a token 401', async () => {
      expect((await httpClient(h.system.baseUrl).post('/api/tickets/1/events', { type: 'closed', actorId: 1 })).status).toBe(401);
    });
  });

  describe('event ids are scoped to their ticket', () => {
    /** Two tickets of one company that share an agent watcher, so one user is a recipient of both. */
    async function twoTickets() {
      const scene = await createTicketScene(h.system.repos);
      const other = await createTicketScene(h.system.repos);
      await h.system.repos.tickets.addWatcher(other.ticket.id, scene.agentWatcher.id);
      return { scene, other };
    }

    const mailsOfTicket = (ticketId: number, eventId: string) =>
      h.receiver.mails.filter((m) => m.messageId.startsWith(`<event-${eventId}.`) && m.parsed.references === `<ticket-${ticketId}@helpdesk.test>`);

    it('an event id already used on another ticket is a new event there: 202, each ticket mails its own recipients, each status shows its own deliveries', async () => {
      const { scene, other } = await twoTickets();
      const started = await post(scene.ticket.id, { type: 'closed', actorId: scene.assignee.id });
      expect(await closedStatus(h.system, started.workflowId)).toBe('COMPLETED');
      const reused = await post(other.ticket.id, { type: 'closed', actorId: other.assignee.id, eventId: started.eventId });
      expect(reused.workflowId).toBe(`ticket-${other.ticket.id}-event-${started.eventId}`);
      expect(await closedStatus(h.system, reused.workflowId)).toBe('COMPLETED');

      const expectedOther = sortedAddresses([other.requester, other.clientWatcher, other.agentWatcher, scene.agentWatcher]);
      expect(mailsOfTicket(other.ticket.id, started.eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(expectedOther);
      const watcherMails = h.receiver.mailsTo(scene.agentWatcher.email).filter((m) => m.messageId.startsWith(`<event-${started.eventId}.`));
      // two events, two threads: mail clients must not collapse them as one message
      expect(new Set(watcherMails.map((m) => m.messageId)).size).toBe(2);
      const status = await adminApi.get(`/api/tickets/${other.ticket.id}/events/${started.eventId}`);
      expect(status.body.deliveries.map((d: { recipient: string }) => d.recipient).sort()).toEqual(expectedOther);
      expect(status.body.deliveries.every((d: { status: string }) => d.status === 'sent')).toBe(true);
    });

    it('one event id posted concurrently on two tickets: both accepted and both completed, every recipient mailed once per ticket', async () => {
      const { scene, other } = await twoTickets();
      const eventId = `race-${scene.ticket.id}-${other.ticket.id}`;
      const responses = await Promise.all(
        [scene, other].flatMap((s) =>
          Array.from({ length: 3 }, () => adminApi.post(`/api/tickets/${s.ticket.id}/events`, { type: 'closed', actorId: s.assignee.id, eventId })),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(6).fill(202));
      for (const s of [scene, other]) expect(await closedStatus(h.system, `ticket-${s.ticket.id}-event-${eventId}`)).toBe('COMPLETED');
      expect(mailsOfTicket(scene.ticket.id, eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(
        sortedAddresses([scene.requester, scene.clientWatcher, scene.agentWatcher]),
      );
      expect(mailsOfTicket(other.ticket.id, eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(
        sortedAddresses([other.requester, other.clientWatcher, other.agentWatcher, scene.agentWatcher]),
      );
    });
  });
});
