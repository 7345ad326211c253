import type { Db } from '../knex';
import { toDateOrNull } from '../normalize';

/** Where a token is accepted: 'api' as a bearer token, 'temporal_ui' only as the Temporal UI gateway's cookie. */
export type TokenScope = 'api' | 'temporal_ui';

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  kind: 'session' | 'personal';
  scope: TokenScope;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export function createApiTokensRepository(db: Db) {
  return {
    async create(input: { userId: number; name: string; kind: ApiToken['kind']; scope?: TokenScope; tokenHash: string; expiresAt: Date | null }) {
      const [id] = await db('api_tokens').insert({
        user_id: input.userId,
        name: input.name,
        kind: input.kind,
        scope: input.scope ?? 'api',
        token_hash: input.tokenHash,
        expires_at: input.expiresAt,
        created_at: new Date(),
      });
      return Number(id);
    },
    /** The token if it exists for this scope, is not revoked and has not expired. */
    async findUsable(tokenHash: string, scope: TokenScope, now: Date): Promise<ApiToken | undefined> {
      const row = await db('api_tokens').where({ token_hash: tokenHash, scope }).whereNull('revoked_at').first();
      if (!row) return undefined;
      const token: ApiToken = {
        id: Number(row.id),
        userId: Number(row.user_id),
        name: row.name,
        kind: row.kind,
        scope: row.scope,
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
