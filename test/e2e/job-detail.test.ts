import type { Browser } from 'playwright-core';
import { closedStatus, createTicketScene, startNotificationsHarness, type NotificationsHarness } from '../integration/notifications-helpers';
import { createWorld, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { waitFor } from '../support/wait';
import { launchChromium, newPage, screenshotBothWidths, signIn, tabTo, unlabelledControls } from './browser';

describe('the job detail panel of the Jobs page in Chromium', () => {
  let h: NotificationsHarness;
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    h = await startNotificationsHarness();
    world = await createWorld(h.system.repos, h.system.auth);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('a retrying job shows its next attempt time live, then its steps once done; fits 1280 and 375 px', async () => {
    const scene = await createTicketScene(h.system.repos);
    const greylisted = scene.requester.email.toLowerCase();
    h.receiver.setRule((address, attempt) => (address === greylisted && attempt === 1 ? { code: 451, message: 'Greylisted, try later' } : undefined));
    const admin = httpClient(h.system.baseUrl, world.tokens.admin);
    const workflowId = (await admin.post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id })).body.workflowId as string;
    await waitFor(async () => ((await admin.get(`/api/admin/jobs/${workflowId}/detail`)).body.pending ?? []).some((p: { attempt: number }) => p.attempt === 2), {
      what: 'the send to wait for its second attempt',
    });

    const { page, errors, context } = await newPage(browser, h.system.baseUrl);
    try {
      await page.goto('/admin/jobs');
      await signIn(page, world.admin.email);
      await tabTo(page, '#job-detail-id');
      await page.keyboard.type(workflowId);
      await page.keyboard.press('Enter');
      const live = page.locator('#job-detail-live li');
      await live.filter({ hasText: /sendTicketNotification: retrying, attempt 2 of 4, next try in \d+ s/ }).waitFor();
      expect(await page.evaluate('document.activeElement?.id')).toBe('job-detail-heading');
      expect(await page.locator('#job-detail-error').textContent()).toContain('SmtpTransientFailure');
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await screenshotBothWidths(page, 'jobs-detail-retrying')).toHaveLength(2);

      expect(await closedStatus(h.system, workflowId, 60_000)).toBe('COMPLETED');
      // the panel keeps polling while the job runs and settles on the finished steps
      await page.locator('#job-detail-body dd', { hasText: 'COMPLETED' }).waitFor({ timeout: 15_000 });
      const attempts = await page.locator('table.job-steps tbody tr').evaluateAll((rows) =>
        rows.filter((row) => row.children[0].textContent === 'sendTicketNotification').map((row) => `${row.children[1].textContent}/${row.children[2].textContent}`),
      );
      expect(attempts.sort()).toEqual(['completed/1', 'completed/1', 'completed/2']);
      expect(await page.locator('#job-detail-live').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
