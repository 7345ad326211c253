import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { REPORT_COLUMNS } from '../../src/reports/columns';
import { closedStatus, createTicketScene } from '../integration/notifications-helpers';
import { startSmtpReceiver, type SmtpReceiver } from '../integration/notifications-smtp-receiver';
import { expectedRows, parseCsv } from '../integration/reports-helpers';
import { createWorld, FIXTURE_PASSWORD, type World } from '../support/fixtures';
import { httpClient } from '../support/http';
import { startTestSystem, type TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import {
  focusedElement,
  focusedOutline,
  launchChromium,
  markPage,
  newPage,
  nextRedraw,
  screenshotBothWidths,
  signIn,
  stillSamePage,
  tabTo,
  unlabelledControls,
} from './browser';

const DAY = 86_400_000;
/** Elements that act as buttons without being <button>s (or links that go nowhere). */
const FAKE_BUTTONS = '#main [onclick], #main [role="button"], #main a:not([href])';
// the export throttles per 1000 rows: ~3000 matching rows take ~3 s
const EXPORT_ROWS_PER_SECOND = 1000;

/** Records every status/percent the reports table shows, as the DOM changes. */
const RECORD_PROGRESS = `
  window.__seen = [];
  new MutationObserver(() => {
    for (const row of document.querySelectorAll('#reports-body tr')) {
      const entry = row.dataset.status + ':' + row.children[4].dataset.percent;
      if (window.__seen.at(-1) !== entry) window.__seen.push(entry);
    }
  }).observe(document.getElementById('reports-body'), { subtree: true, childList: true, attributes: true });
`;

/** The page's policy allows scripts from the site only: no inline scripts, no inline handlers. */
function expectStrictScriptPolicy(header: string | undefined): void {
  expect(header).toBeDefined();
  const directives = new Map(
    (header ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name, values] as const),
  );
  const scripts = directives.get('script-src') ?? directives.get('default-src');
  expect(scripts).toBeDefined();
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(directives.get('script-src-attr') ?? scripts).not.toContain("'unsafe-inline'");
}

