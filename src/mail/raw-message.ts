import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { OutgoingMail } from './outgoing-mail';

/** The nodemailer message options for our mails: fixed Message-ID, threading and one-click unsubscribe headers. */
export function toNodemailerMessage(mail: OutgoingMail, from: string): Mail.Options {
  return {
    from,
    // nodemailer encodes the name (RFC 2047) and quotes it, so a name cannot add recipients or headers
    to: mail.toName ? { name: mail.toName, address: mail.to } : mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    inReplyTo: mail.references[0],
    references: mail.references,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      ...(mail.unsubscribeUrl ? { 'List-Unsubscribe': `<${mail.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
    },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}

const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });

/** The complete RFC 5322 message as it would go over the wire (for the outbox and the preview). */
export async function buildRawMessage(mail: OutgoingMail, from: string): Promise<Buffer> {
  const info = await composer.sendMail(toNodemailerMessage(mail, from));
  return info.message as Buffer;
}
