import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_deliveries', (t) => {
    t.increments('id');
    t.string('event_id', 191).notNullable();
    t.integer('ticket_id').unsigned().notNullable();
    t.integer('user_id').unsigned().notNullable();
    t.string('email', 191).notNullable();
    t.enu('status', ['pending', 'sent', 'failed']).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('message_id', 255).notNullable();
    t.string('error_type', 64).nullable();
    t.text('last_error').nullable();
    t.datetime('sent_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    // the ledger: one row per (event, recipient address)
    t.unique(['event_id', 'email']);
    t.index(['ticket_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notification_deliveries');
}
