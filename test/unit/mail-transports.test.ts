import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config';
import { createMailer } from '../../src/mail/create-mailer';
import { createOutboxMailer, outboxFileBase } from '../../src/mail/outbox-mailer';
import type { OutgoingMail } from '../../src/mail/outgoing-mail';
import { classifySmtpError, redactSecrets } from '../../src/mail/smtp-errors';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import { freePort } from '../support/ports';
import { startSmtpReceiver, type SmtpReceiver } from '../integration/notifications-smtp-receiver';

function mail(to: string, id = 'evt-1'): OutgoingMail {
  return {
    to,
    subject: '[Ticket #1] Ticket updated: Hello',
    html: '<p>Hello</p>',
    text: 'Hello',
    messageId: `<event-${id}.user-1@helpdesk.test>`,
    references: ['<ticket-1@helpdesk.test>'],
  };
}

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    return classifySmtpError(err);
  }
  throw new Error('expected the send to fail');
}

describe('SMTP transport against a real SMTP server', () => {
  let receiver: SmtpReceiver;
  beforeEach(async () => {
    receiver = await startSmtpReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('delivers the message with our Message-ID and threading headers', async () => {
    const mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <hd@helpdesk.test>' });
    try {
      const sent = await mailer.send(mail('ana@example.test'));
      expect(sent.accepted).toEqual(['ana@example.test']);
    } finally {
      await mailer.close();
    }
    expect(receiver.mails).toHaveLength(1);
    const received = receiver.mails[0];
    expect(received.envelopeTo).toEqual(['ana@example.test']);
    expect(received.messageId).toBe('<event-evt-1.user-1@helpdesk.test>');
    expect(received.parsed.references).toBe('<ticket-1@helpdesk.test>');
    expect(received.parsed.from?.value[0]).toMatchObject({ name: 'Help Desk', address: 'hd@helpdesk.test' });
  });

  it.each([1, 2])('sends many messages over at most SMTP_MAX_CONNECTIONS=%i pooled connections', async (connections) => {
    const config = loadConfig({ SMTP_URL: receiver.url, SMTP_MAX_CONNECTIONS: String(connections) });
    const mailer = createMailer(config.mail);
    // held a little before each 250 so the sends overlap and the pool has to share its connections
    receiver.setAcceptDelay(20);
    try {
      await Promise.all(Array.from({ length: 8 }, (_, i) => mailer.send(mail(`u${i}@example.test`, `e${i}`))));
    } finally {
      await mailer.close();
    }
    expect(receiver.mails).toHaveLength(8);
    expect(new Set(receiver.mails.map((m) => m.sessionId)).size).toBe(connections);
  });

  it('when the server answers 451, the failure is transient and retryable', async () => {
    receiver.setRule(() => ({ code: 451, message: 'Try again later' }));
    const mailer = createSmtpMailer({ url: receiver.url, from: 'hd@helpdesk.test' });
    try {
      const failure = await failureOf(mailer.send(mail('ana@example.test')));
      expect(failure).toMatchObject({ type: 'SmtpTransientFailure', retryable: true, responseCode: 451 });
    } finally {
      await mailer.close();
    }
    expect(receiver.mails).toHaveLength(0);
  });

  it('when the server answers 550, the failure is permanent and not retryable', async () => {
    receiver.setRule((address) => (address === 'gone@example.test' ? { code: 550, message: 'No such user' } : undefined));
    const mailer = createSmtpMailer({ url: receiver.url, from: 'hd@helpdesk.test' });
    try {
      const failure = await failureOf(mailer.send(mail('gone@example.test')));
      expect(failure).toMatchObject({ type: 'SmtpPermanentFailure', retryable: false, responseCode: 550 });
      await mailer.send(mail('ok@example.test', 'e2'));
    } finally {
      await mailer.close();
    }
    expect(receiver.mailsTo('ok@example.test')).toHaveLength(1);
  });

  it('when the server refuses the connection, the failure is transient', async () => {
    const closedPort = await freePort();
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${closedPort}`, from: 'hd@helpdesk.test' });
    try {
      const failure = await failureOf(mailer.send(mail('ana@example.test')));
      expect(failure).toMatchObject({ type: 'SmtpTransientFailure', retryable: true });
      // nodemailer reports a refused connection as ECONNECTION or ESOCKET depending on timing
      expect(failure.code).toMatch(/^(ECONNECTION|ESOCKET)$/);
    } finally {
      await mailer.close();
    }
  });
});

describe('SMTP authentication', () => {
  let receiver: SmtpReceiver;
  beforeAll(async () => {
    receiver = await startSmtpReceiver({ auth: { user: 'mailer', pass: 's3cret-pass' } });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('with the right credentials from SMTP_URL, the mail goes through', async () => {
    const mailer = createSmtpMailer({ url: receiver.url, from: 'hd@helpdesk.test' });
    try {
      await mailer.send(mail('ana@example.test'));
    } finally {
      await mailer.close();
    }
    expect(receiver.mailsTo('ana@example.test')).toHaveLength(1);
  });

  it('wrong credentials are an auth failure, not retryable, and the password is not in the message', async () => {
    const mailer = createSmtpMailer({ url: `smtp://mailer:wrong-pass@127.0.0.1:${receiver.port}`, from: 'hd@helpdesk.test' });
    try {
      const failure = await failureOf(mailer.send(mail('ana@example.test')));
      expect(failure).toMatchObject({ type: 'SmtpAuthFailure', retryable: false });
      expect(failure.message).not.toContain('wrong-pass');
    } finally {
      await mailer.close();
    }
  });
});

describe('SMTP error classification', () => {
  it.each([
    [{ code: 'EAUTH', responseCode: 535 }, 'SmtpAuthFailure', false],
    [{ code: 'EENVELOPE', responseCode: 550 }, 'SmtpPermanentFailure', false],
    [{ code: 'EMESSAGE', responseCode: 554 }, 'SmtpPermanentFailure', false],
    [{ code: 'EENVELOPE', responseCode: 452 }, 'SmtpTransientFailure', true],
    [{ code: 'ECONNECTION' }, 'SmtpTransientFailure', true],
    [{ code: 'ETIMEDOUT' }, 'SmtpTransientFailure', true],
    [{ code: 'ESOCKET' }, 'SmtpTransientFailure', true],
  ])('%o is %s (retryable: %s)', (err, type, retryable) => {
    expect(classifySmtpError(Object.assign(new Error('x'), err))).toMatchObject({ type, retryable });
  });

  it('credentials in URLs and AUTH lines are redacted from messages', () => {
    expect(redactSecrets('connect smtp://user:pa55@mail.test:587 failed')).toBe('connect smtp://[redacted]@mail.test:587 failed');
    expect(redactSecrets('C: AUTH PLAIN dXNlcjpwYXNz')).toBe('C: AUTH PLAIN [redacted]');
  });
});

describe('outbox transport (the default without SMTP_URL)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the message as .eml and its HTML as .html, named after the Message-ID', async () => {
    const mailer = createOutboxMailer({ dir, from: 'Help Desk <hd@helpdesk.test>' });
    await mailer.send(mail('ana@example.test'));
    const base = outboxFileBase('<event-evt-1.user-1@helpdesk.test>');
    expect(fs.readdirSync(dir).sort()).toEqual([`${base}.eml`, `${base}.html`]);
    const parsed = await simpleParser(fs.readFileSync(path.join(dir, `${base}.eml`)));
    expect(parsed.messageId).toBe('<event-evt-1.user-1@helpdesk.test>');
    expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').toBe('ana@example.test');
    expect(fs.readFileSync(path.join(dir, `${base}.html`), 'utf8')).toBe('<p>Hello</p>');
  });

  it('createMailer picks the outbox without SMTP_URL and SMTP with it', async () => {
    const outboxDir = path.join(dir, 'box');
    expect(createMailer(loadConfig({ MAIL_OUTBOX_DIR: outboxDir }).mail).kind).toBe('outbox');
    const smtp = createMailer(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).mail);
    expect(smtp.kind).toBe('smtp');
    await smtp.close();
    await createMailer(loadConfig({ MAIL_OUTBOX_DIR: outboxDir }).mail).send(mail('x@example.test'));
    expect(fs.readdirSync(outboxDir)).toHaveLength(2);
  });
});
