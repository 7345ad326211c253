import type { RequestHandler } from 'express';
import type { AuthService } from '../../auth/auth-service';
import type { Permission } from '../../auth/permissions';
import { forbidden, unauthorized } from '../../errors';
import { asyncHandler } from './async-handler';

export function requireAuth(auth: AuthService): RequestHandler {
  return asyncHandler(async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized('Send an Authorization: Bearer <token> header');
    req.auth = await auth.authenticate(match[1]);
    req.log = req.log?.child({ userId: req.auth.user.id });
    next();
  });
}

/** Deny by default: the route runs only when the caller's role grants the permission. */
export function requirePermission(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) return next(unauthorized());
    if (!req.auth.user.permissions.includes(permission)) return next(forbidden(`This needs the ${permission} permission`));
    next();
  };
}
