import type { Repositories } from '../db/repositories';
import type { TokenScope } from '../db/repositories/api-tokens';
import type { UserWithPermissions } from '../db/repositories/users';
import { unauthorized } from '../errors';
import { verifyAgainstDummy, verifyPassword } from './passwords';
import { generateToken, hashToken } from './tokens';

const GENERIC_LOGIN_FAILURE = 'Invalid e-mail or password';

export function createAuthService(repos: Repositories, options: { tokenTtlHours: number }, now: () => Date = () => new Date()) {
  return {
    async login(email: string, password: string): Promise<{ token: string; expiresAt: Date; user: UserWithPermissions }> {
      const found = await repos.users.findByEmailWithHash(email);
      const valid = found ? await verifyPassword(password, found.passwordHash) : await verifyAgainstDummy(password);
      if (!found || !valid || !found.user.isActive) throw unauthorized(GENERIC_LOGIN_FAILURE);
      const { token, hash } = generateToken();
      const expiresAt = new Date(now().getTime() + options.tokenTtlHours * 3600_000);
      await repos.apiTokens.create({ userId: found.user.id, name: 'login', kind: 'session', tokenHash: hash, expiresAt });
      await repos.activityLogs.record({ userId: found.user.id, action: 'auth.login', subjectType: 'user', subjectId: found.user.id });
      return { token, expiresAt, user: await repos.users.withPermissions(found.user) };
    },

    /** A token is accepted only where its scope says: an API token is no gateway cookie, a gateway session no bearer token. */
    async authenticate(token: string, scope: TokenScope = 'api'): Promise<{ user: UserWithPermissions; tokenId: number }> {
      // one round trip: token, user and permissions together (every authenticated request pays it)
      const found = await repos.apiTokens.findUsableWithUser(hashToken(token), scope, now());
      if (!found || !found.user.isActive) throw unauthorized('The token is missing, expired or revoked');
      return { user: { ...found.user, permissions: found.permissions }, tokenId: found.token.id };
    },

    /** The Temporal UI gateway's own short-lived session, for an already authenticated user; useless as a bearer token. */
    async issueTemporalUiSession(userId: number, minutes: number): Promise<{ token: string; expiresAt: Date }> {
      const { token, hash } = generateToken();
      const expiresAt = new Date(now().getTime() + minutes * 60_000);
      await repos.apiTokens.create({ userId, name: 'temporal-ui', kind: 'session', scope: 'temporal_ui', tokenHash: hash, expiresAt });
      return { token, expiresAt };
    },

    async logout(tokenId: number): Promise<void> {
      await repos.apiTokens.revoke(tokenId, now());
    },

    async createPersonalToken(email: string, name: string, days: number | null): Promise<{ token: string; expiresAt: Date | null }> {
      const found = await repos.users.findByEmailWithHash(email);
      if (!found) throw new Error(`no user with e-mail ${email}`);
      const { token, hash } = generateToken();
      const expiresAt = days === null ? null : new Date(now().getTime() + days * 86_400_000);
      await repos.apiTokens.create({ userId: found.user.id, name, kind: 'personal', tokenHash: hash, expiresAt });
      await repos.activityLogs.record({
        userId: found.user.id,
        action: 'auth.personal_token_created',
        subjectType: 'user',
        subjectId: found.user.id,
        properties: { name, expiresAt: expiresAt?.toISOString() ?? null },
      });
      return { token, expiresAt };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
