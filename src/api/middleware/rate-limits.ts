import type { Request } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { Config } from '../../config';
import { tooManyRequests } from '../../errors';
import type { Db } from '../../db/knex';
import { createRateLimitStores, type RateLimitStoreFactory } from './rate-limit-store';

function limiter(options: { windowMs: number; limit: number; key: (req: Request) => string; what: string; name: string; store?: RateLimitStoreFactory }) {
  return rateLimit({
    // without a shared store (tests, one process) the counters stay in this process's memory
    ...(options.store ? { store: options.store(options.name) } : {}),
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
  /** attempts per client address and e-mail: guesses at one account */
  loginPerWindow: number;
  /** attempts per client address over all e-mails: one address trying many accounts */
  loginPerAddressPerWindow: number;
  loginWindowMs: number;
  jobStartsPerWindow: number;
  jobStartsWindowMs: number;
  /** where the counters live: the database or Redis, shared by every API process (process memory when absent) */
  store?: RateLimitStoreFactory;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  loginPerWindow: 10,
  loginPerAddressPerWindow: 100,
  loginWindowMs: 15 * 60_000,
  jobStartsPerWindow: 120,
  jobStartsWindowMs: 60_000,
};

export function rateLimitSettings(config: Pick<Config, 'rateLimits'>, store?: RateLimitStoreFactory): RateLimitSettings {
  const { loginMax, loginAddressMax, loginWindowSeconds, jobsMax, jobsWindowSeconds } = config.rateLimits;
  return {
    loginPerWindow: loginMax,
    loginPerAddressPerWindow: loginAddressMax,
    loginWindowMs: loginWindowSeconds * 1000,
    jobStartsPerWindow: jobsMax,
    jobStartsWindowMs: jobsWindowSeconds * 1000,
    store,
  };
}

/** Two budgets per window: per address and e-mail (one account guessed at), and per address alone (many accounts tried). */
export function loginRateLimit(settings: RateLimitSettings) {
  return [
    limiter({
      windowMs: settings.loginWindowMs,
      limit: settings.loginPerAddressPerWindow,
      what: 'login attempts from this address',
      name: 'login-address',
      store: settings.store,
      key: (req) => ipKeyGenerator(req.ip ?? ''),
    }),
    limiter({
      windowMs: settings.loginWindowMs,
      limit: settings.loginPerWindow,
      what: 'login attempts',
      name: 'login-account',
      store: settings.store,
      key: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.email ?? '').trim().toLowerCase()}`,
    }),
  ];
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
      name: 'job-starts',
      store: settings.store,
      key: (req) => `token:${req.auth?.tokenId ?? ipKeyGenerator(req.ip ?? '')}`,
    });
    jobStartLimiters.set(settings, shared);
  }
  return shared;
}

/** The API process's limits: settings from the environment, counters shared by every API process (Redis or the database). */
export function sharedRateLimitSettings(config: Pick<Config, 'rateLimits' | 'database'>, db: Db): RateLimitSettings {
  const { stores } = createRateLimitStores({ redisUrl: config.rateLimits.redisUrl, db, connectTimeoutMs: config.database.connectTimeoutMs });
  return rateLimitSettings(config, stores);
}
