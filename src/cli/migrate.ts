import { syncRolesAndPermissions } from '../auth/permissions';
import { loadConfig } from '../config';
import { createDb, ensureMysqlDatabase, migrateLatest } from '../db/knex';
import { runCli } from './run-cli';

runCli(async () => {
  const config = loadConfig();
  if (config.database.client === 'mysql2') await ensureMysqlDatabase(config.database.url);
  const db = createDb(config.database);
  try {
    const applied = await migrateLatest(db);
    await syncRolesAndPermissions(db);
    console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await db.destroy();
  }
});
