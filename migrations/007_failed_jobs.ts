import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('failed_jobs', (t) => {
    t.increments('id');
    t.string('job_type', 32).notNullable();
    t.string('workflow_id', 191).notNullable();
    t.string('run_id', 64).nullable();
    t.string('task_queue', 64).notNullable();
    t.string('error_type', 64).notNullable();
    t.text('error_message').notNullable();
    t.text('payload').notNullable();
    t.integer('ticket_id').unsigned().nullable();
    t.integer('company_id').unsigned().nullable();
    t.datetime('failed_at', { precision: 3 }).notNullable();
    t.datetime('retried_at', { precision: 3 }).nullable();
    t.string('retry_workflow_id', 191).nullable();
    t.enu('retry_status', ['running', 'succeeded', 'failed']).nullable();
    t.index(['failed_at', 'id']);
    t.index(['job_type', 'error_type']);
    t.index(['workflow_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('failed_jobs');
}
