import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reports', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().notNullable().references('users.id');
    // set for client-role requesters: the only company their report may cover
    t.integer('company_id').unsigned().nullable().references('companies.id');
    t.enu('format', ['csv', 'json', 'pdf']).notNullable();
    t.text('filters').notNullable();
    t.enu('status', ['queued', 'running', 'ready', 'failed', 'cancelled', 'expired']).notNullable();
    t.string('workflow_id', 191).nullable();
    t.string('file_name', 255).nullable();
    t.bigInteger('file_size').nullable();
    t.integer('row_count').nullable();
    t.string('checksum', 64).nullable();
    t.integer('rows_written').notNullable().defaultTo(0);
    t.integer('total_rows').nullable();
    t.text('error').nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('started_at', { precision: 3 }).nullable();
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.datetime('expires_at', { precision: 3 }).nullable();
    t.index(['user_id', 'created_at']);
    t.index(['status', 'user_id']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('reports');
}
