import type { Browser } from 'playwright-core';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { flushJobMetrics } from '../../src/observability/metrics/worker-wiring';
import { closedStatus, createTicketScene } from '../integration/notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from '../integration/notifications-smtp-receiver';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { focusedElement, launchChromium, newPage, nextRedraw, screenshotBothWidths, signIn, tabTo, unlabelledControls } from './browser';

describe('the Jobs page charts in Chromium, from real job metrics', () => {
  let sys: TestSystem;
  let world: World;
  let receiver: SmtpReceiver;
  let mailer: Mailer;
  let browser: Browser;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    sys = await startTestSystem({ queues: ['notifications'], env: { SMTP_URL: receiver.url }, activityDeps: (deps) => ({ ...deps, mailer }) });
    world = await createWorld(sys.repos, sys.auth);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    await mailer?.close();
    await receiver?.close();
  });

  it('draws jobs per minute, failure rate, runtime and wait charts with a table each, works with the keyboard, keeps an open table and its focused value through a refresh, and fits 1280 and 375 px', async () => {
    // exact numbers need quiet queues and an empty table: other files share this jest worker's database and namespace
    for await (const execution of sys.jobs.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
      await sys.jobs.client.workflow.getHandle(execution.workflowId).terminate('chart test needs the queues to itself');
    }
    await sys.db('job_metrics').del();
    const ok = await createTicketScene(sys.repos);
    const bad = await createTicketScene(sys.repos);
    const refused = bad.clientWatcher.email.toLowerCase();
    receiver.setRule((address) => (address === refused ? { code: 550, message: 'No such mailbox' } : undefined));
    const admin = httpClient(sys.baseUrl, world.tokens.admin);
    const runs = [];
    for (const scene of [ok, bad]) runs.push((await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id })).body.workflowId as string);
    expect(await Promise.all(runs.map((id) => closedStatus(sys, id)))).toEqual(['COMPLETED', 'FAILED']);
    await flushJobMetrics(sys.db);

    const { page, errors, context } = await newPage(browser, sys.baseUrl);
    try {
      await page.goto('/admin/jobs');
      await signIn(page, world.admin.email);
      const section = page.locator('#charts-section');
      for (const measure of ['perMinute', 'failureRate', 'runtimeP50Ms', 'runtimeP95Ms', 'waitP95Ms']) {
        await section.locator(`figure[data-measure="${measure}"] canvas`).waitFor();
      }
      // the text alternative: the failure rate table names the series and shows the failed share (1 of 2 jobs)
      const failureTable = section.locator('table[data-measure="failureRate"]');
      expect(await failureTable.locator('thead th').allTextContents()).toEqual(['Time', 'notifications / notification']);
      const rates = await failureTable.locator('tbody td').allTextContents();
      expect(rates.some((text) => /^(50\.0|100\.0|0\.0) %$/.test(text))).toBe(true);
      const perMinute = (await section.locator('table[data-measure="perMinute"] tbody td').allTextContents()).map(Number);
      expect(perMinute.reduce((a, b) => a + b, 0)).toBe(2);

      // keyboard: the window buttons and each table's disclosure are reachable and work with Enter
      await tabTo(page, '#charts-section button[data-window="24h"]');
      await page.keyboard.press('Enter');
      await section.locator('button[data-window="24h"][aria-pressed="true"]').waitFor();
      await section.getByRole('status').filter({ hasText: 'per 15 minutes over the last 24 hours' }).waitFor();
      await tabTo(page, '#charts-section figure[data-measure="perMinute"] summary');
      await page.keyboard.press('Enter');
      expect(await section.locator('table.chart-table[data-measure="perMinute"]').isVisible()).toBe(true);

      // the refresh (every minute; here the window button clicked from script, which leaves the focus where it is)
      // redraws the charts: the open table stays open and the focus stays on the same value
      await tabTo(page, '#charts-section table[data-measure="perMinute"] button.chart-pick');
      const focused = await focusedElement(page);
      expect(focused).toMatch(/^BUTTON List the notifications \/ notification jobs that ended /);
      const redrawn = nextRedraw(page, '#charts-section .charts');
      await page.evaluate(`document.querySelector('#charts-section button[data-window="24h"]').click()`);
      await redrawn;
      expect(await section.locator('table.chart-table[data-measure="perMinute"]').isVisible()).toBe(true);
      expect(await section.locator('table.chart-table[data-measure="failureRate"]').isVisible()).toBe(false);
      expect(await focusedElement(page)).toBe(focused);

      expect(await unlabelledControls(page)).toEqual([]);
      const files = await screenshotBothWidths(page, 'jobs-charts');
      expect(files).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
