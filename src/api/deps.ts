import type { AppCore } from '../composition';
import type { RateLimitSettings } from './middleware/rate-limits';

/** What the routes get: the composition root's application (services built once) and the rate limits. */
export interface AppDeps extends AppCore {
  rateLimits: RateLimitSettings;
}
