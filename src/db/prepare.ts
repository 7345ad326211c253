import { syncRolesAndPermissions } from '../auth/permissions';
import type { Config } from '../config';
import { createDb, ensureMysqlDatabase, migrateLatest, type Db } from './knex';

/** Creates the MySQL database if missing, applies migrations and syncs roles; returns the open connection and what was applied. */
export async function prepareDatabase(config: Config): Promise<{ db: Db; applied: string[] }> {
  if (config.database.client === 'mysql2') await ensureMysqlDatabase(config.database.url);
  const db = createDb(config.database);
  try {
    const applied = await migrateLatest(db);
    await syncRolesAndPermissions(db);
    return { db, applied };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
