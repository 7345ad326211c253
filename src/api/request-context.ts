import type { AuthContext } from '../auth/auth-context';

export type { AuthContext };

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

export function authOf(req: { auth?: AuthContext }): AuthContext {
  if (!req.auth) throw new Error('route used without requireAuth');
  return req.auth;
}
