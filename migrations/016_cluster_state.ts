import type { Knex } from 'knex';

/**
 * State that several API and worker processes share: rate-limit counters (one budget however many API
 * replicas answer) and worker heartbeats (the live worker processes of each queue).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limit_hits', (t) => {
    // sha256 of the limiter's prefix and key: addresses and e-mails never stored in the clear
    t.string('key', 64).primary();
    t.integer('hits').unsigned().notNullable();
    // epoch milliseconds: compared with the same arithmetic on both databases
    t.bigInteger('reset_at').notNullable().index();
  });
  await knex.schema.createTable('worker_heartbeats', (t) => {
    t.string('identity', 191).primary();
    t.string('queue', 64).notNullable().index();
    t.string('state', 16).notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('seen_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('worker_heartbeats');
  await knex.schema.dropTableIfExists('rate_limit_hits');
}
