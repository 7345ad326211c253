import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // what each cleanup run has deleted so far, summed over its attempts: every delete batch adds its count in
  // the batch's own transaction, so a worker killed mid-run loses no count and the run reports what went
  await knex.schema.createTable('cleanup_tallies', (t) => {
    t.string('workflow_id', 191).primary();
    t.integer('activity_logs').unsigned().notNullable().defaultTo(0);
    t.integer('failed_jobs').unsigned().notNullable().defaultTo(0);
    t.integer('reports').unsigned().notNullable().defaultTo(0);
    t.integer('report_files').unsigned().notNullable().defaultTo(0);
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['updated_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cleanup_tallies');
}
