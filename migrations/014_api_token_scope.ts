import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // a token opens one door: 'api' tokens the API (bearer), 'temporal_ui' sessions only the Temporal UI gateway (cookie)
  await knex.schema.alterTable('api_tokens', (t) => {
    t.string('scope', 32).notNullable().defaultTo('api');
  });
  // the gateway cookies issued before this migration were named after their purpose
  await knex('api_tokens').where({ name: 'temporal-ui', kind: 'session' }).update({ scope: 'temporal_ui' });
}

export async function down(knex: Knex): Promise<void> {
  await knex('api_tokens').where({ scope: 'temporal_ui' }).del();
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('scope');
  });
}
