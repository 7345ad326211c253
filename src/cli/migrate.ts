import { loadConfig } from '../config';
import { prepareDatabase } from '../db/prepare';
import { runCli } from './run-cli';

runCli(async () => {
  const { db, applied } = await prepareDatabase(loadConfig());
  try {
    console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await db.destroy();
  }
});
