import type { Request } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { tooManyRequests } from '../errors';

function limiter(options: { windowMs: number; limit: number; key: (req: Request) => string; what: string }) {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: options.key,
    handler: (_req, _res, next, opts) =>
      next(tooManyRequests(`Too many ${options.what}; try again later`, Math.ceil(opts.windowMs / 1000))),
  });
}

export interface RateLimitSettings {
  loginPerWindow: number;
  loginWindowMs: number;
  jobStartsPerWindow: number;
  jobStartsWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  loginPerWindow: 10,
  loginWindowMs: 15 * 60_000,
  jobStartsPerWindow: 120,
  jobStartsWindowMs: 60_000,
};

export function loginRateLimit(settings: RateLimitSettings) {
  return limiter({
    windowMs: settings.loginWindowMs,
    limit: settings.loginPerWindow,
    what: 'login attempts',
    key: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.email ?? '').trim().toLowerCase()}`,
  });
}

/** Keyed by the authenticated user's token, so one noisy integration cannot starve the others. */
export function jobStartRateLimit(settings: RateLimitSettings) {
  return limiter({
    windowMs: settings.jobStartsWindowMs,
    limit: settings.jobStartsPerWindow,
    what: 'job requests',
    key: (req) => `token:${req.auth?.tokenId ?? ipKeyGenerator(req.ip ?? '')}`,
  });
}
