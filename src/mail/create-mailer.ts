import type { Config } from '../config';
import { createOutboxMailer } from './outbox-mailer';
import type { Mailer } from './outgoing-mail';
import { createSmtpMailer } from './smtp-mailer';

/** SMTP when SMTP_URL is set, otherwise the outbox folder (which refuses fail.test and tempfail.test outside production). */
export function createMailer(mail: Config['mail'], env: Config['env'] = 'production'): Mailer {
  if (mail.smtpUrl) return createSmtpMailer({ url: mail.smtpUrl, from: mail.from, maxConnections: mail.smtpMaxConnections });
  return createOutboxMailer({ dir: mail.outboxDir, from: mail.from, simulateFailures: env !== 'production' });
}
