import type { Knex } from 'knex';
import * as m001 from './001_accounts';
import * as m002 from './002_api_tokens';
import * as m003 from './003_tickets';
import * as m004 from './004_activity_logs';
import * as m005 from './005_reports';
import * as m006 from './006_notification_deliveries';
import * as m007 from './007_failed_jobs';
import * as m008 from './008_queue_controls';
import * as m009 from './009_delivery_in_flight';
import * as m010 from './010_failed_jobs_ticket_index';
import * as m011 from './011_users_email_lowercase';
import * as m012 from './012_cleanup_tallies';
import * as m013 from './013_delivery_ticket_scoped_key';
import * as m014 from './014_api_token_scope';
import * as m015 from './015_failed_jobs_unique_run';
import * as m016 from './016_cluster_state';
import * as m020 from './020_job_metrics';
import * as m021 from './021_alerts';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here, named without a file extension, so running from TypeScript sources
 * and from the compiled build records the same names in knex_migrations.
 */
const migrations: Array<[name: string, migration: Migration]> = [
  ['001_accounts', m001],
  ['002_api_tokens', m002],
  ['003_tickets', m003],
  ['004_activity_logs', m004],
  ['005_reports', m005],
  ['006_notification_deliveries', m006],
  ['007_failed_jobs', m007],
  ['008_queue_controls', m008],
  ['009_delivery_in_flight', m009],
  ['010_failed_jobs_ticket_index', m010],
  ['011_users_email_lowercase', m011],
  ['012_cleanup_tallies', m012],
  ['013_delivery_ticket_scoped_key', m013],
  ['014_api_token_scope', m014],
  ['015_failed_jobs_unique_run', m015],
  ['016_cluster_state', m016],
  ['020_job_metrics', m020],
  ['021_alerts', m021],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
