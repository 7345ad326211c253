import type { ActivityDeps } from '../activities';
import type { Config } from '../src/config';
import { createDb, type Db } from '../src/db/knex';
import { createRepositories } from '../src/db/repositories';
import type { Logger } from '../src/logger';
import { createMailer } from '../src/mail/create-mailer';
import { createReportStorage } from '../src/reports/storage';

/**
 * The real dependencies activities run with: built once per worker process. A process that already
 * has a knex instance passes it in: two SQLite connections in one process can block each other.
 */
export function buildActivityDeps(config: Config, logger: Logger, db: Db = createDb(config.database)): ActivityDeps {
  return { config, db, repos: createRepositories(db), logger, storage: createReportStorage(config.reports), mailer: createMailer(config.mail, config.env) };
}

export async function closeActivityDeps(deps: ActivityDeps): Promise<void> {
  await deps.mailer.close();
  await deps.db.destroy();
}
