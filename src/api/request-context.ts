import type { UserWithPermissions } from '../db/repositories/users';

export interface AuthContext {
  user: UserWithPermissions;
  tokenId: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

export function authOf(req: { auth?: AuthContext }): AuthContext {
  if (!req.auth) throw new Error('route used without requireAuth');
  return req.auth;
}
