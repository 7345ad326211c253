import { signUnsubscribeToken, unsubscribeSecret } from '../../src/notifications/unsubscribe-links';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { closedStatus, createTicketScene, startNotificationsHarness, type NotificationsHarness } from './notifications-helpers';

describe('one-click unsubscribe from notification mails (RFC 8058)', () => {
  let h: NotificationsHarness;
  let world: World;

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Posts a closed event and answers the unsubscribe link of the mail the user got, pointed at the API under test. */
  async function linkFromMail(ticketId: number, actorId: number, email: string): Promise<string> {
    const posted = await httpClient(h.system.baseUrl, world.tokens.admin).post(`/api/tickets/${ticketId}/events`, { type: 'closed', actorId });
    expect(posted.status).toBe(202);
    expect(await closedStatus(h.system, posted.body.workflowId)).toBe('COMPLETED');
    const [mail] = h.receiver.mailsTo(email).filter((m) => m.messageId.includes(posted.body.eventId));
    const header = mail.parsed.headerLines.find((line) => line.key === 'list-unsubscribe')?.line.replace(/\r\n[ \t]+/g, ' ') ?? '';
    const post = mail.parsed.headerLines.find((line) => line.key === 'list-unsubscribe-post')?.line;
    expect(post).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const url = /^List-Unsubscribe: <(http:\/\/helpdesk\.test\/unsubscribe\/[^>]+)>$/.exec(header)?.[1];
    expect(url).toBeDefined();
    expect(String(mail.parsed.html)).toContain(`href="${url}"`);
    return url!.replace('http://helpdesk.test', h.system.baseUrl);
  }

  async function notificationsEnabled(userId: number): Promise<boolean | undefined> {
    return (await h.system.repos.users.findById(userId))?.notificationsEnabled;
  }

  it("a one-click POST to the mail's List-Unsubscribe link turns that user's notifications off without sign-in; the next event does not mail them", async () => {
    const scene = await createTicketScene(h.system.repos);
    const url = await linkFromMail(scene.ticket.id, scene.assignee.id, scene.clientWatcher.email);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect(await notificationsEnabled(scene.clientWatcher.id)).toBe(false);
    expect(await notificationsEnabled(scene.requester.id)).toBe(true);

    const before = h.receiver.mailsTo(scene.clientWatcher.email).length;
    const again = await httpClient(h.system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(await closedStatus(h.system, again.body.workflowId)).toBe('COMPLETED');
    expect(h.receiver.mailsTo(scene.clientWatcher.email)).toHaveLength(before);
    expect(h.receiver.mailsTo(scene.requester.email).filter((m) => m.messageId.includes(again.body.eventId))).toHaveLength(1);
  }, 60_000);

  it('a GET of the link (the footer link, a mail scanner) shows a confirmation page and changes nothing; its button unsubscribes', async () => {
    const scene = await createTicketScene(h.system.repos);
    const url = await linkFromMail(scene.ticket.id, scene.assignee.id, scene.requester.email);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toMatch(/<form method="post" action="[^"]+"><button type="submit"/);
    expect(await notificationsEnabled(scene.requester.id)).toBe(true);

    // the confirmation form posts to the same link (relative action), with an empty form body
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1];
    const confirmed = await fetch(new URL(action, url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are unsubscribed');
    expect(await notificationsEnabled(scene.requester.id)).toBe(false);
  }, 60_000);

  it('an expired link is refused with 410 and a tampered one with 400, both in the one error format; nothing changes', async () => {
    const scene = await createTicketScene(h.system.repos);
    const secret = unsubscribeSecret(h.system.config);
    const expired = signUnsubscribeToken(secret, scene.requester.id, Math.floor(Date.now() / 1000) - 60);
    for (const method of ['GET', 'POST']) {
      const gone = await fetch(`${h.system.baseUrl}/unsubscribe/${expired}`, { method });
      expect(gone.status).toBe(410);
      expect(await gone.json()).toMatchObject({ error: { code: 'link_expired', details: [{ field: 'token', message: 'has expired' }] } });
    }

    const valid = signUnsubscribeToken(secret, scene.requester.id, Math.floor(Date.now() / 1000) + 3600);
    const [, expires, signature] = valid.split('.');
    for (const tampered of [`${scene.clientWatcher.id}.${expires}.${signature}`, `${scene.requester.id}.${Number(expires) + 1}.${signature}`, 'garbage']) {
      const refused = await fetch(`${h.system.baseUrl}/unsubscribe/${tampered}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ field: 'token' }] } });
    }
    expect(await notificationsEnabled(scene.requester.id)).toBe(true);
    expect(await notificationsEnabled(scene.clientWatcher.id)).toBe(true);
  }, 60_000);
});
