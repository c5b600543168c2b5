// The console tests' browser: Debian's chromium (scripts/ensure-chromium.sh installs it; the test
// command runs that first) driven by playwright-core through its executable path, one context per
// signed-in principal so their sessionStorage tokens stay apart, as in separate browser windows.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../../shared/paths';

export const CHROMIUM = process.env.REBOUND_CHROMIUM ?? '/usr/bin/chromium';
/**
 * Where the tests save their screenshots: `.rebound/screenshots` (untracked) on every run, so a
 * test run leaves the checkout clean; with REBOUND_UPDATE_SCREENSHOTS=1 the README's own copies
 * in docs/screenshots are rewritten.
 */
export const SCREENSHOTS = join(
  REPO_ROOT,
  process.env.REBOUND_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.rebound/screenshots',
);

/**
 * Compiles console/src when a module is missing or older than its source, so a test never runs
 * an older build. The test command builds first, so parallel test files find it built and never
 * rewrite files another file's server is reading.
 */
export function buildConsole(): void {
  const src = join(REPO_ROOT, 'console/src');
  const stale = readdirSync(src).some((f) => {
    const out = join(REPO_ROOT, 'dist/console', f.replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(src, f)).mtimeMs;
  });
  if (!stale) return;
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', join(REPO_ROOT, 'console/tsconfig.json')], {
    stdio: 'inherit',
  });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (the test command does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/**
 * A fresh browser window at 1280 px (a laptop), signed in to the console with `token`.
 * @param search e.g. `?poll=600000`: a page that reads the API once and then keeps what it showed
 */
export async function signedInPage(browser: Browser, url: string, token: string, search = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${url}/${search}`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#principal').waitFor();
  return page;
}

/** Errors thrown by the page's scripts since it opened (expected: none). */
export function pageErrors(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

/** Saves the whole page, or the `clip` of it, to SCREENSHOTS/<name>. */
export async function screenshot(
  page: Page,
  name: string,
  clip?: { x: number; y: number; width: number; height: number },
): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true, clip });
}
