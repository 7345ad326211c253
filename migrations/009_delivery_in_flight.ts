import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // an SMTP attempt in flight: set before the conversation starts, cleared by its outcome. Found still set
  // by the next attempt, it means the previous one was cut off (worker crash) with an unknown outcome.
  await knex.schema.alterTable('notification_deliveries', (t) => {
    t.datetime('in_flight_since', { precision: 3 }).nullable();
    t.integer('interrupted_attempts').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notification_deliveries', (t) => {
    t.dropColumn('in_flight_since');
    t.dropColumn('interrupted_attempts');
  });
}
