import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // one row per task queue, polled by its worker processes: pause/resume, and a restart generation to drain and exit on
  await knex.schema.createTable('queue_controls', (t) => {
    t.string('queue', 64).primary();
    t.boolean('paused').notNullable().defaultTo(false);
    t.integer('restart_generation').unsigned().notNullable().defaultTo(0);
    t.datetime('restart_requested_at', { precision: 3 }).nullable();
    t.integer('updated_by').unsigned().nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('queue_controls');
}
