import { loadConfig } from '../config';
import { prepareDatabase } from '../db/prepare';
import { DEMO_LOGINS, isDatabaseEmpty, seedDemoData } from '../db/seed-demo';
import { runCli } from './run-cli';

/**
 * `npm start`'s database step, run as a short-lived process so the start command does not keep knex and the seed in
 * memory for as long as the stack runs: migrates, seeds the demo data into an empty database, and prints as its last
 * line `demo-logins: yes` when the demo logins exist (seeded now or earlier), `demo-logins: no` otherwise.
 */
runCli(async () => {
  const { db } = await prepareDatabase(loadConfig());
  try {
    if (await isDatabaseEmpty(db)) {
      console.log('empty database: seeding demo data');
      await seedDemoData(db);
    }
    const demoLogins = Boolean(await db('users').where({ email: DEMO_LOGINS[0].email }).first('id'));
    console.log(`demo-logins: ${demoLogins ? 'yes' : 'no'}`);
  } finally {
    await db.destroy();
  }
});
