import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressObject } from 'mailparser';
import type { Config } from '../config';

/** The path of the dev mailbox page; printed by `npm start`. */
export const DEV_MAILBOX_PATH = '/dev/mailbox';
/** newest first, at most this many */
export const DEV_MAILBOX_LIMIT = 100;

export interface MailboxEntry {
  id: string;
  to: string[];
  subject: string;
  date: string;
  html: string;
}

/** The dev mailbox exists only outside production, and only while mail goes to the outbox folder (no SMTP_URL). */
export function devMailboxEnabled(config: Pick<Config, 'env' | 'mail'>): boolean {
  return config.env !== 'production' && !config.mail.smtpUrl;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((entry) => entry.value.map((address) => address.address ?? address.name)).filter(Boolean);
}

/** Reads the outbox folder: each complete mail (its .eml) with recipients, subject and rendered HTML, newest first. */
export function createDevMailbox(outboxDir: string) {
  return {
    async list(limit = DEV_MAILBOX_LIMIT): Promise<MailboxEntry[]> {
      let names: string[];
      try {
        names = (await fs.readdir(outboxDir)).filter((name) => name.endsWith('.eml'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const dated = await Promise.all(
        names.map(async (name) => ({ name, mtime: (await fs.stat(path.join(outboxDir, name)).catch(() => null))?.mtimeMs ?? 0 })),
      );
      dated.sort((a, b) => b.mtime - a.mtime || a.name.localeCompare(b.name));
      const entries: MailboxEntry[] = [];
      for (const { name, mtime } of dated.slice(0, limit)) {
        const raw = await fs.readFile(path.join(outboxDir, name)).catch(() => null);
        if (!raw) continue;
        // loaded on the first read of the mailbox: mailparser stays out of the API's memory until someone looks
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { simpleParser } = require('mailparser') as typeof import('mailparser');
        const parsed = await simpleParser(raw);
        entries.push({
          id: name.slice(0, -'.eml'.length),
          to: addresses(parsed.to),
          subject: parsed.subject ?? '',
          date: (parsed.date ?? new Date(mtime)).toISOString(),
          html: typeof parsed.html === 'string' ? parsed.html : parsed.textAsHtml ?? '',
        });
      }
      return entries;
    },
  };
}
