import { activeRules, deadLettersReading, describeReading, failedJobsReadings, noWorkerReading, waitP95Readings, windowStart } from '../../src/alerts/rules';
import { alertMail, alertMessage, alertWebhookBody } from '../../src/alerts/messages';
import type { AlertEpisode } from '../../src/db/repositories/alerts';
import { BUCKET_COUNT, bucketOf } from '../../src/observability/metrics/histogram';
import type { MetricRow } from '../../src/observability/metrics/store';

const NOW = new Date('2026-03-02T10:00:30Z');
const settings = { failedJobsThreshold: 5, failedJobsWindowMinutes: 10, waitP95Seconds: 60, waitWindowMinutes: 10, noPollerSeconds: 120, deadLettersThreshold: 25 };

function row(partial: Partial<MetricRow> & { waits?: number[] }): MetricRow {
  const waitBuckets = new Array<number>(BUCKET_COUNT).fill(0);
  for (const ms of partial.waits ?? []) waitBuckets[bucketOf(ms)]++;
  return {
    minute: new Date('2026-03-02T10:00:00Z'),
    queue: 'notifications',
    jobType: 'notification',
    step: '',
    outcome: 'completed',
    attempt: 1,
    count: partial.waits?.length ?? 1,
    durationMsSum: 0,
    durationMsMax: 0,
    waitMsSum: 0,
    waitMsMax: Math.max(0, ...(partial.waits ?? [])),
    durationBuckets: new Array<number>(BUCKET_COUNT).fill(0),
    waitBuckets,
    ...partial,
  };
}

describe('alert rules', () => {
  it('a threshold of 0 turns its rule off', () => {
    expect(activeRules(settings)).toEqual(['failed_jobs', 'wait_p95', 'no_worker', 'dead_letters']);
    expect(activeRules({ ...settings, waitP95Seconds: 0, deadLettersThreshold: 0 })).toEqual(['failed_jobs', 'no_worker']);
  });

  it('a window starts at the start of the minute it begins in, so the minute row it cuts through counts whole', () => {
    expect(windowStart(new Date('2026-03-02T10:05:20Z'), 1)).toEqual(new Date('2026-03-02T10:04:00Z'));
    expect(windowStart(new Date('2026-03-02T10:05:00Z'), 1)).toEqual(new Date('2026-03-02T10:04:00Z'));
    expect(windowStart(new Date('2026-03-02T10:05:59.999Z'), 10)).toEqual(new Date('2026-03-02T09:55:00Z'));
  });

  it('counts failed jobs per type from job-level rows only, firing at the threshold', () => {
    const readings = failedJobsReadings(
      [
        row({ outcome: 'failed', count: 3 }),
        row({ outcome: 'failed', count: 2, minute: new Date('2026-03-02T09:59:00Z') }),
        // a failed step that was retried is not a failed job
        row({ outcome: 'failed', step: 'sendTicketNotification', count: 9 }),
        row({ outcome: 'completed', count: 40 }),
        row({ outcome: 'failed', jobType: 'report', queue: 'reports', count: 4 }),
      ],
      5,
    );
    expect(readings).toEqual([
      { rule: 'failed_jobs', subject: 'notification', value: 5, threshold: 5, firing: true },
      { rule: 'failed_jobs', subject: 'report', value: 4, threshold: 5, firing: false },
    ]);
  });

  it("reads each queue's p95 wait from the histogram buckets, firing only above the threshold", () => {
    const slow = row({ queue: 'reports', jobType: 'report', waits: [...new Array(18).fill(100), 90_000, 95_000] });
    const quick = row({ waits: new Array(20).fill(40) });
    expect(waitP95Readings([slow, quick], 60)).toEqual([
      { rule: 'wait_p95', subject: 'reports', value: 95, threshold: 60, firing: true },
      { rule: 'wait_p95', subject: 'notifications', value: 0.04, threshold: 60, firing: false },
    ]);
  });

  it('a queue is without a worker once no live poller or heartbeat was seen for the threshold; one never seen fires at once', () => {
    const ago = (s: number) => new Date(NOW.getTime() - s * 1000);
    // an idle worker's long poll: last access up to a minute ago is still a live worker
    expect(noWorkerReading('reports', [{ identity: 'w1', lastAccessTime: ago(50) }], [], NOW, 30)).toMatchObject({ value: 0, firing: false });
    // its process said it stopped 130 s ago (Temporal still lists the poller)
    const stopped = [{ identity: 'w1', state: 'stopped', seenAt: ago(130) }];
    expect(noWorkerReading('reports', [{ identity: 'w1', lastAccessTime: ago(135) }], stopped, NOW, 120)).toMatchObject({ value: 130, firing: true });
    expect(noWorkerReading('reports', [{ identity: 'w1', lastAccessTime: ago(65) }], [{ identity: 'w1', state: 'stopped', seenAt: ago(60) }], NOW, 120)).toMatchObject({
      value: 60,
      firing: false,
    });
    expect(noWorkerReading('reports', [], [], NOW, 120)).toEqual({ rule: 'no_worker', subject: 'reports', value: null, threshold: 120, firing: true });
  });

  it('dead letters fire at the threshold', () => {
    expect(deadLettersReading(24, 25).firing).toBe(false);
    expect(deadLettersReading(25, 25)).toEqual({ rule: 'dead_letters', subject: '*', value: 25, threshold: 25, firing: true });
  });

  it('says what fired in one line', () => {
    expect(describeReading({ rule: 'no_worker', subject: 'reports', value: 300, threshold: 120 }, settings)).toBe('queue reports: no worker for 300 s (threshold 120 s)');
    expect(describeReading({ rule: 'wait_p95', subject: 'reports', value: 95, threshold: 60 }, settings)).toBe(
      'queue reports: jobs wait 95 s before they start (p95 over 10 min, threshold 60 s)',
    );
  });
});

describe('alert messages', () => {
  const episode: AlertEpisode = {
    id: 7,
    rule: 'failed_jobs',
    subject: 'report<script>',
    threshold: 5,
    lastValue: 2,
    peakValue: 9,
    openedAt: new Date('2026-03-02T10:00:00Z'),
    lastCheckedAt: new Date('2026-03-02T10:05:00Z'),
    resolvedAt: new Date('2026-03-02T10:05:00Z'),
  };

  it('a resolved mail names the worst value, escapes the subject in HTML and threads under its alert', () => {
    const message = alertMessage(episode, 'resolved', settings, 'https://desk.example.com');
    expect(message.headline).toBe('[Resolved] Failed jobs: job type report<script> is back to normal');
    expect(message.details).toContain('At its worst: 9 failed report<script> jobs in the last 10 min (threshold 5)');
    const mail = alertMail(episode, 'resolved', message, 'ops@example.com', 'https://desk.example.com');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('report&lt;script&gt;');
    expect(mail.messageId).toBe('<alert-7.resolved.ops_example.com@desk.example.com>');
    expect(mail.references).toEqual(['<alert-7@desk.example.com>']);
    expect(mail.text).toContain('https://desk.example.com/admin/jobs#alerts');
  });

  it('the webhook body is what Slack reads (text, blocks) plus the alert itself', () => {
    const body = alertWebhookBody(episode, 'firing', alertMessage({ ...episode, resolvedAt: null }, 'firing', settings, 'https://desk.example.com'));
    expect(body.text).toBe('[Alert] Failed jobs: 2 failed report<script> jobs in the last 10 min (threshold 5)');
    expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining(body.text) } });
    expect(body.alert).toMatchObject({ episodeId: 7, status: 'firing', rule: 'failed_jobs', value: 2, threshold: 5 });
  });
});
