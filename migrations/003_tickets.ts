import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tickets', (t) => {
    t.increments('id');
    t.integer('company_id').unsigned().notNullable().references('companies.id');
    t.integer('requester_id').unsigned().notNullable().references('users.id');
    t.integer('assignee_id').unsigned().nullable().references('users.id');
    t.string('subject', 255).notNullable();
    t.text('description').notNullable();
    t.enu('status', ['open', 'pending', 'resolved', 'closed']).notNullable();
    t.enu('priority', ['low', 'normal', 'high', 'urgent']).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('closed_at', { precision: 3 }).nullable();
    // reports filter by created_at range, optionally within companies
    t.index(['created_at', 'id']);
    t.index(['company_id', 'created_at']);
    t.index(['requester_id']);
    t.index(['assignee_id']);
  });
  await knex.schema.createTable('ticket_comments', (t) => {
    t.increments('id');
    t.integer('ticket_id').unsigned().notNullable().references('tickets.id').onDelete('CASCADE');
    t.integer('author_id').unsigned().notNullable().references('users.id');
    t.text('body').notNullable();
    t.boolean('is_internal').notNullable().defaultTo(false);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['ticket_id', 'created_at']);
    t.index(['author_id']);
  });
  await knex.schema.createTable('ticket_watchers', (t) => {
    t.integer('ticket_id').unsigned().notNullable().references('tickets.id').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.primary(['ticket_id', 'user_id']);
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['ticket_watchers', 'ticket_comments', 'tickets']) {
    await knex.schema.dropTableIfExists(table);
  }
}
