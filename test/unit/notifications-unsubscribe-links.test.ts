import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { signUnsubscribeToken, unsubscribeSecret, unsubscribeUrl, verifyUnsubscribeToken } from '../../src/notifications/unsubscribe-links';

const SECRET = 'x'.repeat(40);
const NOW = new Date('2026-01-05T09:00:00.000Z');
const inSeconds = (s: number) => Math.floor(NOW.getTime() / 1000) + s;

describe('signed unsubscribe tokens', () => {
  it('a token verifies for its user until it expires', () => {
    const token = signUnsubscribeToken(SECRET, 7, inSeconds(60));
    expect(verifyUnsubscribeToken(SECRET, token, NOW)).toEqual({ ok: true, userId: 7 });
    expect(verifyUnsubscribeToken(SECRET, token, new Date(NOW.getTime() + 61_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a tampered user, expiry or signature, and a token signed with another secret', () => {
    const token = signUnsubscribeToken(SECRET, 7, inSeconds(60));
    const [, expires, signature] = token.split('.');
    expect(verifyUnsubscribeToken(SECRET, `8.${expires}.${signature}`, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUnsubscribeToken(SECRET, `7.${Number(expires) + 86_400}.${signature}`, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expect(verifyUnsubscribeToken(SECRET, `7.${expires}.${flipped}`, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUnsubscribeToken('y'.repeat(40), token, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUnsubscribeToken(SECRET, 'not-a-token', NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('the unsubscribe secret', () => {
  function tempDataDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-unsub-'));
  }

  it('is UNSUBSCRIBE_SECRET when set', () => {
    expect(unsubscribeSecret({ dataDir: tempDataDir(), mail: { unsubscribeSecret: SECRET } })).toBe(SECRET);
  });

  it('outside production, without UNSUBSCRIBE_SECRET, is generated once into DATA_DIR and read back by every process', () => {
    const dataDir = tempDataDir();
    const first = unsubscribeSecret({ dataDir, mail: { unsubscribeSecret: undefined } });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(path.join(dataDir, 'unsubscribe-secret'), 'utf8')).toBe(first);
    expect(unsubscribeSecret({ dataDir: tempDataDir(), mail: { unsubscribeSecret: undefined } })).not.toBe(first);
    // another process (no cache) reads the same file
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../src/notifications/unsubscribe-links') as typeof import('../../src/notifications/unsubscribe-links');
      expect(fresh.unsubscribeSecret({ dataDir, mail: { unsubscribeSecret: undefined } })).toBe(first);
    });
  });

  it('is required in production, and must be at least 32 characters', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/UNSUBSCRIBE_SECRET is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', UNSUBSCRIBE_SECRET: 'short' })).toThrow(/UNSUBSCRIBE_SECRET must be at least 32 characters/);
    expect(loadConfig({ NODE_ENV: 'production', UNSUBSCRIBE_SECRET: SECRET }).mail.unsubscribeSecret).toBe(SECRET);
  });

  it('links expire after UNSUBSCRIBE_LINK_DAYS', () => {
    const config = { dataDir: tempDataDir(), api: { appUrl: 'https://desk.example.test/help' }, mail: { unsubscribeSecret: SECRET, unsubscribeLinkDays: 2 } };
    const url = unsubscribeUrl(config, 7, NOW);
    expect(url).toMatch(/^https:\/\/desk\.example\.test\/help\/unsubscribe\/7\.\d+\.[A-Za-z0-9_-]{43}$/);
    const token = url.split('/').at(-1) as string;
    expect(verifyUnsubscribeToken(SECRET, token, new Date(NOW.getTime() + 2 * 86_400_000 - 1000))).toEqual({ ok: true, userId: 7 });
    expect(verifyUnsubscribeToken(SECRET, token, new Date(NOW.getTime() + 2 * 86_400_000))).toEqual({ ok: false, reason: 'expired' });
  });
});
