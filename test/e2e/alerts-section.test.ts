import type { Browser } from 'playwright-core';
import { ALERT_SCHEDULE_ID, WORKFLOW_TYPES } from '../../src/jobs/contract';
import { createWorld, type World } from '../support/fixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { launchChromium, newPage, screenshotBothWidths, signIn, unlabelledControls } from './browser';

describe('the Jobs page Alerts section in Chromium', () => {
  let sys: TestSystem;
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    sys = await startTestSystem();
    world = await createWorld(sys.repos, sys.auth);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('lists an open alert with the mail and webhook sent for it, and a resolved one, at 1280 and 375 px', async () => {
    // a check (from a schedule an earlier file's default worker process left in this namespace, or still running) would
    // judge these hand-made episodes against real (empty) metrics: no schedule, no running check
    await sys.jobs.client.schedule.getHandle(ALERT_SCHEDULE_ID).delete().catch(() => undefined);
    for await (const execution of sys.jobs.client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.checkAlerts}' AND ExecutionStatus = 'Running'` })) {
      await sys.jobs.client.workflow.getHandle(execution.workflowId).terminate('the alerts page test sets the episodes itself');
    }
    await sys.db('alert_notifications').del();
    await sys.db('alert_episodes').del();
    const { alerts } = sys.repos;
    const at = new Date();
    const burst = (await alerts.recordFiring({ rule: 'failed_jobs', subject: 'notification', value: 7, threshold: 5, firing: true }, at)).episode;
    const stalled = (await alerts.recordFiring({ rule: 'no_worker', subject: 'reports', value: 300, threshold: 120, firing: true }, at)).episode;
    for (const episode of [burst, stalled]) {
      for (const channel of ['email:oncall@alerts.test', 'webhook']) {
        const key = { episodeId: episode.id, kind: 'firing' as const, channel };
        expect(await alerts.claim(key, 'e2e', 1, at)).toBe(true);
        await alerts.mark(key, channel === 'webhook' && episode === stalled ? 'failed' : 'sent', at, channel === 'webhook' && episode === stalled ? 'alert webhook answered 404' : undefined);
      }
    }
    expect(await alerts.resolve(stalled, 0, new Date())).toBe(true);

    const { page, errors, context } = await newPage(browser, sys.baseUrl);
    try {
      await page.goto('/admin/jobs#alerts');
      await signIn(page, world.admin.email);
      const section = page.locator('#alerts');
      await section.getByRole('status').filter({ hasText: '1 open alert.' }).waitFor({ timeout: 60_000 });
      const rows = section.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).textContent()).toContain('Open');
      expect(await rows.nth(0).textContent()).toContain('Failed jobs 7 failed notification jobs in the last 10 min (threshold 5)');
      expect(await rows.nth(0).textContent()).toContain('Alert: mail to oncall@alerts.test: sent; webhook: sent');
      expect(await rows.nth(1).textContent()).toContain('Resolved');
      expect(await rows.nth(1).textContent()).toContain('webhook: failed (alert webhook answered 404)');
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await screenshotBothWidths(page, 'jobs-alerts')).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
