import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // e-mails are stored trimmed and lower-case, so login looks them up through the unique index
  // (a lower(email) = ? lookup cannot use it on MySQL); two accounts differing only in case stop the migration
  const clashes = await knex('users').select(knex.raw('lower(trim(email)) as email')).groupByRaw('lower(trim(email))').havingRaw('count(*) > 1');
  if (clashes.length > 0) {
    throw new Error(`users differing only in the case of their e-mail must be merged first: ${clashes.map((c: { email: string }) => c.email).join(', ')}`);
  }
  await knex('users').update({ email: knex.raw('lower(trim(email))') });
}

export async function down(): Promise<void> {
  // the original case is not kept; lower-case addresses stay valid
}
