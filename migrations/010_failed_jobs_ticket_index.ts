import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // the dead-letter list and its bulk retry filter by ticket; ids come along in the index, so the newest-first page needs no sort
  await knex.schema.alterTable('failed_jobs', (t) => {
    t.index(['ticket_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('failed_jobs', (t) => {
    t.dropIndex(['ticket_id']);
  });
}
