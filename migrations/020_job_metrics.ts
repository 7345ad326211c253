import type { Knex } from 'knex';
import { HISTOGRAM_BOUNDS_MS } from '../src/observability/metrics/histogram';

/**
 * Per-minute job and step metrics, written by the workers (SDK interceptors and sinks, never extra activities):
 * one row per minute, queue, job type, step ('' for the job itself), outcome and attempt. Counts and sums are
 * incremented by each flush, so several worker processes add into the same row. The d_* / w_* columns are the
 * duration and wait (schedule-to-start) histograms with HISTOGRAM_BOUNDS_MS as upper bounds (the last: beyond).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_metrics', (t) => {
    t.increments('id').primary();
    t.datetime('minute', { precision: 3 }).notNullable();
    t.string('queue', 32).notNullable();
    t.string('job_type', 64).notNullable();
    t.string('step', 100).notNullable();
    t.string('outcome', 16).notNullable();
    t.integer('attempt').unsigned().notNullable();
    t.integer('count').unsigned().notNullable().defaultTo(0);
    t.bigInteger('duration_ms_sum').unsigned().notNullable().defaultTo(0);
    t.integer('duration_ms_max').unsigned().notNullable().defaultTo(0);
    t.bigInteger('wait_ms_sum').unsigned().notNullable().defaultTo(0);
    t.integer('wait_ms_max').unsigned().notNullable().defaultTo(0);
    for (let i = 0; i <= HISTOGRAM_BOUNDS_MS.length; i++) {
      t.integer(`d_${i}`).unsigned().notNullable().defaultTo(0);
      t.integer(`w_${i}`).unsigned().notNullable().defaultTo(0);
    }
    t.unique(['minute', 'queue', 'job_type', 'step', 'outcome', 'attempt'], { indexName: 'job_metrics_key_unique' });
    t.index(['job_type', 'minute']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_metrics');
}
