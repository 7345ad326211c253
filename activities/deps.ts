import type { Config } from '../src/config';
import type { Db } from '../src/db/knex';
import type { Repositories } from '../src/db/repositories';
import type { Logger } from '../src/logger';
import type { Mailer } from '../src/mail/outgoing-mail';
import type { ReportStorage } from '../src/reports/storage';

/** What activities may touch. Built in workers/, replaced by real test doubles only in unit tests. */
export interface ActivityDeps {
  config: Config;
  db: Db;
  repos: Repositories;
  logger: Logger;
  storage: ReportStorage;
  mailer: Mailer;
}
