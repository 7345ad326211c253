import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('activity_logs', (t) => {
    t.bigIncrements('id');
    t.integer('user_id').unsigned().nullable();
    t.string('action', 64).notNullable();
    t.string('subject_type', 64).nullable();
    t.string('subject_id', 191).nullable();
    t.text('properties').nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    // cleanup deletes by age; the audit list reads newest first
    t.index(['created_at', 'id']);
    t.index(['subject_type', 'subject_id']);
    t.index(['user_id', 'created_at']);
    t.index(['action', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('activity_logs');
}
