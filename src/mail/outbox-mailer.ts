import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Mailer, OutgoingMail, SentMail } from './outgoing-mail';
import { buildRawMessage } from './raw-message';

/** `<event-e1.user-7@host>` → `event-e1.user-7@host`: a file name that is the same for a resend. */
export function outboxFileBase(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9.@_-]/g, '_').slice(0, 200);
}

async function writeAtomically(file: string, content: string | Buffer): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  await fs.writeFile(temp, content);
  await fs.rename(temp, file);
}

/** Recipient domains the outbox refuses in development, so the dead-letter and retry paths can be tried without an SMTP server. */
export const DEV_FAILURE_DOMAINS = { permanent: 'fail.test', temporary: 'tempfail.test' } as const;

/** An error shaped like nodemailer's for an SMTP reply, so the delivery code classifies it as it would a real one. */
export class SimulatedSmtpRefusal extends Error {
  readonly code = 'EENVELOPE';
  constructor(readonly responseCode: number, readonly response: string) {
    super(`Can't send mail - all recipients were rejected: ${response}`);
    this.name = 'SimulatedSmtpRefusal';
  }
}

function simulatedRefusal(to: string): SimulatedSmtpRefusal | null {
  const domain = to.slice(to.lastIndexOf('@') + 1).toLowerCase();
  if (domain === DEV_FAILURE_DOMAINS.permanent) {
    return new SimulatedSmtpRefusal(550, `550 5.1.1 <${to}>: Recipient address rejected: User unknown (dev outbox: ${DEV_FAILURE_DOMAINS.permanent} always refuses)`);
  }
  if (domain === DEV_FAILURE_DOMAINS.temporary) {
    return new SimulatedSmtpRefusal(451, `451 4.4.1 <${to}>: Mailbox temporarily unavailable, try again later (dev outbox: ${DEV_FAILURE_DOMAINS.temporary} always defers)`);
  }
  return null;
}

/**
 * The zero-setup default: each mail becomes `<message-id>.eml` (the real message) and `.html` (to open in a browser).
 * With `simulateFailures` (development and tests, never production) addresses at fail.test are refused permanently
 * and at tempfail.test temporarily, as an SMTP server would.
 */
export function createOutboxMailer(options: { dir: string; from: string; simulateFailures?: boolean }): Mailer {
  return {
    kind: 'outbox',
    async send(mail: OutgoingMail): Promise<SentMail> {
      const refusal = options.simulateFailures ? simulatedRefusal(mail.to) : null;
      if (refusal) throw refusal;
      await fs.mkdir(options.dir, { recursive: true });
      const base = path.join(options.dir, outboxFileBase(mail.messageId));
      await writeAtomically(`${base}.html`, mail.html);
      // the .eml last: its presence means the mail is complete
      await writeAtomically(`${base}.eml`, await buildRawMessage(mail, options.from));
      return { messageId: mail.messageId, accepted: [mail.to] };
    },
    async close(): Promise<void> {},
  };
}
