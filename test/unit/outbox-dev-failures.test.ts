import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createMailer } from '../../src/mail/create-mailer';
import { createOutboxMailer } from '../../src/mail/outbox-mailer';
import type { OutgoingMail } from '../../src/mail/outgoing-mail';
import { classifySmtpError } from '../../src/mail/smtp-errors';
import { createDevMailbox, devMailboxEnabled } from '../../src/dev-mailbox/dev-mailbox';

/** production refuses to start without an unsubscribe signing secret */
const PRODUCTION_SECRET = 'a-test-secret-of-at-least-32-characters!';

function mail(to: string, id: string): OutgoingMail {
  return { to, subject: `Ticket ${id} — Café`, html: `<p>Hello ${id}</p>`, text: `Hello ${id}`, messageId: `<event-${id}.user-1@helpdesk.test>`, references: [] };
}

async function refusal(send: Promise<unknown>): Promise<unknown> {
  try {
    await send;
  } catch (err) {
    return err;
  }
  throw new Error('the mail was accepted');
}

describe('the outbox in development: fail.test and tempfail.test', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-dev-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses an address at fail.test permanently, as a 550 5.1.1 the delivery code classifies as permanent', async () => {
    const mailer = createOutboxMailer({ dir, from: 'hd@helpdesk.test', simulateFailures: true });
    const err = await refusal(mailer.send(mail('bea@fail.test', 'a')));
    expect(err).toMatchObject({ responseCode: 550 });
    expect(String((err as Error).message)).toContain('550 5.1.1 <bea@fail.test>');
    expect(classifySmtpError(err)).toMatchObject({ type: 'SmtpPermanentFailure', retryable: false, responseCode: 550 });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('defers an address at tempfail.test, as a 4xx the delivery code retries', async () => {
    const mailer = createOutboxMailer({ dir, from: 'hd@helpdesk.test', simulateFailures: true });
    const err = await refusal(mailer.send(mail('Lars@TempFail.test', 'b')));
    expect(classifySmtpError(err)).toMatchObject({ type: 'SmtpTransientFailure', retryable: true, responseCode: 451 });
  });

  it('delivers every address in production, fail.test included', async () => {
    const production = createMailer(loadConfig({ NODE_ENV: 'production', UNSUBSCRIBE_SECRET: PRODUCTION_SECRET, MAIL_OUTBOX_DIR: dir }).mail, 'production');
    await production.send(mail('bea@fail.test', 'c'));
    expect(fs.readdirSync(dir)).toHaveLength(2);
    const development = createMailer(loadConfig({ NODE_ENV: 'development', MAIL_OUTBOX_DIR: dir }).mail, 'development');
    await expect(development.send(mail('bea@fail.test', 'd'))).rejects.toMatchObject({ responseCode: 550 });
  });

  it('the dev mailbox reads the outbox newest first, and exists only outside production without SMTP_URL', async () => {
    const mailer = createOutboxMailer({ dir, from: 'hd@helpdesk.test' });
    await mailer.send(mail('first@example.test', 'first'));
    const older = new Date(Date.now() - 60_000);
    for (const name of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, name), older, older);
    await mailer.send(mail('second@example.test', 'second'));
    const mails = await createDevMailbox(dir).list();
    expect(mails.map((m) => m.to)).toEqual([['second@example.test'], ['first@example.test']]);
    expect(mails[0]).toMatchObject({ subject: 'Ticket second — Café', html: expect.stringContaining('Hello second') });
    expect(await createDevMailbox(path.join(dir, 'missing')).list()).toEqual([]);
    expect(devMailboxEnabled(loadConfig({ NODE_ENV: 'development' }))).toBe(true);
    expect(devMailboxEnabled(loadConfig({ NODE_ENV: 'production', UNSUBSCRIBE_SECRET: PRODUCTION_SECRET }))).toBe(false);
    expect(devMailboxEnabled(loadConfig({ NODE_ENV: 'development', SMTP_URL: 'smtp://127.0.0.1:2525' }))).toBe(false);
  });
});
