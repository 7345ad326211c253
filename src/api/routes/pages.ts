import fs from 'node:fs';
import path from 'node:path';
import escapeHtml from 'escape-html';
import express, { Router } from 'express';

/** The browser pages: hand-written ES modules and CSS (public/), HTML from one shell (views/), no build step. */
export const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');
export const VIEWS_DIR = path.resolve(__dirname, '..', 'views');

interface Page {
  title: string;
  /** the page's ES module under /assets */
  script: string;
  /** the markup inside the signed-in section, in views/ */
  view: string;
  nav: 'reports' | 'jobs' | 'mailbox';
}

const REPORTS: Page = { title: 'Reports', script: 'reports.js', view: 'reports.html', nav: 'reports' };
const JOBS: Page = { title: 'Jobs', script: 'jobs.js', view: 'admin-jobs.html', nav: 'jobs' };

export const PAGES: Record<string, Page> = { '/': REPORTS, '/reports': REPORTS, '/admin/jobs': JOBS };
/** development only (no SMTP_URL): the outbox as an inbox */
export const DEV_PAGES: Record<string, Page> = { '/dev/mailbox': { title: 'Dev mailbox', script: 'dev-mailbox.js', view: 'dev-mailbox.html', nav: 'mailbox' } };

function navFor(current: Page['nav']): string {
  const reports = current === 'reports' ? '<a href="/" aria-current="page">Reports</a>' : '<a href="/">Reports</a>';
  // the Jobs link shows on the Reports page only for view_horizon holders (session.js reads data-requires)
  const jobs = current === 'jobs' ? '<a href="/admin/jobs" aria-current="page">Jobs</a>' : '<a href="/admin/jobs" data-requires="view_horizon" hidden>Jobs</a>';
  return `      ${reports}\n      ${jobs}`;
}

/** The shell (head, top bar, sign-in form, messages) exists once; each page adds its title, script and content. */
export function renderPage(page: Page): string {
  const shell = fs.readFileSync(path.join(VIEWS_DIR, 'shell.html'), 'utf8');
  const content = fs.readFileSync(path.join(VIEWS_DIR, page.view), 'utf8');
  const values: Record<string, string> = { title: escapeHtml(page.title), script: escapeHtml(page.script), nav: navFor(page.nav), content };
  return shell.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    if (!(key in values)) throw new Error(`views/shell.html names an unknown slot {{${key}}}`);
    return values[key];
  });
}

export function createPagesRouter(options: { devMailbox?: boolean } = {}): Router {
  const router = Router();
  const rendered = new Map<Page, string>();
  const pages = options.devMailbox ? { ...PAGES, ...DEV_PAGES } : PAGES;
  for (const [route, page] of Object.entries(pages)) {
    router.get(route, (_req, res) => {
      if (!rendered.has(page)) rendered.set(page, renderPage(page));
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(rendered.get(page));
    });
  }
  router.use('/assets', express.static(PUBLIC_DIR, { index: false, fallthrough: true, maxAge: 0 }));
  return router;
}
