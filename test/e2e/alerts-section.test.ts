import type { Browser, Page } from 'playwright-core';
import { createWorld, type World } from '../support/fixtures';
import { startTestSystem, type TestSystem } from '../support/system';
import { ownDatabase } from '../support/test-env';
import { launchChromium, newPage, screenshotBothWidths, signIn, unlabelledControls } from './browser';

describe('the Jobs page Alerts section in Chromium', () => {
  let sys: TestSystem;
  let world: World;
  let browser: Browser;
  // a database of its own: an alert check run by another file's worker process (on this worker's database) never
  // judges the hand-made episodes below
  const database = ownDatabase('alerts_e2e');

  beforeAll(async () => {
    sys = await startTestSystem({ env: database.env });
    world = await createWorld(sys.repos, sys.auth);
    browser = await launchChromium();
    await seedEpisodes();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    await database.drop();
  });

  /** An open failure burst mailed and posted, and a stalled queue whose webhook failed, since resolved. */
  async function seedEpisodes(): Promise<void> {
    const { alerts } = sys.repos;
    const at = new Date();
    const burst = (await alerts.recordFiring({ rule: 'failed_jobs', subject: 'notification', value: 7, threshold: 5, firing: true }, at)).episode;
    const stalled = (await alerts.recordFiring({ rule: 'no_worker', subject: 'reports', value: 300, threshold: 120, firing: true }, at)).episode;
    for (const episode of [burst, stalled]) {
      for (const channel of ['email:oncall@alerts.test', 'webhook']) {
        const key = { episodeId: episode.id, kind: 'firing' as const, channel };
        expect(await alerts.claim(key, 'e2e', 1, at)).toBe(true);
        const webhookFailed = channel === 'webhook' && episode === stalled;
        await alerts.mark(key, webhookFailed ? 'failed' : 'sent', at, webhookFailed ? 'alert webhook answered 404' : undefined);
      }
    }
    expect(await alerts.resolve(stalled, 0, new Date())).toBe(true);
  }

  /** Waits for the section's summary; on a timeout says what the page showed instead. */
  async function summaryShows(page: Page, text: string): Promise<void> {
    const summary = page.locator('#alerts-summary');
    try {
      await summary.filter({ hasText: text }).waitFor({ timeout: 60_000 });
    } catch (err) {
      const shown = await summary.textContent().catch(() => null);
      const error = await page.locator('#error-message').textContent().catch(() => null);
      throw new Error(`the Alerts summary never said "${text}": it says "${shown}", the page's error says "${error}" (${(err as Error).message.split('\n')[0]})`);
    }
  }

  it('lists an open alert with the mail and webhook sent for it, and a resolved one, at 1280 and 375 px', async () => {
    const { page, errors, context } = await newPage(browser, sys.baseUrl);
    try {
      await page.goto('/admin/jobs#alerts');
      await signIn(page, world.admin.email);
      await summaryShows(page, '1 open alert.');
      const rows = page.locator('#alerts tbody tr');
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

  it('still lists the alerts, and says what failed, while the queue overview cannot be loaded', async () => {
    const { page, context } = await newPage(browser, sys.baseUrl);
    try {
      // Temporal too slow to count the queues' jobs: the overview answers 503 as the API does then
      await page.route('**/api/admin/overview', (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', headers: { 'Retry-After': '5' }, body: JSON.stringify({ error: { code: 'temporal_unavailable', message: 'Temporal did not answer in time.' } }) }),
      );
      await page.goto('/admin/jobs#alerts');
      await signIn(page, world.admin.email);
      await summaryShows(page, '1 open alert.');
      expect(await page.locator('#alerts tbody tr').count()).toBe(2);
      await page.locator('#error-message').filter({ hasText: 'Could not refresh the jobs' }).waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  }, 120_000);
});
