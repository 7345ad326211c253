import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../../src/db/knex';
import type { JobsGateway } from '../../src/jobs/gateway';
import { jobRegistry } from '../../src/jobs/registry';
import type { Logger } from '../../src/logger';
import { createApiMetrics } from '../../src/observability/metrics/api-metrics';

const root = path.join(__dirname, '..', '..');

/** The metric names the README's Prometheus tables give: exact names and families written `prefix_*`. */
function documentedMetrics(): { names: Set<string>; families: string[] } {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Prometheus'), readme.indexOf('### Traces'));
  const cells = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([a-z_]+\*?)`/g)].map((match) => match[1]));
  return { names: new Set(cells.filter((c) => !c.endsWith('*'))), families: cells.filter((c) => c.endsWith('*')).map((c) => c.slice(0, -1)) };
}

function isDocumented(name: string): boolean {
  const { names, families } = documentedMetrics();
  return names.has(name) || families.some((prefix) => name.startsWith(prefix));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Every metric the code registers: prom-client metrics (`new Counter({ name: '…' })`) and the Temporal runtime meter's
 * (`meter.createCounter('…')`, exported with `_total` on counters, as the workers' Prometheus endpoint is configured).
 */
function registeredInSource(): Array<{ name: string; file: string }> {
  const found: Array<{ name: string; file: string }> = [];
  for (const file of ['src', 'workers', 'activities'].flatMap((dir) => sourceFiles(path.join(root, dir)))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) {
      found.push({ name: match[1], file: path.relative(root, file) });
    }
    for (const match of text.matchAll(/\.create(Counter|Histogram|Gauge)\(\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) {
      found.push({ name: match[1] === 'Counter' ? `${match[2]}_total` : match[2], file: path.relative(root, file) });
    }
  }
  return found;
}

describe('the README documents every metric', () => {
  it('every metric registered in the code (API, worker counters) is named in the README Prometheus tables', () => {
    const registered = registeredInSource();
    // the scan itself must keep finding the metrics known today, or it would pass by finding nothing
    expect(registered.map((m) => m.name)).toEqual(
      expect.arrayContaining(['helpdesk_http_request_duration_seconds', 'helpdesk_queue_backlog', 'helpdesk_mails_total', 'helpdesk_cleanup_rows_deleted_total']),
    );
    expect(registered.filter((m) => !isDocumented(m.name))).toEqual([]);
  });

  it("every metric the API's /metrics registry holds, prom-client's defaults included, is named in the README", () => {
    const jobs = { registry: jobRegistry, start: async () => undefined, startRetry: async () => undefined } as unknown as JobsGateway;
    const { registry } = createApiMetrics({ db: (() => undefined) as unknown as Db, jobs, logger: { warn: () => undefined } as unknown as Logger });
    const names = registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names).toEqual(expect.arrayContaining(['helpdesk_jobs_started_total', 'helpdesk_dead_letter_jobs', 'process_cpu_seconds_total']));
    expect(names.filter((name) => !isDocumented(name))).toEqual([]);
  });

  it('a metric the README does not name is reported', () => {
    expect(isDocumented('helpdesk_something_new_total')).toBe(false);
    expect(isDocumented('nodejs_heap_size_total_bytes')).toBe(true);
  });
});
