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

/** The zero-setup default: each mail becomes `<message-id>.eml` (the real message) and `.html` (to open in a browser). */
export function createOutboxMailer(options: { dir: string; from: string }): Mailer {
  return {
    kind: 'outbox',
    async send(mail: OutgoingMail): Promise<SentMail> {
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
