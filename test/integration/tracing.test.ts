import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installTracing } from '../../src/observability/tracing';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { closedStatus, createTicketScene } from './notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

describe('OpenTelemetry traces (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let mailer: Mailer;

  beforeAll(async () => {
    // before the system: the gateway's client, the API and the worker pick the provider up
    expect(installTracing('helpdesk-test', { processor: new SimpleSpanProcessor(exporter) })).toBe(true);
    receiver = await startSmtpReceiver();
    mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    sys = await startTestSystem({ queues: ['notifications'], env: { SMTP_URL: receiver.url }, activityDeps: (deps) => ({ ...deps, mailer }) });
    world = await createWorld(sys.repos, sys.auth);
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
    await mailer?.close();
    await receiver?.close();
  });

  it('without an OTLP endpoint nothing is installed', () => {
    expect(installTracing('helpdesk-test', {})).toBe(false);
  });

  it('one event posted to the API is one connected trace: API span → workflow start → workflow run → each send → its SMTP call and database queries', async () => {
    const scene = await createTicketScene(sys.repos);
    const posted = await httpClient(sys.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(posted.status).toBe(202);
    expect(await closedStatus(sys, posted.body.workflowId)).toBe('COMPLETED');

    const apiSpan = await waitFor(
      async () => exporter.getFinishedSpans().find((span) => span.name === 'POST /api/tickets/:ticketId/events'),
      { what: 'the API span' },
    );
    const inTrace = (): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === apiSpan.spanContext().traceId);
    const names = () => inTrace().map((span) => span.name);
    await waitFor(async () => names().filter((name) => name === 'RunActivity:sendTicketNotification').length === 3 && names().includes('RunWorkflow:ticketNotificationWorkflow'), {
      what: `the workflow and send spans in the API's trace (have: ${names().join(', ')})`,
    });

    const byId = new Map(inTrace().map((span) => [span.spanContext().spanId, span]));
    const ancestors = (span: ReadableSpan): string[] => {
      const chain: string[] = [];
      for (let parent = span.parentSpanId; parent; parent = byId.get(parent)?.parentSpanId) chain.push(byId.get(parent)?.name ?? `missing ${parent}`);
      return chain;
    };
    const start = inTrace().find((span) => span.name === 'StartWorkflow:ticketNotificationWorkflow');
    expect(start && ancestors(start)).toEqual(['POST /api/tickets/:ticketId/events']);
    const run = inTrace().find((span) => span.name === 'RunWorkflow:ticketNotificationWorkflow')!;
    expect(ancestors(run)).toEqual(expect.arrayContaining(['StartWorkflow:ticketNotificationWorkflow', 'POST /api/tickets/:ticketId/events']));
    const sends = inTrace().filter((span) => span.name === 'RunActivity:sendTicketNotification');
    expect(sends).toHaveLength(3);
    for (const send of sends) expect(ancestors(send)).toEqual(expect.arrayContaining(['RunWorkflow:ticketNotificationWorkflow', 'POST /api/tickets/:ticketId/events']));
    // each SMTP send is a client span under its step
    const smtp = inTrace().filter((span) => span.name === 'smtp send');
    expect(smtp).toHaveLength(3);
    for (const span of smtp) {
      expect(ancestors(span)[0]).toBe('RunActivity:sendTicketNotification');
      // counts only: no address, subject or body on the span
      expect(span.attributes).toEqual({ 'mail.transport': 'smtp', 'mail.recipient_count': 1, 'mail.accepted_count': 1 });
    }
    // each database query is a client span under what ran it: the API request's own (token, ticket, actor) and each send step's (the ledger)
    const queries = inTrace().filter((span) => span.attributes['db.system'] !== undefined);
    for (const query of queries) expect(query.attributes['db.system']).toBe(process.env.DATABASE_URL ? 'mysql2' : 'better-sqlite3');
    expect(queries.filter((query) => ancestors(query)[0] === 'POST /api/tickets/:ticketId/events').length).toBeGreaterThan(0);
    for (const send of sends) {
      const own = queries.filter((query) => query.parentSpanId === send.spanContext().spanId);
      expect(own.map((query) => query.attributes['db.sql.table'])).toContain('notification_deliveries');
    }
    // statements are parameterised: the recipients' addresses never reach a span
    const addresses = [scene.requester.email, scene.clientWatcher.email, scene.agentWatcher.email].map((a) => a.toLowerCase());
    for (const span of inTrace()) expect(addresses.filter((address) => JSON.stringify(span.attributes).toLowerCase().includes(address))).toEqual([]);
  }, 90_000);
});
