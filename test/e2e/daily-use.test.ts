import type { Browser, Page } from 'playwright-core';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { closedStatus, createTicketScene } from '../integration/notifications-helpers';
import { createUser, createWorld, uniqueSuffix, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { focusedElement, launchChromium, markPage, newPage, screenshotBothWidths, signIn, stillSamePage, tabTo, unlabelledControls } from './browser';

// a slow export throttle: the 3,000-row export below would take a minute, so progress and cancel can be watched
const ROWS_PER_SECOND = 50;

/** Each entry the progress text showed, as the DOM changed. */
const RECORD_PROGRESS_TEXT = `
  window.__texts = [];
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('#reports-body .progress-text')) {
      if (window.__texts.at(-1) !== el.textContent) window.__texts.push(el.textContent);
    }
  }).observe(document.getElementById('reports-body'), { subtree: true, childList: true, characterData: true });
`;

// the system a newcomer gets from the README: no SMTP_URL, so mail goes to the outbox (which refuses fail.test) and the dev mailbox shows it
describe('pages in a real browser: daily use', () => {
  let system: TestSystem;
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    [system, browser] = await Promise.all([
      startTestSystem({
        queues: [TASK_QUEUES.reports, TASK_QUEUES.notifications, TASK_QUEUES.default],
        env: { REPORT_EXPORT_MAX_ROWS_PER_SECOND: String(ROWS_PER_SECOND) },
      }),
      launchChromium(),
    ]);
    world = await createWorld(system.repos, system.auth);
    await seedBulkTickets(system.db, { count: 3000, companyIds: [world.companyB.id], userIds: [world.agent.id], seed: 11 });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  async function signedIn(path: string, email: string, width = 1280): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const { context, page, errors } = await newPage(browser, system.baseUrl, width);
    await page.goto(path);
    await signIn(page, email);
    await markPage(page);
    return { page, errors, close: () => context.close() };
  }

  it.each([375, 1280])('at %i px the Sign out button is hidden on the sign-in screen and shows once signed in', async (width) => {
    const { context, page, errors } = await newPage(browser, system.baseUrl, width);
    try {
      await page.goto('/');
      await page.locator('#login-email').waitFor();
      expect(await page.locator('#sign-out').isVisible()).toBe(false);
      expect(await page.locator('#user-box').isVisible()).toBe(false);
      await signIn(page, world.agent.email);
      await page.locator('#sign-out').waitFor({ state: 'visible' });
      // keyboard only: Tab reaches Sign out, Enter signs out and the button hides again
      await page.locator('#sign-out').focus();
      await page.keyboard.press('Enter');
      await page.locator('#login-section').waitFor({ state: 'visible' });
      expect(await page.locator('#sign-out').isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('at 375 px, with the keyboard only, an agent picks a company by name; the throttled export counts rows up and Cancel stops it at once', async () => {
    const { page, errors, close } = await signedIn('/', world.agent.email, 375);
    try {
      await page.evaluate(RECORD_PROGRESS_TEXT);
      await tabTo(page, `input[name="companyIds"][value="${world.companyB.id}"]`);
      expect(await page.locator(`label:has(input[name="companyIds"][value="${world.companyB.id}"])`).textContent()).toContain(world.companyB.name);
      await page.keyboard.press('Space');
      await tabTo(page, '#report-form button[type="submit"]');
      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: /Report \d+ requested/ }).waitFor();
      const [report] = await system.repos.reports.listRecent({ userId: world.agent.id, limit: 1 });
      expect(report.filters).toEqual({ companyIds: [world.companyB.id] });
      const row = page.locator(`#report-${report.id}`);
      await row.waitFor();
      expect(await row.locator('td[data-label="Filters"]').textContent()).toBe(world.companyB.name);

      // rows count up while the throttle holds the export back
      await waitFor(
        async () => {
          const texts = (await page.evaluate('window.__texts')) as string[];
          const counts = texts.map((t) => /\((\d+)\/3000\)/.exec(t)?.[1]).filter(Boolean).map(Number);
          return new Set(counts.filter((n) => n > 0)).size >= 2 || undefined;
        },
        { what: 'two different row counts above 0 in the progress text', timeoutMs: 10_000 },
      );
      await screenshotBothWidths(page, 'daily-reports-progress');

      await tabTo(page, `button[data-action="delete"][data-id="${report.id}"]`);
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      await tabTo(page, 'dialog[open] button[data-choice="confirm"]');
      const workflowId = (await system.repos.reports.findById(report.id))?.workflowId as string;
      const rowsAtCancel = (await system.repos.reports.findById(report.id))?.rowsWritten ?? 0;
      await page.keyboard.press('Enter');
      await row.waitFor({ state: 'detached' });
      // the workflow shows Cancelled within 5 s, and the export wrote nothing more after the cancel
      await waitFor(async () => (await system.jobs.describe(workflowId))?.status.name === 'CANCELLED' || undefined, {
        what: 'the report workflow to be cancelled',
        timeoutMs: 5000,
      });
      expect(rowsAtCancel).toBeLessThan(3000);
      expect(await stillSamePage(page)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("an admin switches to everyone's reports; an agent has no such switch", async () => {
    const agentReport = await httpClient(system.baseUrl, world.tokens.agent).post('/api/reports', { format: 'json', filters: { companyIds: [world.companyA.id] } });
    expect(agentReport.status).toBe(202);
    const { page, errors, close } = await signedIn('/', world.admin.email);
    try {
      const toggle = page.locator('#show-all');
      await toggle.waitFor();
      expect(await page.locator(`#report-${agentReport.body.id}`).count()).toBe(0);
      await toggle.focus();
      await page.keyboard.press('Space');
      await page.locator(`#report-${agentReport.body.id}`).waitFor();
      expect(await page.locator('#recent-title').textContent()).toBe("Everyone's recent reports");
      expect(await page.locator(`#report-${agentReport.body.id} td[data-label="Requested"]`).textContent()).toContain(`user #${world.agent.id}`);
      await page.keyboard.press('Space');
      await page.locator(`#report-${agentReport.body.id}`).waitFor({ state: 'detached' });
      expect(await unlabelledControls(page)).toEqual([]);
      await screenshotBothWidths(page, 'daily-reports-admin');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    const agent = await signedIn('/', world.agent.email);
    try {
      await agent.page.locator(`#report-${agentReport.body.id}`).waitFor();
      expect(await agent.page.locator('#show-all-box').isHidden()).toBe(true);
    } finally {
      await agent.close();
    }
  });

  it('the Jobs page lists recent jobs on open and names the address and reply of a failed notification; Restart asks first; a successful retry shows in Failed (24 h)', async () => {
    const scene = await createTicketScene(system.repos, `Dev mailbox scene ${uniqueSuffix()}`);
    const bounce = await createUser(system.repos, { role: 'agent', companyId: scene.companyId, email: `bounce-${uniqueSuffix()}@fail.test` });
    await system.repos.tickets.addWatcher(scene.ticket.id, bounce.id);
    const posted = await httpClient(system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(await closedStatus(system, posted.body.workflowId)).toBe('FAILED');
    const [failed] = await system.repos.failedJobs.listByWorkflowId(posted.body.workflowId);

    const { page, errors, close } = await signedIn('/admin/jobs', world.admin.email);
    try {
      // the most recent jobs, without pressing Search
      await page.locator('#search-body tr').first().waitFor();
      expect(await page.locator('#search-summary').textContent()).toMatch(/\d+ jobs? shown/);

      const failedRow = page.locator(`#failed-job-${failed.id}`);
      await failedRow.waitFor();
      const errorCell = failedRow.locator('td[data-label="Error"]');
      expect(await errorCell.locator('strong').textContent()).toBe(bounce.email);
      expect(await errorCell.textContent()).toContain('550 5.1.1');
      expect(await errorCell.textContent()).not.toMatch(/user \d+/);

      // Restart: the dialog says what happens; Escape keeps the workers running
      await page.locator('#overview-body tr[data-queue="reports"] button[data-action="restart"]').focus();
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      expect(await page.locator('dialog[open] p').textContent()).toContain('New jobs wait in the queue meanwhile');
      expect(await focusedElement(page)).toBe('BUTTON Keep them running');
      await page.keyboard.press('Escape');
      await page.locator('dialog').waitFor({ state: 'detached' });
      expect((await httpClient(system.baseUrl, world.tokens.admin).get(`/api/admin/audit?userId=${world.admin.id}&limit=50`)).body.entries).not.toEqual(
        expect.arrayContaining([expect.objectContaining({ action: 'admin.queue_restart_requested' })]),
      );
      await screenshotBothWidths(page, 'daily-jobs');

      // the address is fixed and the failure retried: "Failed (24 h)" says it was put right
      await system.db('users').where({ id: bounce.id }).update({ email: bounce.email.replace('@fail.test', '@fixed.test') });
      await failedRow.locator('button[data-action="retry"]').focus();
      await page.keyboard.press('Enter');
      await page.locator(`#retried-job-${failed.id} .badge`, { hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      await page.locator('#overview-body tr[data-queue="notifications"] td[data-label="Failed (24 h)"]', { hasText: /since retried OK/ }).waitFor({ timeout: 30_000 });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('the dev mailbox shows each delivered mail with its recipients, subject and rendered HTML, newest first, keyboard included', async () => {
    const subject = `Mailbox scene ${uniqueSuffix()}`;
    const scene = await createTicketScene(system.repos, subject);
    const posted = await httpClient(system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(await closedStatus(system, posted.body.workflowId)).toBe('COMPLETED');

    const { page, errors, close } = await signedIn('/dev/mailbox', world.admin.email, 375);
    try {
      const first = page.locator('#mailbox-list li').first();
      await first.waitFor();
      expect(await first.locator('.mail-subject').textContent()).toContain(subject);
      expect(await first.locator('details').getAttribute('open')).not.toBeNull();
      const frame = page.frameLocator('#mailbox-list li:first-child iframe');
      expect(await frame.locator('body').textContent()).toContain(subject);
      const recipients = await page.locator('#mailbox-list li .hint').allTextContents();
      for (const user of [scene.requester, scene.clientWatcher, scene.agentWatcher]) expect(recipients.join(' ')).toContain(user.email.toLowerCase());
      // keyboard: Tab to the second mail's summary, Enter opens it
      await tabTo(page, '#mailbox-list li:nth-child(2) summary');
      await page.keyboard.press('Enter');
      expect(await page.locator('#mailbox-list li:nth-child(2) details').getAttribute('open')).not.toBeNull();
      await screenshotBothWidths(page, 'daily-mailbox');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    // not for agents
    const agent = await signedIn('/dev/mailbox', world.agent.email);
    try {
      await agent.page.locator('#error-message', { hasText: /view_audit_log/ }).waitFor();
      expect(await agent.page.locator('#mailbox-list li').count()).toBe(0);
    } finally {
      await agent.close();
    }
  });
});
