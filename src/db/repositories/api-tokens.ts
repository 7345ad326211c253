import type { Db } from '../knex';
import { toDateOrNull } from '../normalize';

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  kind: 'session' | 'personal';
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export function createApiTokensRepository(db: Db) {
  return {
    async create(input: { userId: number; name: string; kind: ApiToken['kind']; tokenHash: string; expiresAt: Date | null }) {
      const [id] = await db('api_tokens').insert({
        user_id: input.userId,
        name: input.name,
        kind: input.kind,
        token_hash: input.tokenHash,
        expires_at: input.expiresAt,
        created_at: new Date(),
      });
      return Number(id);
    },
    /** The token if it exists, is not revoked and has not expired. */
    async findUsable(tokenHash: string, now: Date): Promise<ApiToken | undefined> {
      const row = await db('api_tokens').where({ token_hash: tokenHash }).whereNull('revoked_at').first();
      if (!row) return undefined;
      const token: ApiToken = {
        id: Number(row.id),
        userId: Number(row.user_id),
        name: row.name,
        kind: row.kind,
        expiresAt: toDateOrNull(row.expires_at),
        revokedAt: null,
      };
      if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return undefined;
      return token;
    },
    async revoke(id: number, now: Date): Promise<void> {
      await db('api_tokens').where({ id }).update({ revoked_at: now });
    },
  };
}

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>;
