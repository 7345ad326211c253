import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'hdt_';

export function generateToken(): { token: string; hash: string } {
  const token = PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
