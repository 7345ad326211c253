import type { Permission } from '../../auth/permissions';
import type { Db } from '../knex';
import { toDateOrNull } from '../normalize';
import { toUser, USER_COLUMNS, type User } from './users';

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
    /**
     * In one round trip: the token if it exists for this scope, is not revoked and has not expired, with its user and the permissions of the user's role
     * (one row per permission).
     */
    async findUsableWithUser(tokenHash: string, scope: TokenScope, now: Date): Promise<{ token: ApiToken; user: User; permissions: Permission[] } | undefined> {
      const rows = await db('api_tokens')
        .join('users', 'users.id', 'api_tokens.user_id')
        .join('roles', 'roles.id', 'users.role_id')
        .leftJoin('role_permissions', 'role_permissions.role_id', 'users.role_id')
        .leftJoin('permissions', 'permissions.id', 'role_permissions.permission_id')
        .where({ 'api_tokens.token_hash': tokenHash, 'api_tokens.scope': scope })
        .whereNull('api_tokens.revoked_at')
        .orderBy('permissions.name')
        .select([
          ...USER_COLUMNS,
          'api_tokens.id as token_id',
          'api_tokens.name as token_name',
          'api_tokens.kind as token_kind',
          'api_tokens.scope as token_scope',
          'api_tokens.expires_at as token_expires_at',
          'permissions.name as permission',
        ]);
      const [row] = rows;
      if (!row) return undefined;
      const token: ApiToken = {
        id: Number(row.token_id),
        userId: Number(row.id),
        name: row.token_name,
        kind: row.token_kind,
        scope: row.token_scope,
        expiresAt: toDateOrNull(row.token_expires_at),
        revokedAt: null,
      };
      if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return undefined;
      const permissions = rows.map((r: { permission: Permission | null }) => r.permission).filter((p: Permission | null): p is Permission => p !== null);
      return { token, user: toUser(row), permissions };
    },
    async revoke(id: number, now: Date): Promise<void> {
      await db('api_tokens').where({ id }).update({ revoked_at: now });
    },
  };
}

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>;
