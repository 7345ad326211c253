import type { Browser } from 'playwright-core';
import { allRouteDocs } from '../../src/api/openapi/document';
import { startTestSystem, type TestSystem } from '../support/system';
import { launchChromium, newPage } from './browser';

describe('the API reference in a real browser', () => {
  let system: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    [system, browser] = await Promise.all([startTestSystem(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('renders every operation from /api/openapi.json offline, under the CSP, without a script error', async () => {
    const { context, page, errors } = await newPage(browser, system.baseUrl);
    // offline: anything not served by the API itself is refused and recorded
    const elsewhere: string[] = [];
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(system.baseUrl)) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort();
    });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });

    await page.goto('/api/docs');
    const operations = page.locator('.opblock');
    await operations.first().waitFor({ timeout: 20_000 });
    expect(await operations.count()).toBe(allRouteDocs().length);
    await page.getByText('Request a ticket report export', { exact: false }).first().waitFor();
    expect(await page.locator('.btn.authorize').count()).toBe(1);

    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
