import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { asyncHandler } from '../middleware/async-handler';
import { requireAuth } from '../middleware/auth';
import { loginRateLimit } from '../middleware/rate-limits';
import { validated } from '../middleware/validate';
import { authOf } from '../request-context';

const loginBody = z.object({
  email: z.string().trim().email().max(191),
  password: z.string().min(1).max(1024),
});

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
