import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { Mailer, OutgoingMail, SentMail } from './outgoing-mail';
import { toNodemailerMessage } from './raw-message';
import { noDelaySmtpSocket } from './smtp-socket';

const CONNECTION_TIMEOUT_MS = 10_000;

export interface SmtpMailerOptions {
  url: string;
  from: string;
  /** pooled connections kept open to the server */
  maxConnections?: number;
}

/**
 * Sends through one pooled SMTP transport per worker process. Timeouts stay well under the send
 * activity's startToCloseTimeout so a hung server shows up as a classified, retryable error.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport({
    ...parseConnectionUrl(options.url),
    pool: true,
    maxConnections: options.maxConnections ?? 3,
    maxMessages: 100,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    logger: false,
    debug: false,
    // each pooled connection opened with TCP_NODELAY (see smtp-socket.ts): no 40 ms stall per mail
    getSocket: noDelaySmtpSocket(CONNECTION_TIMEOUT_MS),
  });
  return {
    kind: 'smtp',
    async send(mail: OutgoingMail): Promise<SentMail> {
      const info = await transport.sendMail(toNodemailerMessage(mail, options.from));
      return { messageId: mail.messageId, accepted: (info.accepted ?? []).map(String) };
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
