/** What e2e files share beyond test/helpers/browser.ts: their start, a page that records its errors, screenshots, sign-in. */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startEngineWorkers } from '../../server/automation/engine.ts';
import { createTestApp } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';

/**
 * An e2e file's start: the SPA built, the app on a database of its own (with the flow
 * engine's workers when asked) listening on a free port (`base`), and Chromium, closed when
 * the file's tests end.
 */
export async function startE2e(options: Parameters<typeof createTestApp>[0] & { engine?: boolean } = {}) {
  ensureDesignerBuilt();
  const created = await createTestApp({ queue: options.queue || options.engine });
  const { app, db, url } = created;
  if (options.engine) {
    // The flow engine's workers (dispatcher, steps) on the app's queue, polling fast.
    if (!app.runtime || !app.boss) throw new Error('the engine needs the queue');
    const workers = await startEngineWorkers({
      db,
      boss: app.boss,
      runtime: app.runtime,
      settings: app.settings,
      connectionString: url,
      pollMs: 200,
      onError: (error) => console.error(error),
    });
    onTestEnd(() => workers.stop());
  }
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  onTestEnd(() => browser.close());
  return { ...created, base, browser };
}

export async function openPage(browser: Browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  // Which request failed, next to the console's bare "Failed to load resource".
  page.on('response', (response) => {
    if (response.status() >= 400)
      pageErrors.push(
        `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`,
      );
  });
  return { context, page, pageErrors };
}

/** Saves `<name>.png` into $WEFT_SCREENSHOTS when it is set. */
export async function shot(page: Page, name: string) {
  const folder = process.env.WEFT_SCREENSHOTS;
  if (folder) await page.screenshot({ path: path.join(folder, `${name}.png`) });
}

export async function signIn(page: Page, base: string, username: string, password: string) {
  await page.goto(base);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'User menu' }).waitFor();
}

/**
 * The page's errors apart from the failed requests a test caused on purpose (`400 POST
 * /api/users`), and the browser's bare "Failed to load resource" lines that echo them; empties the list.
 */
export function unexpectedErrors(pageErrors: string[], deliberate: string[] = []): string[] {
  const left = [...deliberate];
  const unexpected = pageErrors.filter((error) => {
    if (error.startsWith('Failed to load resource')) return false;
    const index = left.indexOf(error);
    if (index === -1) return true;
    left.splice(index, 1);
    return false;
  });
  pageErrors.length = 0;
  return unexpected;
}
