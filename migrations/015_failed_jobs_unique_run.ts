import type { Knex } from 'knex';

/**
 * One dead-letter entry per workflow run: a retried recording activity (or two paths of one run) can no
 * longer write it twice. Earlier duplicates are folded into the oldest entry first; a retry link on a
 * later duplicate is kept on the surviving entry when that one has none.
 */
export async function up(knex: Knex): Promise<void> {
  const duplicates: Array<{ workflow_id: string; run_id: string; keep: number }> = await knex('failed_jobs')
    .select('workflow_id', 'run_id')
    .min({ keep: 'id' })
    .whereNotNull('run_id')
    .groupBy('workflow_id', 'run_id')
    .havingRaw('count(*) > 1');
  for (const group of duplicates) {
    const keep = Number(group.keep);
    const others = knex('failed_jobs').where({ workflow_id: group.workflow_id, run_id: group.run_id }).whereNot('id', keep);
    const kept = await knex('failed_jobs').where({ id: keep }).first('retry_workflow_id');
    if (!kept?.retry_workflow_id) {
      const retried = await others.clone().whereNotNull('retry_workflow_id').orderBy('id', 'desc').first('retried_at', 'retry_workflow_id', 'retry_status');
      if (retried) await knex('failed_jobs').where({ id: keep }).update(retried);
    }
    await others.clone().delete();
  }
  await knex.schema.alterTable('failed_jobs', (t) => {
    t.unique(['workflow_id', 'run_id'], { indexName: 'failed_jobs_workflow_id_run_id_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('failed_jobs', (t) => {
    t.dropUnique(['workflow_id', 'run_id'], 'failed_jobs_workflow_id_run_id_unique');
  });
}
