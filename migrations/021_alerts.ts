import type { Knex } from 'knex';

/**
 * Alert episodes and their notifications. An episode is one stretch of time a rule fires for one subject (a job
 * type, a queue, or '*'): `open_key` holds `<rule>:<subject>` while it is open and NULL once resolved, so its
 * unique index allows one open episode per rule and subject (NULLs never collide, on MySQL and SQLite alike).
 * A notification row is the claim on one (episode, firing|resolved, email|webhook) message: its unique key is
 * what makes each message go out at most once, whoever checks and however often.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alert_episodes', (t) => {
    t.increments('id').primary();
    t.string('rule', 32).notNullable();
    t.string('subject', 100).notNullable();
    t.string('open_key', 140).nullable().unique({ indexName: 'alert_episodes_open_key_unique' });
    t.double('threshold').notNullable();
    t.double('last_value').nullable();
    t.double('peak_value').nullable();
    t.datetime('opened_at', { precision: 3 }).notNullable();
    t.datetime('last_checked_at', { precision: 3 }).notNullable();
    t.datetime('resolved_at', { precision: 3 }).nullable();
    t.index(['opened_at']);
    t.index(['resolved_at']);
  });
  await knex.schema.createTable('alert_notifications', (t) => {
    t.increments('id').primary();
    t.integer('episode_id').unsigned().notNullable().references('id').inTable('alert_episodes').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('channel', 191).notNullable();
    // sending: claimed, outcome unknown until marked; retrying: an attempt failed, the next attempt of the same run may claim it
    t.string('status', 16).notNullable();
    t.string('claimed_by', 200).notNullable();
    t.integer('tries').unsigned().notNullable().defaultTo(1);
    t.string('error', 1000).nullable();
    t.datetime('claimed_at', { precision: 3 }).notNullable();
    t.datetime('sent_at', { precision: 3 }).nullable();
    t.unique(['episode_id', 'kind', 'channel'], { indexName: 'alert_notifications_once' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('alert_notifications');
  await knex.schema.dropTableIfExists('alert_episodes');
}
