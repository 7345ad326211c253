import type { Browser, Page } from 'playwright-core';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { flushJobMetrics } from '../../src/observability/metrics/worker-wiring';
import { closedStatus, createTicketScene, type TicketScene } from '../integration/notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from '../integration/notifications-smtp-receiver';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { launchChromium, newPage, screenshotBothWidths, signIn, tabTo, unlabelledControls } from './browser';

type Point = { t: string; completed: number; failed: number; cancelled: number };

describe('the Jobs page in Chromium: search by id, event and error type, and open the jobs behind a chart point', () => {
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let mailer: Mailer;
  let browser: Browser;
  let okScene: TicketScene;
  let okEventId: string;
  let okWorkflowId: string;
  let badWorkflowId: string;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    sys = await startTestSystem({ queues: ['notifications'], env: { SMTP_URL: receiver.url }, activityDeps: (deps) => ({ ...deps, mailer }) });
    world = await createWorld(sys.repos, sys.auth);
    browser = await launchChromium();
    // the chart needs the queues to itself: other files share this jest worker's database and namespace
    for await (const execution of sys.jobs.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
      await sys.jobs.client.workflow.getHandle(execution.workflowId).terminate('chart test needs the queues to itself');
    }
    await sys.db('job_metrics').del();
    okScene = await createTicketScene(sys.repos);
    const bad = await createTicketScene(sys.repos);
    const refused = bad.clientWatcher.email.toLowerCase();
    receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
    const admin = httpClient(sys.baseUrl, world.tokens.admin);
    okEventId = `evt-page-${Date.now()}`;
    okWorkflowId = (await admin.post(`/api/tickets/${okScene.ticket.id}/events`, { type: 'closed', actorId: okScene.assignee.id, eventId: okEventId })).body.workflowId;
    badWorkflowId = (await admin.post(`/api/tickets/${bad.ticket.id}/events`, { type: 'closed', actorId: bad.assignee.id })).body.workflowId;
    expect(await closedStatus(sys, okWorkflowId)).toBe('COMPLETED');
    expect(await closedStatus(sys, badWorkflowId)).toBe('FAILED');
    await waitFor(async () => (await sys.repos.failedJobs.listByWorkflowId(badWorkflowId)).length === 1, { what: 'the dead letter' });
    await flushJobMetrics(sys.db);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    await mailer?.close();
    await receiver?.close();
  });

  const listed = (page: Page) => page.locator('#search-body tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-workflow-id')));

  /** Runs the search form with these fields (the rest cleared) and waits for its answer. */
  async function searchWith(page: Page, fields: Record<string, string>) {
    await page.locator('#search-form button[type="reset"]').click();
    for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
    const answered = page.waitForResponse((response) => response.url().includes('/api/admin/jobs?'));
    await page.locator('#search-form button[type="submit"]').click();
    return answered;
  }

  it('finds a job by workflow id, by ticket event id and by error type, and opens its detail; an event id without a ticket is a field error', async () => {
    const { page, errors, context } = await newPage(browser, sys.baseUrl);
    try {
      await page.goto('/admin/jobs');
      await signIn(page, world.admin.email);
      await page.locator('#search-summary', { hasText: 'shown' }).waitFor();

      await searchWith(page, { 'search-workflow': okWorkflowId });
      await waitFor(async () => JSON.stringify(await listed(page)) === JSON.stringify([okWorkflowId]), { what: 'the job found by its workflow id' });
      await page.locator(`#search-body button[data-job-detail="${okWorkflowId}"]`).click();
      await page.locator('#job-detail-heading', { hasText: okWorkflowId }).waitFor();
      expect(await page.evaluate('document.activeElement?.id')).toBe('job-detail-heading');

      await searchWith(page, { 'search-ticket': String(okScene.ticket.id), 'search-event': okEventId });
      await waitFor(async () => JSON.stringify(await listed(page)) === JSON.stringify([okWorkflowId]), { what: 'the job found by its event id' });

      // the error types of the failed-jobs list are offered, and one finds its failed job
      await waitFor(async () => (await page.locator('#search-error-types option[value="NotificationDeliveryFailed"]').count()) === 1, { what: 'the suggested error type' });
      await searchWith(page, { 'search-error-type': 'NotificationDeliveryFailed' });
      await waitFor(async () => (await listed(page)).includes(badWorkflowId), { what: 'the failed job found by its error type' });
      expect(await listed(page)).not.toContain(okWorkflowId);
      await page.locator(`#search-body button[data-job-detail="${badWorkflowId}"]`).click();
      await page.locator('#job-detail-heading', { hasText: badWorkflowId }).waitFor();

      await searchWith(page, { 'search-event': okEventId });
      await page.locator('#search-event-error', { hasText: 'needs ticketId' }).waitFor();
      expect(await page.getAttribute('#search-event', 'aria-invalid')).toBe('true');
      expect(await page.evaluate('document.activeElement?.id')).toBe('search-event');

      expect(await unlabelledControls(page)).toEqual([]);
      expect(await screenshotBothWidths(page, 'jobs-search-ids')).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('clicking a point of the failure-rate chart lists its failed jobs; a value in the jobs-per-minute table does the same from the keyboard', async () => {
    const admin = httpClient(sys.baseUrl, world.tokens.admin);
    const metrics = (await admin.get('/api/admin/metrics/jobs?window=1h')).body as { series: Array<{ jobType: string; points: Point[] }> };
    const points = metrics.series.find((s) => s.jobType === 'notification')!.points;
    const failedAt = points.findIndex((p) => p.failed > 0);
    expect(failedAt).toBeGreaterThanOrEqual(0);

    const { page, errors, context } = await newPage(browser, sys.baseUrl);
    try {
      await page.goto('/admin/jobs');
      await signIn(page, world.admin.email);
      await page.locator('#search-summary', { hasText: 'shown' }).waitFor();
      const over = page.locator('#charts-section figure[data-measure="failureRate"] .u-over');
      await over.waitFor();
      // the bucket's x on the time axis (uPlot spans the first to the last bucket); its series is the only one with failures there
      const box = (await over.boundingBox())!;
      const x = (failedAt / (points.length - 1)) * box.width;
      const answered = page.waitForResponse((response) => response.url().includes('/api/admin/jobs?') && response.url().includes('closedFrom'));
      await over.click({ position: { x: Math.min(Math.max(x, 1), box.width - 1), y: box.height / 2 } });
      const url = new URL((await answered).url());
      expect(Object.fromEntries([...url.searchParams].filter(([key]) => key !== 'closedFrom' && key !== 'closedTo'))).toEqual({
        type: 'notification',
        queue: 'notifications',
        status: 'Failed',
        pageSize: '20',
      });
      const from = Date.parse(url.searchParams.get('closedFrom')!);
      expect(from).toBe(Date.parse(points[failedAt].t));
      expect(Date.parse(url.searchParams.get('closedTo')!)).toBe(from + 60_000 - 1);
      // (a failed job of another test file that ended in the same minute would be listed too: it belongs there)
      await waitFor(async () => (await listed(page)).includes(badWorkflowId), { what: 'the failed job of that minute' });
      expect(await listed(page)).not.toContain(okWorkflowId);
      expect(await page.inputValue('#search-status')).toBe('Failed');
      expect(await page.evaluate('document.activeElement?.id')).toBe('search-summary');
      await page.locator(`#search-body button[data-job-detail="${badWorkflowId}"]`).click();
      await page.locator('#job-detail-heading', { hasText: badWorkflowId }).waitFor();

      // keyboard: the table's values are buttons naming what they list
      await tabTo(page, '#charts-section figure[data-measure="perMinute"] summary', { backwards: true });
      await page.keyboard.press('Enter');
      await tabTo(page, '#charts-section table[data-measure="perMinute"] button.chart-pick');
      const label = await page.evaluate('document.activeElement?.getAttribute("aria-label")');
      expect(label).toMatch(/^List the notifications \/ notification jobs that ended .+–.+$/);
      const picked = page.waitForResponse((response) => response.url().includes('/api/admin/jobs?') && response.url().includes('closedFrom'));
      await page.keyboard.press('Enter');
      const pickedUrl = new URL((await picked).url());
      expect(pickedUrl.searchParams.get('status')).toBeNull();
      await page.locator('#search-summary:focus').waitFor();
      // the first row of the table is the earliest minute in which one of the two jobs ended
      await waitFor(async () => (await listed(page)).some((id) => id === okWorkflowId || id === badWorkflowId), { what: 'the jobs of that minute' });
      expect(await page.inputValue('#search-status')).toBe('');
      expect(await screenshotBothWidths(page, 'jobs-chart-pick')).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
