import fs from 'node:fs';
import path from 'node:path';
import { PAGES, renderPage, VIEWS_DIR } from '../../src/api/routes/pages';

const SHARED_IDS = ['login-form', 'user-box', 'sign-out', 'status-message', 'error-message', 'app-section'];

describe('the pages are built from one shell', () => {
  it.each(Object.entries(PAGES))('%s carries the shared top bar and sign-in form exactly once, with no slot left unfilled', (route, page) => {
    const html = renderPage(page);
    for (const id of SHARED_IDS) expect(html.split(`id="${id}"`)).toHaveLength(2);
    expect(html).not.toMatch(/\{\{\w+\}\}/);
    expect(html).toContain(`<title>${page.title} · Help desk</title>`);
    expect(html).toContain(`<script type="module" src="/assets/${page.script}"></script>`);
    const current = route === '/admin/jobs' ? '/admin/jobs' : '/';
    expect(html).toContain(`<a href="${current}" aria-current="page">`);
  });

  it('keeps the sign-in and top-bar markup in the shell only, not in any page view', () => {
    const views = fs.readdirSync(VIEWS_DIR).filter((name) => name !== 'shell.html');
    expect(views.length).toBeGreaterThanOrEqual(2);
    for (const name of views) {
      const markup = fs.readFileSync(path.join(VIEWS_DIR, name), 'utf8');
      for (const id of SHARED_IDS) expect(markup).not.toContain(`id="${id}"`);
      expect(markup).not.toMatch(/<html|<head|<header/);
    }
  });
});
