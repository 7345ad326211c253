import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/**
 * Signed, expiring one-click unsubscribe links (RFC 8058): `<APP_URL>/unsubscribe/<user>.<expires>.<signature>`.
 * The signature is HMAC-SHA256 over `unsubscribe:<user>:<expires>` with UNSUBSCRIBE_SECRET, so the link needs no
 * sign-in and cannot be forged for another user or extended.
 */

export const UNSUBSCRIBE_SECRET_FILE = 'unsubscribe-secret';

const secrets = new Map<string, string>();

/**
 * UNSUBSCRIBE_SECRET, or (development and test only: production refuses to start without it) a random secret
 * generated once into DATA_DIR/unsubscribe-secret, which the API and the workers share.
 */
export function unsubscribeSecret(config: Pick<Config, 'dataDir'> & { mail: Pick<Config['mail'], 'unsubscribeSecret'> }): string {
  if (config.mail.unsubscribeSecret) return config.mail.unsubscribeSecret;
  const file = path.join(config.dataDir, UNSUBSCRIBE_SECRET_FILE);
  const cached = secrets.get(file);
  if (cached) return cached;
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    // 'wx': when two processes start together, one writes and the other reads what it wrote
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable unsubscribe secret: delete it to have a new one generated`);
  secrets.set(file, secret);
  return secret;
}

function signature(secret: string, userId: number, expiresAt: number): string {
  return createHmac('sha256', secret).update(`unsubscribe:${userId}:${expiresAt}`).digest('base64url');
}

/** A token for one user, valid until `expiresAt` (seconds since the epoch). */
export function signUnsubscribeToken(secret: string, userId: number, expiresAt: number): string {
  return `${userId}.${expiresAt}.${signature(secret, userId, expiresAt)}`;
}

export type UnsubscribeTokenCheck = { ok: true; userId: number } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Checks the signature first (a tampered token says nothing about its expiry), then the expiry. */
export function verifyUnsubscribeToken(secret: string, token: string, now: Date = new Date()): UnsubscribeTokenCheck {
  const match = /^([1-9]\d{0,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const userId = Number(match[1]);
  const expiresAt = Number(match[2]);
  const expected = Buffer.from(signature(secret, userId, expiresAt));
  const given = Buffer.from(match[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  if (expiresAt * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, userId };
}

/** The link put into List-Unsubscribe and the footer of every mail to the user. */
export function unsubscribeUrl(
  config: Pick<Config, 'dataDir'> & { api: Pick<Config['api'], 'appUrl'>; mail: Pick<Config['mail'], 'unsubscribeSecret' | 'unsubscribeLinkDays'> },
  userId: number,
  now: Date = new Date(),
): string {
  const expiresAt = Math.floor(now.getTime() / 1000) + config.mail.unsubscribeLinkDays * 86_400;
  const base = new URL(config.api.appUrl);
  return `${base.origin}${base.pathname.replace(/\/$/, '')}/unsubscribe/${signUnsubscribeToken(unsubscribeSecret(config), userId, expiresAt)}`;
}