describe('pages in a real browser: reports and jobs', () => {
  let system: TestSystem;
  let receiver: SmtpReceiver;
  let mailer: Mailer;
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    receiver = await startSmtpReceiver();
    mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
    [system, browser] = await Promise.all([
      startTestSystem({
        queues: [TASK_QUEUES.reports, TASK_QUEUES.notifications],
        // the workers follow the queue controls, so the page's pause, resume and restart take effect
        queueControl: true,
        activityDeps: (deps) => ({ ...deps, mailer }),
        // throttled so the page has a few seconds to show the progress moving
        env: { REPORT_EXPORT_MAX_ROWS_PER_SECOND: String(EXPORT_ROWS_PER_SECOND) },
      }),
      launchChromium(),
    ]);
    world = await createWorld(system.repos, system.auth);
    await seedBulkTickets(system.db, {
      count: 6000,
      companyIds: [world.companyA.id],
      userIds: [world.agent.id, world.clientA.id],
      start: new Date(Date.UTC(2024, 2, 1)),
      spanDays: 10,
      seed: 7,
    });
    // tickets of both companies over ten days, every status and priority
    const statuses = ['open', 'pending', 'resolved', 'closed'] as const;
    const priorities = ['low', 'normal', 'high', 'urgent'] as const;
    const start = Date.UTC(2024, 2, 1, 12);
    for (let i = 0; i < 24; i++) {
      const company = i % 3 === 0 ? world.companyB : world.companyA;
      await system.repos.tickets.create({
        companyId: company.id,
        requesterId: company.id === world.companyA.id ? world.clientA.id : world.clientB.id,
        assigneeId: i % 2 ? world.agent.id : null,
        subject: i === 5 ? '=HYPERLINK("x") "quoted", comma' : `Ticket ${i}`,
        description: 'e2e',
        status: statuses[i % 4],
        priority: priorities[(i >> 1) % 4],
        createdAt: new Date(start + (i % 10) * DAY),
      });
    }
  });
  afterAll(async () => {
    // other files share this database: never leave a queue paused behind
    for (const queue of Object.values(TASK_QUEUES)) await system?.repos.queueControls.setPaused(queue, false, null);
    await browser?.close();
    await system?.stop();
    await mailer?.close();
    await receiver?.close();
  });
  afterEach(() => receiver.setRule(undefined));

  /** Runs `check` on the Jobs page signed in as the admin (marked, so a reload would show), then closes the context. */
  async function onJobsPageAsAdmin(check: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
    const { context, page, errors } = await newPage(browser, system.baseUrl);
    try {
      await page.goto('/admin/jobs');
      await signIn(page, world.admin.email);
      await markPage(page);
      await check(page, errors);
    } finally {
      await context.close();
    }
  }

  it('an agent signs in, generates a filtered CSV report, sees it become ready without reloading, downloads and deletes it', async () => {
    const { context, page, errors } = await newPage(browser, system.baseUrl);
    try {
      await page.goto('/');
      await signIn(page, world.agent.email);
      await markPage(page);
      await expect(page.locator('#user-name').textContent()).resolves.toContain(world.agent.name);
      // an agent has no Jobs link
      expect(await page.locator('nav a[href="/admin/jobs"]').isHidden()).toBe(true);

      // a field-level error from the API is shown next to its field
      await page.fill('#filter-from', '2024-03-08');
      await page.fill('#filter-to', '2024-03-02');
      await page.click('#report-form button[type="submit"]');
      await page.locator('#filter-to-error').waitFor({ state: 'visible' });
      expect(await page.locator('#filter-to-error').textContent()).toContain('must not be before filters.from');
      expect(await page.locator('#filter-to').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#error-message').textContent()).toMatch(/valid/i);

      await page.fill('#filter-from', '2024-03-02');
      await page.fill('#filter-to', '2024-03-08');
      // companies are chosen by name
      await page.getByLabel(world.companyA.name, { exact: true }).check();
      await page.check('input[name="statuses"][value="open"]');
      await page.check('input[name="statuses"][value="pending"]');
      await page.check('input[name="statuses"][value="closed"]');
      await page.check('input[name="format"][value="csv"]');
      await page.evaluate(RECORD_PROGRESS);
      // keyboard only: from the last priority box, Tab reaches the submit button, which shows its focus
      await page.focus('input[name="priorities"][value="urgent"]');
      await page.keyboard.press('Tab');
      expect(await focusedOutline(page)).toMatchObject({ text: 'Generate report', outlineStyle: 'solid', outlineWidth: '3px' });
      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: /Report \d+ requested/ }).waitFor();
      expect(await page.locator('#filter-to').getAttribute('aria-invalid')).toBeNull();

      const [report] = await system.repos.reports.listRecent({ userId: world.agent.id, limit: 1 });
      const row = page.locator(`#report-${report.id}`);
      await row.waitFor();
      expect(await row.textContent()).toContain(`2024-03-02 → 2024-03-08 · ${world.companyA.name} · open, pending, closed`);
      // the page polls: the row turns ready and downloadable while the page stays the same document
      await page.locator(`#report-${report.id}[data-status="ready"] button[data-action="download"]`).waitFor({ timeout: 30_000 });
      expect(await stillSamePage(page)).toBe(true);
      expect(await row.locator('progress').getAttribute('value')).toBe('100');
      const seen = (await page.evaluate('window.__seen')) as string[];
      const percents = seen.map((entry) => Number(entry.split(':')[1]));
      expect(seen.at(-1)).toBe('ready:100');
      expect(seen.some((entry) => /^running:([1-9]|[1-9]\d)$/.test(entry))).toBe(true);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(await page.locator('#status-message').textContent()).toContain(`Report ${report.id} is ready to download.`);

      const filters = { from: '2024-03-02', to: '2024-03-08', companyIds: [world.companyA.id], statuses: ['open', 'pending', 'closed'] as Array<'open' | 'pending' | 'closed'> };
      const expected = await expectedRows(system.db, filters);
      expect(expected.length).toBeGreaterThan(EXPORT_ROWS_PER_SECOND * 2);
      expect(await row.locator('td[data-label="Rows"]').textContent()).toBe(String(expected.length));

      expect(await unlabelledControls(page)).toEqual([]);
      expect(await page.locator(FAKE_BUTTONS).count()).toBe(0);
      await screenshotBothWidths(page, 'reports');

      const [download] = await Promise.all([page.waitForEvent('download'), row.locator('button[data-action="download"]').click()]);
      expect(download.suggestedFilename()).toBe(`report-${report.id}.csv`);
      const csv = fs.readFileSync((await download.path()) as string, 'utf8').replace(/^\uFEFF/, '');
      const records = parseCsv(csv);
      expect(records[0]).toEqual(REPORT_COLUMNS.map((c) => c.key));
      expect(records).toHaveLength(expected.length + 1);
      expect(records.slice(1).map((r) => Number(r[0]))).toEqual(expected.map((r) => r.id));

      // the page asks in its own dialog first; keeping the report closes it and changes nothing
      await row.locator('button[data-action="delete"]').click();
      await page.locator('dialog[open]').getByRole('button', { name: 'Keep it' }).click();
      await page.locator('dialog').waitFor({ state: 'detached' });
      expect(await system.repos.reports.findById(report.id)).toBeDefined();
      await row.locator('button[data-action="delete"]').click();
      await page.locator('dialog[open]').getByRole('button', { name: 'Delete the report' }).click();
      await row.waitFor({ state: 'detached' });
      expect(await system.repos.reports.findById(report.id)).toBeUndefined();
      expect(await stillSamePage(page)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an agent does it all with the keyboard alone: signs in, picks JSON and filters, generates, downloads and deletes the report (its confirmation too)', async () => {
    const { context, page, errors } = await newPage(browser, system.baseUrl);
    try {
      await page.goto('/');
      // the page puts the focus on the e-mail field; from there on only keys are pressed
      await page.waitForFunction(`document.activeElement?.id === 'login-email'`);
      await page.keyboard.type(world.agent.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(FIXTURE_PASSWORD);
      await page.keyboard.press('Enter');
      await page.locator('#app-section').waitFor({ state: 'visible' });

      await tabTo(page, 'input[name="format"]');
      expect(await page.evaluate('document.activeElement.value')).toBe('csv');
      await page.keyboard.press('ArrowRight');
      expect(await page.locator('input[name="format"]:checked').getAttribute('value')).toBe('json');
      await tabTo(page, `input[name="companyIds"][value="${world.companyA.id}"]`);
      await page.keyboard.press('Space');
      await tabTo(page, 'input[name="statuses"][value="open"]');
      await page.keyboard.press('Space');
      await tabTo(page, 'input[name="priorities"][value="urgent"]');
      await page.keyboard.press('Space');
      // and back once, to check a box that comes earlier
      await tabTo(page, 'input[name="priorities"][value="high"]', { backwards: true });
      await page.keyboard.press('Space');
      await tabTo(page, '#report-form button[type="submit"]');
      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: /Report \d+ requested/ }).waitFor();
      // the button was disabled while the request ran: the focus comes back to it
      await waitFor(async () => (await focusedElement(page)) === 'BUTTON Generate report', { what: 'the focus back on Generate report', timeoutMs: 5000, intervalMs: 50 });

      const [report] = await system.repos.reports.listRecent({ userId: world.agent.id, limit: 1 });
      expect(report).toMatchObject({ format: 'json', filters: { companyIds: [world.companyA.id], statuses: ['open'], priorities: ['high', 'urgent'] } });
      const row = page.locator(`#report-${report.id}`);
      await page.locator(`#report-${report.id}[data-status="ready"] button[data-action="download"]`).waitFor({ timeout: 30_000 });

      await tabTo(page, `button[data-action="download"][data-id="${report.id}"]`);
      const [download, response] = await Promise.all([
        page.waitForEvent('download'),
        page.waitForResponse((r) => r.url().endsWith(`/api/reports/${report.id}/download`)),
        page.keyboard.press('Enter'),
      ]);
      expect(response.headers()['content-type']).toMatch(/^application\/json/);
      expect(download.suggestedFilename()).toBe(`report-${report.id}.json`);
      const json = JSON.parse(fs.readFileSync((await download.path()) as string, 'utf8')) as { rowCount: number; rows: Array<{ id: number }>; filters: unknown };
      const expected = await expectedRows(system.db, { companyIds: [world.companyA.id], statuses: ['open'], priorities: ['high', 'urgent'] });
      expect(expected.length).toBeGreaterThan(0);
      expect(json.rowCount).toBe(expected.length);
      expect(json.rows.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      await page.locator('#status-message', { hasText: `Report ${report.id} downloaded.` }).waitFor();

      await tabTo(page, `button[data-action="delete"][data-id="${report.id}"]`);
      await page.keyboard.press('Space');
      await page.locator('dialog[open]').waitFor();
      // the safe choice has the focus; Tab moves to the destructive one
      expect(await focusedElement(page)).toBe('BUTTON Keep it');
      await tabTo(page, 'dialog[open] button[data-choice="confirm"]');
      await page.keyboard.press('Enter');
      await row.waitFor({ state: 'detached' });
      expect(await system.repos.reports.findById(report.id)).toBeUndefined();
      expect(await page.locator('#status-message').textContent()).toContain(`Report ${report.id} deleted.`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an admin sees a failed notification grouped by error, retries it, and the row leaves the failed list without reloading', async () => {
    const scene = await createTicketScene(system.repos, 'Coffee machine leaks');
    const rejected = scene.clientWatcher.email.toLowerCase();
    receiver.setRule((address) => (address === rejected ? { code: 550, message: 'No such mailbox' } : undefined));
    const posted = await httpClient(system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(posted.status).toBe(202);
    expect(await closedStatus(system, posted.body.workflowId)).toBe('FAILED');
    const [failed] = await system.repos.failedJobs.listByWorkflowId(posted.body.workflowId);
    receiver.setRule(undefined);
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    expect((await admin.get(`/api/admin/failed-jobs/${failed.id}`)).body).toMatchObject({ retryable: true, notRetryableReason: null });

    await onJobsPageAsAdmin(async (page, errors) => {
      await page.locator('#overview-body tr[data-queue="notifications"]').waitFor();
      expect(await page.locator('#overview-body tr').count()).toBe(3);

      const failedRow = page.locator(`#failed-job-${failed.id}`);
      await failedRow.waitFor();
      const group = page.locator('.group', { has: failedRow });
      expect(await group.locator('h3').textContent()).toMatch(/^notification · NotificationDeliveryFailed · refused permanently by the mail server — \d+ jobs?$/);
      expect(await failedRow.textContent()).toContain(`ticket #${scene.ticket.id}`);
      // who could not be served and why: the address and the server's reply, not a user id
      const errorCell = await failedRow.locator('td[data-label="Error"]').textContent();
      expect(errorCell).toContain(rejected);
      expect(errorCell).toContain('550');
      const link = failedRow.locator('a[data-temporal-ui]');
      expect(await link.getAttribute('href')).toContain(`/workflows/${encodeURIComponent(posted.body.workflowId)}`);
      expect(await unlabelledControls(page)).toEqual([]);
      expect(await page.locator(FAKE_BUTTONS).count()).toBe(0);
      await screenshotBothWidths(page, 'jobs');

      // keyboard only: focus the retry button and press Enter
      await failedRow.locator('button[data-action="retry"]').focus();
      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: `Retry of failed job ${failed.id} started` }).waitFor();
      await failedRow.waitFor({ state: 'detached' });
      const retried = page.locator(`#retried-job-${failed.id}`);
      await retried.waitFor();
      await retried.locator('.badge', { hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      expect(await stillSamePage(page)).toBe(true);
      expect(receiver.mailsTo(rejected)).toHaveLength(1);
      expect(errors).toEqual([]);
    });
    expect((await admin.get(`/api/admin/failed-jobs/${failed.id}`)).body).toMatchObject({
      retryable: false,
      notRetryableReason: expect.stringMatching(/already retried successfully/),
    });
  });

  it('an admin pauses a queue from the Jobs page (an event waits, no mail leaves), resumes it (the mail leaves once) and restarts the reports workers', async () => {
    const scene = await createTicketScene(system.repos, 'Projector flickers');
    const mailsOf = (eventId: string) => receiver.mails.filter((m) => m.messageId.startsWith(`<event-${eventId}.`));
    await onJobsPageAsAdmin(async (page, errors) => {
      const row = page.locator('#overview-body tr[data-queue="notifications"]');
      await row.locator('button[data-action="pause"]').focus();
      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: 'The notifications queue is paused' }).waitFor();
      await row.locator('.badge', { hasText: 'paused' }).waitFor();
      // the button turned into Resume and kept the keyboard focus across the refresh
      await row.locator('button[data-action="resume"]').waitFor();
      await waitFor(async () => (await page.evaluate('document.activeElement.dataset.action')) === 'resume' || undefined, { what: 'focus on Resume' });
      await waitFor(async () => system.workerState('notifications') === 'paused', { what: 'the notifications worker to drain' });

      const posted = await httpClient(system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
      expect(posted.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(mailsOf(posted.body.eventId)).toHaveLength(0);

      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: 'The notifications queue is resumed' }).waitFor();
      await row.locator('.badge', { hasText: 'active' }).waitFor();
      expect(await closedStatus(system, posted.body.workflowId)).toBe('COMPLETED');
      expect(mailsOf(posted.body.eventId).flatMap((m) => m.envelopeTo).sort()).toEqual(
        [scene.requester, scene.clientWatcher, scene.agentWatcher].map((u) => u.email.toLowerCase()).sort(),
      );

      const restartsBefore = system.workerRestarts.reports ?? 0;
      // Restart asks first and says what it will do; keeping them running changes nothing
      await page.locator('#overview-body tr[data-queue="reports"] button[data-action="restart"]').click();
      const dialog = page.locator('dialog[open]');
      expect(await dialog.locator('h2').textContent()).toBe('Restart the reports workers?');
      expect(await dialog.locator('p').textContent()).toContain('finishes its running jobs, exits and starts again');
      await dialog.getByRole('button', { name: 'Keep them running' }).click();
      await page.locator('dialog').waitFor({ state: 'detached' });
      expect(system.workerRestarts.reports ?? 0).toBe(restartsBefore);
      await page.locator('#overview-body tr[data-queue="reports"] button[data-action="restart"]').click();
      await page.locator('dialog[open]').getByRole('button', { name: 'Restart the workers' }).click();
      await page.locator('#status-message', { hasText: 'The reports workers are restarting' }).waitFor();
      await waitFor(async () => (system.workerRestarts.reports ?? 0) === restartsBefore + 1 || undefined, { what: 'the reports workers to restart' });
      expect(await stillSamePage(page)).toBe(true);
      expect(errors).toEqual([]);

      const audit = await httpClient(system.baseUrl, world.tokens.admin).get(`/api/admin/audit?userId=${world.admin.id}&limit=50`);
      const actions = (audit.body.entries as Array<{ action: string; subjectId: string }>).map((e) => `${e.action} ${e.subjectId}`);
      expect(actions).toEqual(expect.arrayContaining(['admin.queue_paused notifications', 'admin.queue_resumed notifications', 'admin.queue_restart_requested reports']));
    });
  });

  it('an admin retries a whole group of failed notifications with one button; each served recipient is mailed once', async () => {
    const scenes = [await createTicketScene(system.repos, 'Badge reader dead'), await createTicketScene(system.repos, 'Badge reader dead again')];
    const rejected = new Set(scenes.map((scene) => scene.clientWatcher.email.toLowerCase()));
    receiver.setRule((address) => (rejected.has(address) ? { code: 550, message: 'No such mailbox' } : undefined));
    const failedIds: number[] = [];
    for (const scene of scenes) {
      const posted = await httpClient(system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
      expect(await closedStatus(system, posted.body.workflowId)).toBe('FAILED');
      failedIds.push((await system.repos.failedJobs.listByWorkflowId(posted.body.workflowId))[0].id);
    }
    receiver.setRule(undefined);

    const groups = await httpClient(system.baseUrl, world.tokens.admin).get('/api/admin/failed-jobs/groups?jobType=notification&notRetried=true');
    const waiting = (groups.body.groups as Array<{ errorType: string; failureKind: string | null; count: number }>).find(
      (g) => g.errorType === 'NotificationDeliveryFailed' && g.failureKind === 'smtp_permanent',
    );
    expect(waiting?.count).toBeGreaterThanOrEqual(2);

    await onJobsPageAsAdmin(async (page, errors) => {
      const group = page.locator('.group', { has: page.locator(`#failed-job-${failedIds[0]}`) });
      const button = group.locator('button[data-action="retry-all"]');
      await button.waitFor();
      expect(await button.textContent()).toBe(`Retry all ${waiting?.count}`);
      await screenshotBothWidths(page, 'jobs-group');

      // the tables are redrawn every poll: the focus stays on the same link or button
      const link = page.locator(`#failed-job-${failedIds[1]} a[data-temporal-ui]`);
      await link.focus();
      const linkName = await focusedElement(page);
      expect(linkName).toMatch(/^A Failed workflow /);
      await nextRedraw(page, '#failed-groups');
      expect(await focusedElement(page)).toBe(linkName);
      // the overview redraws first, the failed jobs right after: one poll checks both
      await page.locator('#overview-body tr[data-queue="reports"] a', { hasText: 'Failed' }).focus();
      await nextRedraw(page, '#overview-body');
      expect(await focusedElement(page)).toBe('A Failed reports jobs in the Temporal UI');
      await button.focus();
      await nextRedraw(page, '#failed-groups');
      expect(await focusedElement(page)).toBe(`BUTTON Retry all ${waiting?.count} failed jobs in notification · NotificationDeliveryFailed · refused permanently by the mail server`);

      // Retry all asks first, focus on the safe choice: Escape keeps them failed, Tab + Enter confirms
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      expect(await page.locator('dialog[open] h2').textContent()).toBe(`Retry all ${waiting?.count}?`);
      expect(await focusedElement(page)).toBe('BUTTON Keep them failed');
      await page.keyboard.press('Escape');
      await page.locator('dialog').waitFor({ state: 'detached' });
      expect(await system.repos.failedJobs.findById(failedIds[0])).toMatchObject({ retryWorkflowId: null });
      await waitFor(async () => (await focusedElement(page)).startsWith('BUTTON Retry all') || undefined, { what: 'the focus back on Retry all' });
      await page.keyboard.press('Enter');
      await page.locator('dialog[open]').waitFor();
      await page.keyboard.press('Tab');
      expect(await focusedElement(page)).toBe(`BUTTON Retry all ${waiting?.count}`);
      await page.keyboard.press('Enter');
      await page.locator('#status-message', { hasText: `Started ${waiting?.count} ${waiting?.count === 1 ? 'retry' : 'retries'} in notification · NotificationDeliveryFailed · refused permanently by the mail server.` }).waitFor();
      for (const id of failedIds) {
        await page.locator(`#failed-job-${id}`).waitFor({ state: 'detached' });
        await page.locator(`#retried-job-${id} .badge`, { hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
      }
      for (const address of rejected) expect(receiver.mailsTo(address)).toHaveLength(1);
      for (const scene of scenes) expect(receiver.mailsTo(scene.requester.email)).toHaveLength(1);
      expect(await stillSamePage(page)).toBe(true);
      expect(errors).toEqual([]);
    });
  });

  it('a group holding more failed jobs than listed says so, and entries whose retry cannot work show the reason instead of a Retry button', async () => {
    const admin = httpClient(system.baseUrl, world.tokens.admin);
    const errorType = 'E2eReportExportFailed';
    // a report still queued cannot be retried; neither can the report of a failure whose report is gone
    const queued = await system.repos.reports.create({ userId: world.admin.id, companyId: null, format: 'csv', filters: {} });
    const record = (reportId: number, i: number) =>
      system.repos.failedJobs.record({
        jobType: 'report',
        workflowId: `report-e2e-${reportId}-${i}`,
        taskQueue: TASK_QUEUES.reports,
        errorType,
        errorMessage: 'e2e: the export failed',
        payload: { reportId },
        companyId: world.companyA.id,
      });
    const ids: number[] = [];
    try {
      for (let i = 0; i < 101; i++) ids.push(await record(2_000_000_000 + i, i));
      const queuedEntry = await record(queued.id, 101);
      ids.push(queuedEntry);

      const listed = await admin.get(`/api/admin/failed-jobs?jobType=report&errorType=${errorType}&notRetried=true&limit=100`);
      expect(listed.status).toBe(200);
      expect(listed.body.failedJobs).toHaveLength(100);
      expect(listed.body.failedJobs[0]).toMatchObject({ id: queuedEntry, retryable: false, notRetryableReason: `Report ${queued.id} is queued; only a failed report can be retried` });
      expect(listed.body.failedJobs[1]).toMatchObject({ retryable: false, notRetryableReason: `The report of failed job ${ids[100]} was deleted; nothing to retry` });
      // the retry path refuses with the very reason the list gave
      const refused = await admin.post(`/api/admin/failed-jobs/${queuedEntry}/retry`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toBe(listed.body.failedJobs[0].notRetryableReason);
      const groups = await admin.get(`/api/admin/failed-jobs/groups?jobType=report&errorType=${errorType}&notRetried=true`);
      expect(groups.body.groups).toEqual([expect.objectContaining({ jobType: 'report', errorType, count: 102 })]);
      expect((await admin.get('/api/admin/failed-jobs/groups?notRetried=maybe')).status).toBe(400);

      await onJobsPageAsAdmin(async (page, errors) => {
        const group = page.locator(`.group[data-error-type="${errorType}"]`);
        await group.waitFor();
        expect(await group.locator('h3').textContent()).toBe(`report · ${errorType} — 102 jobs`);
        expect(await group.locator('.group-partial').textContent()).toBe('Showing 100 of 102, newest first.');
        expect(await group.locator('tbody tr').count()).toBe(100);
        expect(await group.locator('button[data-action="retry"]').count()).toBe(0);
        expect(await page.locator(`#failed-job-${queuedEntry} td[data-label="Action"]`).textContent()).toBe(`Report ${queued.id} is queued; only a failed report can be retried`);
        const retryAll = group.locator('button[data-action="retry-all"]');
        expect(await retryAll.textContent()).toBe('Retry 100 of 102');
        expect(await retryAll.getAttribute('aria-label')).toBe(`Retry the newest 100 of the 102 failed jobs in report · ${errorType} (at most 100 per press)`);
        expect(await page.locator('#failed-count').textContent()).toMatch(/^\d+ waiting, in \d+ groups?$/);
        expect(await page.locator(FAKE_BUTTONS).count()).toBe(0);
        expect(errors).toEqual([]);
      });
    } finally {
      await system.db('failed_jobs').whereIn('id', ids).del();
      await system.repos.reports.delete(queued.id);
    }
  });

  it('an admin finds a ticket’s jobs by ticket and status, with a field error for a bad ticket number, and links to the Temporal UI', async () => {
    const scene = await createTicketScene(system.repos, 'Lift stuck');
    const posted = await httpClient(system.baseUrl, world.tokens.admin).post(`/api/tickets/${scene.ticket.id}/events`, { type: 'closed', actorId: scene.assignee.id });
    expect(await closedStatus(system, posted.body.workflowId)).toBe('COMPLETED');

    await onJobsPageAsAdmin(async (page, errors) => {
      await page.fill('#search-ticket', 'twelve');
      await page.press('#search-ticket', 'Enter');
      await page.locator('#search-ticket-error').waitFor({ state: 'visible' });
      expect(await page.locator('#search-ticket').getAttribute('aria-invalid')).toBe('true');
      expect(await page.evaluate('document.activeElement.id')).toBe('search-ticket');

      await page.fill('#search-ticket', String(scene.ticket.id));
      await page.selectOption('#search-status', 'Completed');
      await page.selectOption('#search-type', 'notification');
      const row = page.locator(`#search-body tr[data-workflow-id="${posted.body.workflowId}"]`);
      // visibility is eventually consistent: search again until the job is listed, alone (the page's first, unfiltered
      // list also says "shown" and may hold it among others until the filtered answer replaces it)
      await waitFor(
        async () => {
          await page.click('#search-form button[type="submit"]');
          await page.locator('#search-summary', { hasText: /shown|No job/ }).waitFor();
          return ((await row.count()) > 0 && (await page.locator('#search-body tr').count()) === 1) || undefined;
        },
        { what: 'the job in the search results', intervalMs: 500 },
      );
      expect(await page.locator('#search-body tr').count()).toBe(1);
      // the status reads as the filter names it
      expect(await row.locator('.badge').textContent()).toBe('Completed');
      expect(await page.locator('#search-status option[value="Completed"]').textContent()).toBe('Completed');
      expect(await row.locator('a[data-temporal-ui]').getAttribute('href')).toContain(`/workflows/${encodeURIComponent(posted.body.workflowId)}`);
      expect(await page.locator('#search-ticket').getAttribute('aria-invalid')).toBeNull();
      expect(await page.locator('#error-message').isHidden()).toBe(true);
      const uiSearch = decodeURIComponent((await page.locator('#search-temporal-link').getAttribute('href')) ?? '');
      expect(uiSearch).toContain(`TicketId = ${scene.ticket.id}`);
      await screenshotBothWidths(page, 'jobs-search');
      expect(await unlabelledControls(page)).toEqual([]);
      expect(errors).toEqual([]);
    });
  });

  it('a client sees neither the Jobs page nor another company’s data', async () => {
    const agentReport = await httpClient(system.baseUrl, world.tokens.agent).post('/api/reports', { format: 'json', filters: { companyIds: [world.companyB.id] } });
    expect(agentReport.status).toBe(202);
    const client = httpClient(system.baseUrl, world.tokens.clientA);
    const overview = await client.get('/api/admin/overview');
    expect(overview.status).toBe(403);
    expect((await client.get('/api/admin/failed-jobs')).status).toBe(403);

    const { context, page, errors } = await newPage(browser, system.baseUrl, 375);
    try {
      const jobsPage = await page.goto('/admin/jobs');
      expectStrictScriptPolicy(jobsPage?.headers()['content-security-policy']);
      // sign-in errors: a field-level one next to the e-mail field, then the API's generic refusal
      await page.fill('#login-email', 'not-an-email');
      await page.fill('#login-password', 'whatever');
      await page.press('#login-password', 'Enter');
      await page.locator('#login-email-error').waitFor({ state: 'visible' });
      expect(await page.locator('#login-email').getAttribute('aria-invalid')).toBe('true');
      await page.fill('#login-email', world.clientA.email);
      await page.press('#login-password', 'Enter');
      await page.locator('#error-message', { hasText: 'Invalid e-mail or password' }).waitFor();
      expect(await page.locator('#login-email-error').isHidden()).toBe(true);
      await page.fill('#login-email', '');
      await page.fill('#login-password', '');
      await signIn(page, world.clientA.email);
      await page.locator('#not-allowed').waitFor({ state: 'visible' });
      expect(await page.locator('#not-allowed-text').textContent()).toContain(overview.body.error.message);
      expect(await page.locator('#jobs-content').isHidden()).toBe(true);
      expect(await page.locator('#failed-groups tr').count()).toBe(0);
      await screenshotBothWidths(page, 'jobs-not-allowed');

      const reportsPage = await page.goto('/');
      expectStrictScriptPolicy(reportsPage?.headers()['content-security-policy']);
      await page.locator('#app-section').waitFor({ state: 'visible' });
      await page.locator('#user-name', { hasText: world.clientA.name }).waitFor();
      expect(await page.locator('nav a[href="/admin/jobs"]').isHidden()).toBe(true);
      const before = await system.repos.reports.listRecent({ userId: world.clientA.id, limit: 20 });
      // a client is offered its own company only, by name
      const companies = page.locator('input[name="companyIds"]');
      await companies.first().waitFor({ state: 'attached' });
      expect(await companies.count()).toBe(1);
      expect(await companies.first().getAttribute('value')).toBe(String(world.companyA.id));
      expect(await page.locator('#filter-companies label').textContent()).toContain(world.companyA.name);
      expect(await page.locator('#show-all-box').isHidden()).toBe(true);
      expect(await system.repos.reports.listRecent({ userId: world.clientA.id, limit: 20 })).toHaveLength(before.length);
      // the agent's report never shows up in the client's list, nor can the client open it
      await waitFor(async () => (await page.locator('#reports-empty').isVisible()) || undefined, { what: 'the empty report list' });
      expect(await page.locator(`#report-${agentReport.body.id}`).count()).toBe(0);
      expect((await client.get(`/api/reports/${agentReport.body.id}`)).status).toBe(404);

      // a PDF of its own company's tickets, generated and downloaded in the browser
      const filters = { from: '2024-03-02', to: '2024-03-02', statuses: ['open'] as Array<'open'>, priorities: ['urgent'] as Array<'urgent'> };
      await page.fill('#filter-from', filters.from);
      await page.fill('#filter-to', filters.to);
      await page.check('input[name="format"][value="pdf"]');
      await page.check('input[name="statuses"][value="open"]');
      await page.check('input[name="priorities"][value="urgent"]');
      await page.click('#report-form button[type="submit"]');
      await page.locator('#status-message', { hasText: /Report \d+ requested/ }).waitFor();
      const [report] = await system.repos.reports.listRecent({ userId: world.clientA.id, limit: 1 });
      expect(report).toMatchObject({ format: 'pdf', companyId: world.companyA.id });
      const download = page.locator(`#report-${report.id}[data-status="ready"] button[data-action="download"]`);
      await download.waitFor({ timeout: 30_000 });
      const [file, response] = await Promise.all([
        page.waitForEvent('download'),
        page.waitForResponse((r) => r.url().endsWith(`/api/reports/${report.id}/download`)),
        download.click(),
      ]);
      expect(response.headers()['content-type']).toBe('application/pdf');
      expect(file.suggestedFilename()).toBe(`report-${report.id}.pdf`);
      const pdf = fs.readFileSync((await file.path()) as string);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const expected = await expectedRows(system.db, { ...filters, companyIds: [world.companyA.id] });
      expect(expected.length).toBeGreaterThan(0);
      expect((await system.repos.reports.findById(report.id))?.rowCount).toBe(expected.length);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
