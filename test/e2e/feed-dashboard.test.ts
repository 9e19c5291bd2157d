/**
 * Home and the feed side panel in a real Chromium against a real server: the dashboard's
 * panels (my open tasks, unread notifications, the feed, live), the side panel from another
 * page (post, a live post, a comment, remembered, Escape), and the shell at a tablet's and a
 * phone's width (the burger menu, no page wider than the screen).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { adminPassword, createTestApp, login } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { signedInUser } from '../helpers/people.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db } = await createTestApp();
const admin = await login(app);
const bea = await signedInUser(app, db, admin, 'bea');
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());
const { page, pageErrors } = await openPage(browser);

async function post(text: string, targetUserId?: string) {
  const response = await bea.request('POST', '/api/feed', { text, ...(targetUserId && { targetUserId }) });
  assert.equal(response.statusCode, 201, response.body);
}

/** The live channel is open once the bell has its count: it arrives over the WebSocket, not from a request. */
const liveChannelOpen = (on: Page) =>
  on.locator('[data-testid="unread-count"]:not([data-count="offline"])').waitFor();

test('home: my open tasks (overdue marked), unread notifications and the feed, live', async () => {
  for (const task of [
    { subject: 'Call the engine works', dueDate: '2020-03-01T09:00:00Z', priority: 'High' },
    { subject: 'Send the proposal', dueDate: '2099-03-01T09:00:00Z' },
    { subject: 'Done already', dueDate: '2020-01-01T09:00:00Z', complete: true },
  ]) {
    const created = await admin.request('POST', '/api/records/tasks', { ...task, assignedTo: admin.userId });
    assert.equal(created.statusCode, 201, created.body);
  }
  const theirs = await admin.request('POST', '/api/records/tasks', {
    subject: 'Bea’s task',
    assignedTo: bea.userId,
  });
  assert.equal(theirs.statusCode, 201, theirs.body);

  await signIn(page, base, 'admin', adminPassword);
  // Signing in lands on home.
  await page.getByTestId('dashboard').waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
  const tasks = page.getByTestId('my-tasks');
  await tasks.getByRole('link', { name: 'Send the proposal' }).waitFor();
  const overdue = tasks.getByTestId('task').filter({ hasText: 'Call the engine works' });
  assert.equal(await overdue.getAttribute('data-overdue'), 'true');
  await overdue.getByText(/^Overdue/).waitFor();
  assert.equal(
    await tasks.getByTestId('task').filter({ hasText: 'Send the proposal' }).getAttribute('data-overdue'),
    null,
  );
  // Soonest due first; neither a completed task nor someone else's.
  assert.deepEqual(await tasks.getByTestId('task').getByRole('link').allInnerTexts(), [
    'Call the engine works',
    'Send the proposal',
  ]);
  await page.getByTestId('unread-notifications').getByTestId('empty').waitFor();
  await page.getByTestId('failed-runs').getByTestId('empty').waitFor();
  await page.locator('[data-testid="feed"][data-state="ready"]').waitFor({ state: 'attached' });
  await liveChannelOpen(page);

  // Posted elsewhere: it appears without a reload; on my profile it also notifies me.
  await post('Morning from Bea');
  await page.getByTestId('feed').getByText('Morning from Bea').waitFor();
  await post('Bea on your wall', admin.userId);
  await page.getByTestId('unread-notifications').getByTestId('notification').waitFor();
  await page.getByTestId('feed').getByText('Bea on your wall').waitFor();
  await shot(page, 'home-01-dashboard');

  await tasks.getByRole('link', { name: 'Call the engine works' }).click();
  await page.getByTestId('record-title').getByText('Call the engine works').waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('the feed panel: opened from another page by keyboard, posts, live, remembered, closed by Escape', async () => {
  await page.goto(`${base}/records/contacts`);
  const list = page.getByRole('heading', { name: 'Contacts' });
  await list.waitFor();
  const toggle = page.getByRole('button', { name: 'Activity panel', exact: true });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('complementary', { name: 'Activity panel' });
  await panel.locator('[data-testid="feed"][data-state="ready"]').waitFor({ state: 'attached' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  // Opening it puts the caret in its post box; the keyboard posts.
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'New post');
  await page.keyboard.type('Written in the panel');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await panel.getByTestId('feed').getByText('Written in the panel').waitFor();
  const mine = (await admin.request('GET', '/api/feed?limit=5')).json() as { items: { text: string }[] };
  assert.ok(mine.items.some((p) => p.text === 'Written in the panel'));

  await liveChannelOpen(page);
  await post('Bea answers live');
  const answer = panel.getByTestId('feed').locator('[data-testid^="post-"]', { hasText: 'Bea answers live' });
  await answer.waitFor();
  await answer.getByRole('button', { name: /Comments/ }).click();
  await answer.getByRole('textbox', { name: 'Comment' }).fill('Seen, thanks');
  await answer.getByRole('button', { name: 'Comment', exact: true }).click();
  await answer.getByText('Seen, thanks').waitFor();
  // The records list stays beside it.
  await list.waitFor();
  await shot(page, 'home-02-panel');

  // Open or closed is remembered across visits.
  await page.reload();
  await panel.locator('[data-testid="feed"][data-state="ready"]').waitFor({ state: 'attached' });
  await panel.getByRole('textbox', { name: 'New post' }).focus();
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'detached' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  // Focus returns to the toggle, visibly.
  assert.deepEqual(
    await page.evaluate(() => [
      document.activeElement?.getAttribute('aria-label'),
      document.activeElement?.matches(':focus-visible'),
    ]),
    ['Activity panel', true],
  );
  await page.reload();
  await list.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await panel.count(), 0);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('tablet and phone widths: the menu opens from the burger; no page is wider than the screen', async () => {
  for (let i = 0; i < 3; i++) {
    const created = await admin.request('POST', '/api/records/contacts', {
      firstName: `Wide${i}`,
      lastName: 'Averyveryverylonglastnamewithoutanywheretobreakit',
      email: `averyveryverylongaddresswithoutanywheretobreak${i}@example.com`,
      title: 'Chief Executive Officer of Very Long Titles',
    });
    assert.equal(created.statusCode, 201, created.body);
  }
  const pageWidth = (on: Page) =>
    on.evaluate(() => ({ scroll: document.scrollingElement?.scrollWidth ?? 0, inner: window.innerWidth }));

  for (const viewport of [
    { width: 768, height: 1024 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    await page.goto(`${base}/records/contacts`);
    await page.getByTestId('records-table').getByText('Wide2').waitFor();
    const { scroll, inner } = await pageWidth(page);
    assert.ok(scroll <= inner, `records list at ${viewport.width} px: ${scroll} > ${inner}`);
    await shot(page, `home-03-records-${viewport.width}`);

    const menu = page.getByRole('link', { name: 'Notifications', exact: true });
    const burger = page.getByRole('button', { name: 'Navigation' });
    assert.equal(await menu.isVisible(), false);
    await burger.click();
    assert.equal(await burger.getAttribute('aria-expanded'), 'true');
    await menu.waitFor();
    await shot(page, `home-04-menu-${viewport.width}`);
    await menu.click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    // Going somewhere closes the menu.
    await menu.waitFor({ state: 'hidden' });

    await page.goto(base);
    await page.getByTestId('my-tasks').getByTestId('task').first().waitFor();
    const home = await pageWidth(page);
    assert.ok(home.scroll <= home.inner, `home at ${viewport.width} px: ${home.scroll} > ${home.inner}`);
  }
  assert.deepEqual(unexpectedErrors(pageErrors), []);

  // Someone who is not an administrator, on a phone: the task given to them, the comment on
  // their post (the panel's test), and no failed runs.
  const other = await openPage(browser, { width: 390, height: 844 });
  await signIn(other.page, base, 'bea', 'password-for-tests');
  await other.page.getByTestId('my-tasks').getByRole('link', { name: 'Bea’s task' }).waitFor();
  await other.page
    .getByTestId('unread-notifications')
    .getByTestId('notification')
    .filter({ hasText: 'commented on your post' })
    .waitFor();
  assert.equal(await other.page.getByTestId('failed-runs').count(), 0);
  await shot(other.page, 'home-05-phone-user');
  assert.deepEqual(unexpectedErrors(other.pageErrors), []);
  await other.context.close();
});
