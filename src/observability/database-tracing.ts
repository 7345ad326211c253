import { KnexInstrumentation } from '@opentelemetry/instrumentation-knex';
import type { TracerProvider } from '@opentelemetry/api';

/** knex's files the instrumentation wraps (Client: the builder keeps its caller's context; Runner: one span per query). */
const KNEX_FILES = ['knex/lib/client.js', 'knex/lib/execution/runner.js'];

/**
 * One client span per database query (`select helpdesk.failed_jobs`, with db.system, db.operation, db.sql.table and the
 * parameterised SQL: bound values are not recorded), through @opentelemetry/instrumentation-knex, so SQLite and
 * MySQL/MariaDB are covered alike.
 *
 * The instrumentation hooks `require`, which sees only modules loaded after it: the entry points import knex before
 * tracing is installed (and jest's module registry bypasses `require` hooks). So its patches are also applied to
 * the knex files already loaded; the instrumentation rewraps rather than wraps twice.
 */
export function instrumentDatabase(provider: TracerProvider): KnexInstrumentation {
  const instrumentation = new KnexInstrumentation({ requireParentSpan: true });
  instrumentation.setTracerProvider(provider);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the version the patches are told about
  const version = (require('knex/package.json') as { version: string }).version;
  for (const definition of instrumentation.getModuleDefinitions()) {
    for (const file of definition.files) {
      if (!KNEX_FILES.includes(file.name)) continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the very module objects knex itself uses
      file.patch(require(file.name), version);
    }
  }
  return instrumentation;
}
