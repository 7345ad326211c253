import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { FIXTURE_PASSWORD } from '../support/fixtures';

/** Debian's chromium (installed by apt in CI); playwright-core never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-results', 'screenshots');

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context per user: its own sessionStorage, so no token leaks between roles. */
export async function newPage(browser: Browser, baseURL: string, width = 1280): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  // a CSP violation, a script error or a missing asset shows up here; API answers of 4xx are expected and checked by the tests
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/') && response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return { context, page, errors };
}

/** Signs in with the keyboard only: type, Tab, type, Enter. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.locator('#login-email').waitFor();
  await page.locator('#login-email').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(FIXTURE_PASSWORD);
  await page.keyboard.press('Enter');
  await page.locator('#app-section').waitFor({ state: 'visible' });
}

/** Full-page screenshots at desktop width and at 375 px; fails if the page scrolls sideways at either width. */
export async function screenshotBothWidths(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    if (scrollWidth > width) throw new Error(`${name} is ${scrollWidth} px wide at a ${width} px viewport`);
    const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return files;
}

/** The page never reloaded since the marker was set. */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
}

export async function stillSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true);
}

/** Ids (or names) of visible and hidden form controls that no <label> names. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('input, select, textarea')].filter((c) => c.labels.length === 0).map((c) => c.id || c.name)`,
  )) as string[];
}

/** The focused element's id and computed outline, to check that keyboard focus is visible. */
export async function focusedOutline(page: Page): Promise<{ id: string; text: string; outlineStyle: string; outlineWidth: string }> {
  return (await page.evaluate(
    `(() => { const el = document.activeElement; const style = getComputedStyle(el); return { id: el.id, text: el.textContent.trim(), outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth }; })()`,
  )) as { id: string; text: string; outlineStyle: string; outlineWidth: string };
}

/** what Tab can stop at: one round of presses visits each of these once */
const TABBABLE = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails when the keyboard cannot get there.
 * The default budget is one round of the page's tab stops (at least 60): a jest worker's database keeps the companies
 * earlier test files made, and the reports form offers each of them as a checkbox.
 */
export async function tabTo(page: Page, selector: string, options: { backwards?: boolean; maxPresses?: number } = {}): Promise<void> {
  const maxPresses = options.maxPresses ?? Math.max(60, (await page.locator(TABBABLE).count()) + 5);
  const matches = async () => (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) as boolean;
  for (let presses = 0; presses < maxPresses; presses++) {
    if (await matches()) return;
    await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
  }
  if (!(await matches())) throw new Error(`the keyboard did not reach ${selector} in ${maxPresses} presses`);
}

/** The focused element as "TAG accessible label (or text)"; "BODY" when the focus was lost. */
export async function focusedElement(page: Page): Promise<string> {
  return (await page.evaluate(
    `(() => { const el = document.activeElement; if (!el || el === document.body) return 'BODY'; return el.tagName + ' ' + (el.getAttribute('aria-label') ?? el.textContent.trim()); })()`,
  )) as string;
}

/** Resolves once the page's poll has replaced the children of `selector` again (the redraw that used to drop the focus). */
export async function nextRedraw(page: Page, selector: string): Promise<void> {
  await page.evaluate(
    `new Promise((resolve) => { const observer = new MutationObserver(() => { observer.disconnect(); resolve(); }); observer.observe(document.querySelector(${JSON.stringify(selector)}), { childList: true }); })`,
  );
}
