import type { Config } from '../config';
import { createOutboxMailer } from './outbox-mailer';
import type { Mailer } from './outgoing-mail';
import { createSmtpMailer } from './smtp-mailer';

/** SMTP when SMTP_URL is set, otherwise the outbox folder. */
export function createMailer(mail: Config['mail']): Mailer {
  if (mail.smtpUrl) return createSmtpMailer({ url: mail.smtpUrl, from: mail.from, maxConnections: mail.smtpMaxConnections });
  return createOutboxMailer({ dir: mail.outboxDir, from: mail.from });
}
