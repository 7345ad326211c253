import { parseArgs } from 'node:util';
import { createAuthService } from '../auth/auth-service';
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { createRepositories } from '../db/repositories';
import { runCli } from './run-cli';

const USAGE = 'usage: npm run token -- --email user@example.com [--name ci] [--days 365 | --no-expiry]';

/** Creates a long-lived personal API token for a user and prints it once. */
runCli(async () => {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string', default: 'personal token' },
      days: { type: 'string', default: '365' },
      'no-expiry': { type: 'boolean', default: false },
    },
  });
  if (!values.email) throw new Error(`--email is required; ${USAGE}`);
  const days = Number(values.days);
  if (!values['no-expiry'] && (!Number.isInteger(days) || days <= 0)) throw new Error(`--days must be a positive whole number (got "${values.days}")`);
  const config = loadConfig();
  const db = createDb(config.database);
  try {
    const auth = createAuthService(createRepositories(db), { tokenTtlHours: config.api.tokenTtlHours });
    const { token, expiresAt } = await auth.createPersonalToken(values.email, values.name as string, values['no-expiry'] ? null : days);
    console.log(token);
    console.error(`token "${values.name}" for ${values.email}, ${expiresAt ? `expires ${expiresAt.toISOString()}` : 'never expires'}; it is shown only once`);
  } finally {
    await db.destroy();
  }
});
