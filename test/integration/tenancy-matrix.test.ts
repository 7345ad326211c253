import type { Ticket } from '../../src/db/repositories/tickets';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { httpClient, type HttpResponse } from '../support/http';
import { closedStatus, startNotificationsHarness, type NotificationsHarness } from './notifications-helpers';

/** Ids no row has (well inside the INT range). */
const MISSING = 2_000_000_000;

type Method = 'GET' | 'POST' | 'DELETE';
interface Call {
  method: Method;
  path: string;
  body?: unknown;
}
interface Probe {
  /** what clientB tries against company A */
  what: string;
  /** the call naming company A's existing id */
  foreign: Call;
  /** the same call naming an id nothing has */
  missing: Call;
  status: number;
  code: string;
  /** the id is real: its owner (or staff) gets this status for the same call */
  control?: { who: 'admin' | 'clientA'; call: Call; status: number };
}

/**
 * Role × tenant: clientB (company B) walks every endpoint that takes an id or a user id in its path or body,
 * naming company A's tickets, users, comments, events, reports and failed jobs. Nothing of A may show, a foreign
 * id must answer exactly like a missing one, and no mail may leave (a real notifications worker and SMTP receiver
 * run, so a workflow started by mistake would really mail).
 */
describe('tenancy matrix: a client of company B against company A', () => {
  let h: NotificationsHarness;
  let world: World;
  let ticketA: Ticket;
  let ticketB: Ticket;
  let publicCommentA: number;
  let internalNoteA: number;
  let eventA: string;
  let reportA: number;
  let failedJobA: number;
  let mailsBefore: number;
  /** strings only company A's data holds */
  let secretsOfA: string[];
  const probeEventIds: string[] = [];
  const probes: Probe[] = [];

  const call = (token: string, c: Call): Promise<HttpResponse> => httpClient(h.system.baseUrl, token).request(c.method, c.path, c.body);
  /** a fresh event id per probe, so every workflow a probe could have started can be looked up */
  const eventId = (name: string) => {
    const id = `probe-${name}-${probeEventIds.length}`;
    probeEventIds.push(id);
    return id;
  };

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
    const { repos } = h.system;
    ticketA = await repos.tickets.create({
      companyId: world.companyA.id,
      requesterId: world.clientA.id,
      assigneeId: world.agent.id,
      subject: 'Secret merger paperwork',
      description: 'Company A only',
      status: 'open',
      priority: 'urgent',
    });
    ticketB = await repos.tickets.create({
      companyId: world.companyB.id,
      requesterId: world.clientB.id,
      assigneeId: null,
      subject: 'B printer',
      description: '-',
      status: 'open',
      priority: 'low',
    });
    publicCommentA = await repos.tickets.addComment({ ticketId: ticketA.id, authorId: world.clientA.id, body: 'Public words of A', isInternal: false });
    internalNoteA = await repos.tickets.addComment({ ticketId: ticketA.id, authorId: world.agent.id, body: 'Internal words about A', isInternal: true });
    const posted = await call(world.tokens.admin, {
      method: 'POST',
      path: `/api/tickets/${ticketA.id}/events`,
      body: { type: 'commented', actorId: world.agent.id, commentId: internalNoteA },
    });
    expect(posted.status).toBe(202);
    eventA = posted.body.eventId;
    expect(await closedStatus(h.system, posted.body.workflowId)).toBe('COMPLETED');
    reportA = (await repos.reports.create({ userId: world.clientA.id, companyId: world.companyA.id, format: 'csv', filters: { companyIds: [world.companyA.id] } })).id;
    failedJobA = await repos.failedJobs.record({
      jobType: 'notification',
      workflowId: `ticket-${ticketA.id}-event-${eventA}`,
      taskQueue: TASK_QUEUES.notifications,
      errorType: 'NotificationDeliveryFailed',
      errorMessage: 'Failure about the secret merger',
      payload: { input: { eventId: eventA, ticketId: ticketA.id, type: 'commented', actorId: world.agent.id, commentId: internalNoteA } },
      ticketId: ticketA.id,
      companyId: world.companyA.id,
    });
    secretsOfA = [
      world.companyA.name,
      world.clientA.email,
      world.clientA.name,
      world.agent.email,
      world.agent.name,
      world.admin.email,
      'Secret merger',
      'Public words of A',
      'Internal words about A',
      'Failure about the secret merger',
    ];
    mailsBefore = h.receiver.mails.length;

    const events = (ticketId: number) => `/api/tickets/${ticketId}/events`;
    const post = (path: string, body: unknown): Call => ({ method: 'POST', path, body });
    const get = (path: string): Call => ({ method: 'GET', path });

    // ---- POST /api/tickets/:ticketId/events: the ticket id, with every event type
    for (const type of ['created', 'updated', 'closed', 'commented']) {
      const body = (id: string) => ({ type, actorId: world.clientB.id, eventId: id, ...(type === 'commented' ? { commentId: publicCommentA } : {}) });
      const id = eventId(`ticket-${type}`);
      probes.push({
        what: `POST ${type} event on A's ticket`,
        foreign: post(events(ticketA.id), body(id)),
        missing: post(events(MISSING), body(id)),
        status: 404,
        code: 'not_found',
      });
    }
    // the actor id: only ever the client itself, whoever is named
    for (const [name, actorId] of [
      ['clientA', world.clientA.id],
      ['the agent of A', world.agent.id],
      ['the admin', world.admin.id],
    ] as const) {
      const id = eventId(`actor-${actorId}`);
      probes.push({
        what: `POST as ${name} (actorId) on its own ticket`,
        foreign: post(events(ticketB.id), { type: 'updated', actorId, eventId: id }),
        missing: post(events(ticketB.id), { type: 'updated', actorId: MISSING, eventId: id }),
        status: 403,
        code: 'forbidden',
      });
    }
    // the previous assignee: a client never posts assigned events, whoever it names
    for (const [name, from] of [
      ['clientA', world.clientA.id],
      ['the agent of A', world.agent.id],
      ['the admin', world.admin.id],
    ] as const) {
      const body = (fromId: number, id: string) => ({ type: 'assigned', actorId: world.clientB.id, eventId: id, changes: { assigneeId: { from: fromId, to: world.agent.id } } });
      const own = eventId(`prev-own-${from}`);
      probes.push({
        what: `POST assigned naming ${name} as previous assignee (changes.assigneeId.from) on its own ticket`,
        foreign: post(events(ticketB.id), body(from, own)),
        missing: post(events(ticketB.id), body(MISSING, own)),
        status: 403,
        code: 'forbidden',
      });
      const theirs = eventId(`prev-a-${from}`);
      probes.push({
        what: `POST assigned naming ${name} as previous assignee on A's ticket`,
        foreign: post(events(ticketA.id), body(from, theirs)),
        missing: post(events(MISSING), body(from, theirs)),
        status: 403,
        code: 'forbidden',
      });
    }
    // the comment id: A's public comment and A's internal note, on its own ticket and on A's
    for (const [name, commentId] of [
      ['public comment', publicCommentA],
      ['internal note', internalNoteA],
    ] as const) {
      const own = eventId(`comment-own-${commentId}`);
      probes.push({
        what: `POST commented naming A's ${name} (commentId) on its own ticket`,
        foreign: post(events(ticketB.id), { type: 'commented', actorId: world.clientB.id, commentId, eventId: own }),
        missing: post(events(ticketB.id), { type: 'commented', actorId: world.clientB.id, commentId: MISSING, eventId: own }),
        status: 404,
        code: 'not_found',
      });
      const theirs = eventId(`comment-a-${commentId}`);
      probes.push({
        what: `POST commented naming A's ${name} on A's ticket`,
        foreign: post(events(ticketA.id), { type: 'commented', actorId: world.clientB.id, commentId, eventId: theirs }),
        missing: post(events(MISSING), { type: 'commented', actorId: world.clientB.id, commentId, eventId: theirs }),
        status: 404,
        code: 'not_found',
      });
    }

    // ---- GET /api/tickets/:ticketId/events/:eventId
    probes.push({
      what: "GET A's event on A's ticket",
      foreign: get(`${events(ticketA.id)}/${eventA}`),
      missing: get(`${events(MISSING)}/${eventA}`),
      status: 404,
      code: 'not_found',
      control: { who: 'admin', call: get(`${events(ticketA.id)}/${eventA}`), status: 200 },
    });
    probes.push({
      what: "GET a missing event on A's ticket",
      foreign: get(`${events(ticketA.id)}/no-such-event`),
      missing: get(`${events(MISSING)}/no-such-event`),
      status: 404,
      code: 'not_found',
    });
    probes.push({
      what: "GET A's event id on its own ticket",
      foreign: get(`${events(ticketB.id)}/${eventA}`),
      missing: get(`${events(ticketB.id)}/no-such-event`),
      status: 404,
      code: 'not_found',
    });

    // ---- reports
    probes.push({
      what: "POST /api/reports with A's company id",
      foreign: post('/api/reports', { format: 'csv', filters: { companyIds: [world.companyA.id] } }),
      missing: post('/api/reports', { format: 'csv', filters: { companyIds: [MISSING] } }),
      status: 403,
      code: 'forbidden',
    });
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/download'],
      ['DELETE', ''],
    ] as const) {
      probes.push({
        what: `${method} clientA's report${suffix}`,
        foreign: { method, path: `/api/reports/${reportA}${suffix}` },
        missing: { method, path: `/api/reports/${MISSING}${suffix}` },
        status: 404,
        code: 'not_found',
        control: suffix === '' && method === 'GET' ? { who: 'clientA', call: get(`/api/reports/${reportA}`), status: 200 } : undefined,
      });
    }

    // ---- failed jobs (staff only)
    probes.push({
      what: "GET the failed-job list filtered on A's ticket",
      foreign: get(`/api/admin/failed-jobs?ticketId=${ticketA.id}`),
      missing: get(`/api/admin/failed-jobs?ticketId=${MISSING}`),
      status: 403,
      code: 'forbidden',
      control: { who: 'admin', call: get(`/api/admin/failed-jobs?ticketId=${ticketA.id}`), status: 200 },
    });
    probes.push({
      what: "GET the failed-job groups of A's ticket",
      foreign: get(`/api/admin/failed-jobs/groups?ticketId=${ticketA.id}`),
      missing: get(`/api/admin/failed-jobs/groups?ticketId=${MISSING}`),
      status: 403,
      code: 'forbidden',
    });
    probes.push({
      what: "GET A's failed job",
      foreign: get(`/api/admin/failed-jobs/${failedJobA}`),
      missing: get(`/api/admin/failed-jobs/${MISSING}`),
      status: 403,
      code: 'forbidden',
      control: { who: 'admin', call: get(`/api/admin/failed-jobs/${failedJobA}`), status: 200 },
    });
    probes.push({
      what: "POST a retry of A's failed job",
      foreign: post(`/api/admin/failed-jobs/${failedJobA}/retry`, {}),
      missing: post(`/api/admin/failed-jobs/${MISSING}/retry`, {}),
      status: 403,
      code: 'forbidden',
    });
    probes.push({
      what: "POST a bulk retry naming A's failed job",
      foreign: post('/api/admin/failed-jobs/retry', { ids: [failedJobA] }),
      missing: post('/api/admin/failed-jobs/retry', { ids: [MISSING] }),
      status: 403,
      code: 'forbidden',
    });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('walks every probe: a foreign id answers exactly like a missing one, and nothing of company A shows', async () => {
    const outcomes: Array<Record<string, unknown>> = [];
    for (const probe of probes) {
      const foreign = await call(world.tokens.clientB, probe.foreign);
      const missing = await call(world.tokens.clientB, probe.missing);
      const leaked = secretsOfA.filter((secret) => foreign.text.includes(secret) || missing.text.includes(secret));
      outcomes.push({
        what: probe.what,
        foreign: [foreign.status, foreign.body?.error?.code],
        missing: [missing.status, missing.body?.error?.code],
        sameAnswer: JSON.stringify(foreign.body) === JSON.stringify(missing.body),
        leaked,
      });
    }
    expect(outcomes).toEqual(
      probes.map((probe) => ({
        what: probe.what,
        foreign: [probe.status, probe.code],
        missing: [probe.status, probe.code],
        sameAnswer: true,
        leaked: [],
      })),
    );
  });

  it("the foreign ids are real: their owner or staff get an answer for the same call", async () => {
    const controls = probes.filter((p) => p.control);
    expect(controls.length).toBeGreaterThanOrEqual(4);
    for (const probe of controls) {
      const { who, call: c, status } = probe.control!;
      expect({ what: probe.what, status: (await call(world.tokens[who], c)).status }).toEqual({ what: probe.what, status });
    }
    // a client of A sees the company's public events, but the internal-note event is hidden from it too
    expect((await call(world.tokens.clientA, { method: 'GET', path: `/api/tickets/${ticketA.id}/events/${eventA}` })).status).toBe(404);
  });

  it('no probe started a workflow, no mail reached anyone, and A’s report is still there', async () => {
    for (const id of probeEventIds) {
      for (const ticketId of [ticketA.id, ticketB.id, MISSING]) {
        expect({ id, ticketId, found: (await h.system.jobs.describe(`ticket-${ticketId}-event-${id}`)) !== undefined }).toEqual({ id, ticketId, found: false });
      }
    }
    expect((await h.system.repos.failedJobs.findById(failedJobA))?.retryWorkflowId ?? null).toBeNull();
    // A's event id on its own ticket is simply a new event of that ticket (ids are scoped per ticket): no 409 that
    // would tell the id exists elsewhere, and A's event is untouched
    const aBefore = await call(world.tokens.admin, { method: 'GET', path: `/api/tickets/${ticketA.id}/events/${eventA}` });
    const reused = await call(world.tokens.clientB, { method: 'POST', path: `/api/tickets/${ticketB.id}/events`, body: { type: 'updated', actorId: world.clientB.id, eventId: eventA } });
    expect(reused.status).toBe(202);
    expect(reused.body.workflowId).toBe(`ticket-${ticketB.id}-event-${eventA}`);
    expect(await closedStatus(h.system, reused.body.workflowId)).toBe('COMPLETED');
    expect((await call(world.tokens.admin, { method: 'GET', path: `/api/tickets/${ticketA.id}/events/${eventA}` })).body).toEqual(aBefore.body);
    // a canary through the same worker and receiver: the one mail that arrives is its own
    const canary = await call(world.tokens.admin, { method: 'POST', path: `/api/tickets/${ticketB.id}/events`, body: { type: 'closed', actorId: world.admin.id } });
    expect(canary.status).toBe(202);
    expect(await closedStatus(h.system, canary.body.workflowId)).toBe('COMPLETED');
    const arrived = h.receiver.mails.slice(mailsBefore);
    expect(arrived.map((m) => ({ to: m.envelopeTo, canary: m.messageId.startsWith(`<event-${canary.body.eventId}.`) }))).toEqual([
      { to: [world.clientB.email.toLowerCase()], canary: true },
    ]);
    expect(await h.system.repos.reports.findById(reportA)).toBeDefined();
  });
});
