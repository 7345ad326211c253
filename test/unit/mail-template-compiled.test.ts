import { renderTicketMail, renderTicketMailDirect, type TicketMailView } from '../../src/mail/template';

const base: TicketMailView = {
  appUrl: 'https://desk.example.test',
  ticket: { id: 42, subject: 'Printer on fire', status: 'open', priority: 'urgent' },
  headline: 'Assigned to you',
  summary: 'Ana assigned ticket #42 to you, and this summary is long enough that the plain-text part has to wrap it somewhere.',
  recipientName: 'Bob',
  occurredAt: '2024-05-01T10:00:00.000Z',
};

const views: Array<[string, TicketMailView]> = [
  ['no optional block', base],
  ['an unsubscribe link', { ...base, unsubscribeUrl: 'https://desk.example.test/unsubscribe/7.1893456000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }],
  ['a hostile subject', { ...base, ticket: { ...base.ticket, subject: '<script>alert(1)</script>"\r\nBcc: x@evil.test" javascript:alert(document.cookie)' } }],
  [
    'a multi-line hostile comment and name',
    {
      ...base,
      recipientName: '<i>Bob</i>',
      body: { label: 'Comment', text: '<img src=x onerror=alert(1)>\nsecond line & more &amp; text that goes on well beyond the seventy-eight columns of a line\n\nthird' },
    },
  ],
  [
    'a changes table with markup, null and numbers',
    { ...base, changes: { '<u>field</u>': { from: '<a href="javascript:x">old</a>', to: 'new' }, priority: { from: 'low', to: 'urgent' }, n: { from: null, to: 3 } } },
  ],
  [
    'every block, another time zone',
    {
      ...base,
      timeZone: 'Europe/Berlin',
      ticket: { ...base.ticket, id: 7, status: 'closed', priority: 'low' },
      body: { label: '2 changes, in order', text: '12:00 · Ana: status open → pending\n12:01 · Bob: priority low → high' },
      changes: { status: { from: 'open', to: 'pending' } },
      unsubscribeUrl: 'https://x.test/u/1',
    },
  ],
  ['non-ASCII, entities and runs of spaces', { ...base, headline: 'Ünïcödé “quotes” — 漢字 🎉', summary: 'two  spaces &  an ampersand', recipientName: 'Müller & Söhne' }],
];

describe('the compiled ticket mail template', () => {
  it.each(views)('renders exactly what MJML and html-to-text render for the mail itself: %s', async (_name, view) => {
    const direct = await renderTicketMailDirect(view);
    const compiled = await renderTicketMail(view);
    expect(compiled.html).toBe(direct.html);
    expect(compiled.text).toBe(direct.text);
  });

  it('keeps two mails of one shape apart (no value leaks from one mail into the next)', async () => {
    const first = await renderTicketMail({ ...base, recipientName: 'First Person' });
    const second = await renderTicketMail({ ...base, recipientName: 'Second Person', ticket: { ...base.ticket, id: 43 } });
    expect(first.html).toContain('Hello First Person,');
    expect(second.html).toContain('Hello Second Person,');
    expect(second.html).not.toContain('First Person');
    expect(second.html).toContain('href="https://desk.example.test/tickets/43"');
    expect(second.text).not.toContain('/tickets/42');
  });
});
