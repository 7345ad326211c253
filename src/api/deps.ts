import type { AuthService } from '../auth/auth-service';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Repositories } from '../db/repositories';
import type { JobsGateway } from '../jobs/gateway';
import type { Logger } from '../logger';
import type { RateLimitSettings } from './middleware/rate-limits';

export interface AppDeps {
  config: Config;
  db: Db;
  repos: Repositories;
  auth: AuthService;
  jobs: JobsGateway;
  logger: Logger;
  rateLimits: RateLimitSettings;
}
