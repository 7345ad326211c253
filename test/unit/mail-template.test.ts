import { simpleParser } from 'mailparser';
import { composeNotificationMail, type NotificationMailData } from '../../src/notifications/compose';
import { buildRawMessage } from '../../src/mail/raw-message';
import { ticketUrl } from '../../src/mail/template';

const HOSTILE_SUBJECT = '<script>alert(1)</script>"\r\nBcc: x@evil.test" javascript:alert(document.cookie)';

function data(overrides: Partial<NotificationMailData> = {}): NotificationMailData {
  return {
    appUrl: 'https://desk.example.test',
    event: { eventId: 'evt-1', type: 'assigned', occurredAt: '2024-05-01T10:00:00.000Z' },
    ticket: { id: 42, subject: 'Printer on fire', description: 'It smokes', status: 'open', priority: 'urgent' },
    actorName: 'Ana',
    assigneeName: 'Bob',
    recipient: { userId: 7, email: 'bob@example.test', name: 'Bob', reason: 'assignee' },
    ...overrides,
  };
}

async function parsed(mailData: NotificationMailData) {
  const mail = await composeNotificationMail(mailData);
  return { mail, message: await simpleParser(await buildRawMessage(mail, 'Help Desk <helpdesk@desk.example.test>')) };
}

describe('ticket notification mail', () => {
  it('has the subject, an HTML part with badges and the action button, and a text part', async () => {
    const { message } = await parsed(data());
    expect(message.subject).toBe('[Ticket #42] Assigned to you: Printer on fire');
    const html = String(message.html);
    expect(html).toContain('href="https://desk.example.test/tickets/42"');
    expect(html).toMatch(/class="badge badge-priority"[^>]*>urgent</);
    expect(html).toMatch(/class="badge badge-status"[^>]*>open</);
    expect(html).toContain('<meta name="viewport"');
    expect(message.text).toContain('Assigned to you');
    expect(message.text).toContain('https://desk.example.test/tickets/42');
    expect(message.text).not.toContain('<');
  });

  it('carries a deterministic Message-ID per (ticket, event, recipient) and threads on the ticket', async () => {
    const first = await parsed(data());
    const again = await parsed(data());
    const other = await parsed(data({ recipient: { userId: 8, email: 'cy@example.test', name: 'Cy', reason: 'watcher' } }));
    const sameEventIdOnAnotherTicket = await parsed(data({ ticket: { ...data().ticket, id: 43 } }));
    expect(first.message.messageId).toBe('<event-evt-1.ticket-42.user-7@desk.example.test>');
    expect(again.message.messageId).toBe(first.message.messageId);
    expect(other.message.messageId).toBe('<event-evt-1.ticket-42.user-8@desk.example.test>');
    expect(sameEventIdOnAnotherTicket.message.messageId).toBe('<event-evt-1.ticket-43.user-7@desk.example.test>');
    expect(first.message.inReplyTo).toBe('<ticket-42@desk.example.test>');
    expect(first.message.references).toBe('<ticket-42@desk.example.test>');
    expect(other.message.references).toBe(first.message.references);
  });

  it('escapes a hostile subject: no script, no extra header, no javascript: link', async () => {
    const { message } = await parsed(data({ ticket: { ...data().ticket, subject: HOSTILE_SUBJECT } }));
    expect(message.headers.has('bcc')).toBe(false);
    expect(message.bcc).toBeUndefined();
    expect(message.subject).toBe(
      '[Ticket #42] Assigned to you: <script>alert(1)</script>" Bcc: x@evil.test" javascript:alert(document.cookie)',
    );
    const html = String(message.html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(['https://desk.example.test/tickets/42']);
    expect(message.text).toContain('javascript:alert(document.cookie)');
    expect(message.text).not.toMatch(/\[javascript:/);
  });

  it('escapes comment bodies, names and changed values too', async () => {
    const { message } = await parsed(
      data({
        event: { eventId: 'evt-2', type: 'commented', occurredAt: '2024-05-01T10:00:00.000Z' },
        actorName: '<b>Mallory</b>',
        comment: { body: '<img src=x onerror=alert(1)>\nsecond line', isInternal: false },
        recipient: { userId: 7, email: 'bob@example.test', name: '<i>Bob</i>', reason: 'requester' },
      }),
    );
    const html = String(message.html);
    expect(html).not.toMatch(/<img src=x/);
    expect(html).not.toContain('<b>Mallory</b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;<br />second line');
    expect(html).toContain('&lt;i&gt;Bob&lt;/i&gt;');

    const updated = await parsed(
      data({
        event: {
          eventId: 'evt-3',
          type: 'updated',
          occurredAt: '2024-05-01T10:00:00.000Z',
          changes: { '<u>field</u>': { from: '<a href="javascript:x">old</a>', to: 'new' } },
        },
      }),
    );
    const updatedHtml = String(updated.message.html);
    expect(updatedHtml).not.toContain('href="javascript:');
    expect(updatedHtml).toContain('&lt;u&gt;field&lt;/u&gt;');
  });

  it('an internal note is labelled as such', async () => {
    const { message } = await parsed(
      data({
        event: { eventId: 'evt-4', type: 'commented', occurredAt: '2024-05-01T10:00:00.000Z' },
        comment: { body: 'check the toner', isInternal: true },
      }),
    );
    expect(message.subject).toBe('[Ticket #42] Internal note from Ana: Printer on fire');
    expect(String(message.html)).toContain('Internal note');
  });

  it('the ticket link only ever uses http(s) APP_URL and the numeric id', () => {
    expect(ticketUrl('http://helpdesk.test/', 5)).toBe('http://helpdesk.test/tickets/5');
    expect(ticketUrl('https://x.test/desk', 5)).toBe('https://x.test/desk/tickets/5');
    expect(() => ticketUrl('javascript:alert(1)', 5)).toThrow('APP_URL must be http(s)');
  });
});

describe('ticket notification mail: unsubscribe, recipient name, language and dates', () => {
  const unsubscribeUrl = 'https://desk.example.test/unsubscribe/7.1893456000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

  it('carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) with the signed link, and the footer links to it', async () => {
    const { message } = await parsed(data({ unsubscribeUrl }));
    const raw = (await buildRawMessage(await composeNotificationMail(data({ unsubscribeUrl })), 'x@desk.example.test')).toString();
    const headers = raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ').split('\r\n');
    expect(headers).toContain(`List-Unsubscribe: <${unsubscribeUrl}>`);
    expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(String(message.html)).toContain(`href="${unsubscribeUrl}"`);
    expect(message.text).toContain(unsubscribeUrl);
  });

  it('addresses the recipient by display name in To:, quoted so a hostile name adds no recipient', async () => {
    const { message } = await parsed(data({ recipient: { userId: 7, email: 'bob@example.test', name: 'Bob, <eve@evil.test>', reason: 'assignee' } }));
    const to = message.to as { value: Array<{ address: string; name: string }> };
    expect(to.value).toEqual([{ address: 'bob@example.test', name: 'Bob, <eve@evil.test>' }]);
  });

  it('declares the language of the HTML and shows the event time readable, in MAIL_TIMEZONE, with the zone', async () => {
    const { message } = await parsed(data({ timeZone: 'Europe/Berlin' }));
    expect(String(message.html)).toMatch(/<html lang="en"/);
    expect(message.text).toContain('1 May 2024, 12:00 CEST');
    const utc = await parsed(data());
    expect(utc.message.text).toContain('1 May 2024, 10:00 UTC');
    expect(utc.message.text).not.toContain('2024-05-01T10:00:00.000Z');
  });
});
