import { Router } from 'express';
import { z } from 'zod';
import { textOfLength } from '../strict-values';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth } from '../middleware/auth';
import { loginRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { routeDocs } from '../openapi/route-doc';
import { isoInstant } from '../openapi/schemas';
import { authOf } from '../request-context';
import { PERMISSIONS, ROLES } from '../../auth/permissions';

/** zod's e-mail check (`.email()`), its case-insensitive flag written out, so the contract can state it as a pattern. */
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

const loginBody = z.object({
  // the contract's pattern allows the surrounding whitespace that trim() drops before the check
  email: z.string().trim().regex(EMAIL, 'Invalid email').max(191).openapi({ pattern: `^\\s*${EMAIL.source.slice(1, -1)}\\s*$` }),
  password: textOfLength(1, 1024),
});

const permission = z.enum(Object.keys(PERMISSIONS) as [keyof typeof PERMISSIONS, ...Array<keyof typeof PERMISSIONS>]);
const publicUserSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  companyId: z.number().int().nullable(),
  permissions: z.array(permission),
});

export const authRouteDocs = routeDocs([
  {
    method: 'post',
    path: '/api/auth/login',
    operationId: 'login',
    summary: 'Sign in with e-mail and password for a bearer token',
    description: 'Valid attempts are rate-limited per client address and e-mail, and per address (LOGIN_RATE_LIMIT_*).',
    tag: 'Auth',
    access: 'public',
    request: { body: loginBody, example: { email: 'admin@example.com', password: 'correct horse battery staple' } },
    responses: {
      200: {
        description: 'Signed in',
        schema: z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: isoInstant, user: publicUserSchema }),
      },
    },
    errors: [401, 429],
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    operationId: 'logout',
    summary: 'Revoke the token this request carries',
    tag: 'Auth',
    access: 'authenticated',
    responses: { 204: { description: 'The token no longer works' } },
  },
  {
    method: 'get',
    path: '/api/me',
    operationId: 'getMe',
    summary: 'The signed-in user, role, permissions and company',
    tag: 'Auth',
    access: 'authenticated',
    responses: {
      200: {
        description: 'The caller',
        schema: z.object({
          user: publicUserSchema,
          role: z.enum(ROLES),
          permissions: z.array(permission),
          company: z.object({ id: z.number().int(), name: z.string() }).nullable(),
        }),
      },
    },
  },
]);

function publicUser(user: ReturnType<typeof authOf>['user']) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    companyId: user.companyId,
    permissions: user.permissions,
  };
}

export function createAuthRouter({ auth, repos, rateLimits }: Pick<AppDeps, 'auth' | 'repos' | 'rateLimits'>): Router {
  const router = Router();

  router.post(
    '/api/auth/login',
    // the rate limit counts valid attempts only: it runs after validation, before the login
    validated(
      { body: loginBody },
      async ({ body: { email, password } }, _req, res) => {
        const session = await auth.login(email, password);
        res.json({ token: session.token, tokenType: 'Bearer', expiresAt: session.expiresAt.toISOString(), user: publicUser(session.user) });
      },
      { thenRun: loginRateLimit(rateLimits) },
    ),
  );

  router.post(
    '/api/auth/logout',
    requireAuth(auth),
    asyncHandler(async (req, res) => {
      await auth.logout(authOf(req).tokenId);
      res.status(204).end();
    }),
  );

  router.get(
    '/api/me',
    requireAuth(auth),
    asyncHandler(async (req, res) => {
      const { user } = authOf(req);
      const company = user.companyId === null ? null : await repos.companies.findById(user.companyId);
      res.json({ user: publicUser(user), role: user.role, permissions: user.permissions, company: company ?? null });
    }),
  );

  return router;
}
