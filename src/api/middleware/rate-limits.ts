import type { Request } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { Config } from '../../config';
import { tooManyRequests } from '../errors';

function limiter(options: { windowMs: number; limit: number; key: (req: Request) => string; what: string }) {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: options.key,
    handler: (req, _res, next, opts) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime();
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime - Date.now()) / 1000)) : Math.ceil(opts.windowMs / 1000);
      next(tooManyRequests(`Too many ${options.what}; try again later`, seconds));
    },
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

export function rateLimitSettings(config: Pick<Config, 'rateLimits'>): RateLimitSettings {
  const { loginMax, loginWindowSeconds, jobsMax, jobsWindowSeconds } = config.rateLimits;
  return {
    loginPerWindow: loginMax,
    loginWindowMs: loginWindowSeconds * 1000,
    jobStartsPerWindow: jobsMax,
    jobStartsWindowMs: jobsWindowSeconds * 1000,
  };
}

export function loginRateLimit(settings: RateLimitSettings) {
  return limiter({
    windowMs: settings.loginWindowMs,
    limit: settings.loginPerWindow,
    what: 'login attempts',
    key: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.email ?? '').trim().toLowerCase()}`,
  });
}

const jobStartLimiters = new WeakMap<RateLimitSettings, ReturnType<typeof limiter>>();

/**
 * Keyed by the authenticated user's token, so one noisy integration cannot starve the others.
 * One limiter per app (per settings object): every job-starting route draws on the same budget.
 */
export function jobStartRateLimit(settings: RateLimitSettings) {
  let shared = jobStartLimiters.get(settings);
  if (!shared) {
    shared = limiter({
      windowMs: settings.jobStartsWindowMs,
      limit: settings.jobStartsPerWindow,
      what: 'job requests',
      key: (req) => `token:${req.auth?.tokenId ?? ipKeyGenerator(req.ip ?? '')}`,
    });
    jobStartLimiters.set(settings, shared);
  }
  return shared;
}
