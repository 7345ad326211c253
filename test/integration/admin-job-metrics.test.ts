import { BUCKET_COUNT } from '../../src/observability/metrics/histogram';
import { createJobMetricsStore, type MetricRow } from '../../src/observability/metrics/store';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';

const MINUTE = 60_000;
const buckets = (index: number, n: number) => Array.from({ length: BUCKET_COUNT }, (_, i) => (i === index ? n : 0));

// job types of this file only: other files' workers add real rows to the same database
const JOB_A = `chart-a-${Date.now().toString(36)}`;
const JOB_B = `chart-b-${Date.now().toString(36)}`;

function row(minute: Date, fields: Partial<MetricRow> & Pick<MetricRow, 'outcome' | 'count'>): MetricRow {
  return {
    minute,
    queue: 'notifications',
    jobType: JOB_A,
    step: '',
    attempt: 1,
    durationMsSum: 0,
    durationMsMax: 0,
    waitMsSum: 0,
    waitMsMax: 0,
    durationBuckets: buckets(0, fields.count),
    waitBuckets: buckets(0, fields.count),
    ...fields,
  };
}

describe('GET /api/admin/metrics/jobs: the chart series from the per-minute job metrics', () => {
  let sys: TestSystem;
  let world: World;

  beforeAll(async () => {
    sys = await startTestSystem();
    world = await createWorld(sys.repos, sys.auth);
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('gives per queue and job type the jobs per minute, failure rate, runtime p50/p95 and wait p95 of each bucket over 1 h and 24 h', async () => {
    const now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
    const twoHoursAgo = new Date(now.getTime() - 120 * MINUTE);
    await createJobMetricsStore(sys.db).add([
      row(now, { outcome: 'completed', count: 3, durationMsSum: 200, durationMsMax: 80, durationBuckets: buckets(2, 3), waitMsSum: 9, waitMsMax: 5, waitBuckets: buckets(0, 3) }),
      row(now, { outcome: 'failed', count: 1, durationMsSum: 900, durationMsMax: 900, durationBuckets: buckets(5, 1), waitMsSum: 7000, waitMsMax: 7000, waitBuckets: buckets(8, 1) }),
      // a retried attempt is not an ended job, and steps are not jobs
      row(now, { outcome: 'retried', count: 5 }),
      row(now, { outcome: 'completed', count: 9, step: 'sendTicketNotification' }),
      row(twoHoursAgo, { outcome: 'completed', count: 2, jobType: JOB_B, queue: 'reports' }),
    ]);
    const admin = httpClient(sys.baseUrl, world.tokens.admin);

    const hour = await admin.get('/api/admin/metrics/jobs?window=1h');
    expect(hour.status).toBe(200);
    expect(hour.body).toMatchObject({ window: '1h', bucketMinutes: 1 });
    const notifications = hour.body.series.find((s: { jobType: string }) => s.jobType === JOB_A);
    expect(notifications.queue).toBe('notifications');
    expect(notifications.points).toHaveLength(60);
    expect(notifications.points.find((p: { t: string }) => p.t === now.toISOString())).toEqual({
      t: now.toISOString(),
      completed: 3,
      failed: 1,
      cancelled: 0,
      perMinute: 4,
      failureRate: 0.25,
      runtimeP50Ms: 100,
      runtimeP95Ms: 900,
      waitP95Ms: 7000,
    });
    expect(notifications.points[0]).toMatchObject({ completed: 0, perMinute: 0, failureRate: null, runtimeP95Ms: null });
    expect(hour.body.series.map((s: { jobType: string }) => s.jobType)).not.toContain(JOB_B);

    const day = await admin.get(`/api/admin/metrics/jobs?window=24h&queue=reports&jobType=${JOB_B}`);
    expect(day.status).toBe(200);
    expect(day.body.bucketMinutes).toBe(15);
    expect(day.body.series.map((s: { jobType: string }) => s.jobType)).toEqual([JOB_B]);
    const reportPoints = day.body.series[0].points as Array<{ completed: number; perMinute: number }>;
    expect(reportPoints).toHaveLength(96);
    expect(reportPoints.reduce((sum, p) => sum + p.completed, 0)).toBe(2);
    expect(reportPoints.find((p) => p.completed === 2)!.perMinute).toBeCloseTo(2 / 15);
  });

  it('answers view_horizon holders only, and 400 naming a window it does not know', async () => {
    expect((await httpClient(sys.baseUrl).get('/api/admin/metrics/jobs')).status).toBe(401);
    expect((await httpClient(sys.baseUrl, world.tokens.agent).get('/api/admin/metrics/jobs')).status).toBe(403);
    const bad = await httpClient(sys.baseUrl, world.tokens.admin).get('/api/admin/metrics/jobs?window=7d');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'query.window' })]);
  });

  it('counts a queue name in characters as the contract does: 32 emoji (64 UTF-16 units) pass, 33 are a 400 naming the queue', async () => {
    const admin = httpClient(sys.baseUrl, world.tokens.admin);
    const fits = await admin.get(`/api/admin/metrics/jobs?queue=${encodeURIComponent('😀'.repeat(32))}`);
    expect(fits.status).toBe(200);
    expect(fits.body.series).toEqual([]);
    const tooLong = await admin.get(`/api/admin/metrics/jobs?queue=${encodeURIComponent('😀'.repeat(33))}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details).toEqual([{ field: 'query.queue', message: 'String must contain at most 32 character(s)' }]);
  });
});
