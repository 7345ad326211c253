import type { Knex } from 'knex';

const TICKET_SCOPED_KEY = 'notification_deliveries_ticket_event_email_unique';

export async function up(knex: Knex): Promise<void> {
  // event ids are scoped to their ticket (like the workflow id ticket-<t>-event-<e>): the same id on two
  // tickets is two events, so the ledger's key gains the ticket. The new key is added before the old one
  // goes, so the table is never without one; existing rows satisfy it, since it is strictly finer.
  await knex.schema.alterTable('notification_deliveries', (t) => {
    t.unique(['ticket_id', 'event_id', 'email'], { indexName: TICKET_SCOPED_KEY });
  });
  await knex.schema.alterTable('notification_deliveries', (t) => {
    t.dropUnique(['event_id', 'email']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // fails when one event id was meanwhile used on two tickets for one address: such rows must be merged first
  await knex.schema.alterTable('notification_deliveries', (t) => {
    t.unique(['event_id', 'email']);
  });
  await knex.schema.alterTable('notification_deliveries', (t) => {
    t.dropUnique(['ticket_id', 'event_id', 'email'], TICKET_SCOPED_KEY);
  });
}
