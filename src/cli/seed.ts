import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { prepareDatabase } from '../db/prepare';
import { seedBulkTickets } from '../db/seed-bulk';
import { isDatabaseEmpty, seedDemoData } from '../db/seed-demo';
import { runCli } from './run-cli';

const USAGE = 'usage: npm run seed [-- --tickets N]  (demo data when the database is empty; --tickets adds N generated tickets)';

runCli(async () => {
  const { values } = parseArgs({ options: { tickets: { type: 'string' } }, allowPositionals: false });
  const tickets = values.tickets === undefined ? 0 : Number(values.tickets);
  if (!Number.isInteger(tickets) || tickets < 0) throw new Error(`--tickets must be a whole number (got "${values.tickets}"); ${USAGE}`);

  const { db } = await prepareDatabase(loadConfig());
  try {
    if (await isDatabaseEmpty(db)) {
      await seedDemoData(db);
      console.log('demo data seeded');
    } else if (tickets === 0) {
      console.log('the database already has data; demo seed skipped');
    }
    if (tickets > 0) {
      const companyIds = (await db('companies').pluck('id')).map(Number);
      const userIds = (await db('users').pluck('id')).map(Number);
      const started = Date.now();
      let lastShown = 0;
      await seedBulkTickets(db, {
        count: tickets,
        companyIds,
        userIds,
        seed: Date.now() % 100_000,
        onProgress: (inserted) => {
          if (inserted - lastShown >= 100_000 || inserted === tickets) {
            lastShown = inserted;
            console.log(`  ${inserted} tickets`);
          }
        },
      });
      console.log(`${tickets} tickets inserted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await db.destroy();
  }
});
