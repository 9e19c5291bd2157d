/**
 * Phone widths in a real Chromium against a real server: the record page scrolls as one page
 * (no box of details scrolling on its own), a record form's columns stack, wide admin tables
 * scroll sideways inside their own box, a dialog fits the screen; and home's open tasks
 * follow when the window comes back into view.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);
const phone = { width: 390, height: 844 };
const { page, pageErrors } = await openPage(browser, phone);
await signIn(page, base, 'admin', adminPassword);

// Two columns per row, the default view and form of contacts: side by side on a wide screen.
const layout = await admin.request('POST', '/api/modules/contacts/layouts', {
  name: 'Two columns',
  sections: [
    {
      title: 'Contact',
      rows: [
        { columns: [{ fields: ['firstName'] }, { fields: ['lastName'] }] },
        { columns: [{ fields: ['email'] }, { fields: ['title'] }] },
        { columns: [{ fields: ['phone'] }, { fields: ['city'] }] },
        { columns: [{ fields: ['backgroundInfo'] }, { fields: ['leadSource'] }] },
      ],
    },
  ],
});
assert.equal(layout.statusCode, 201, layout.body);
const layoutId = layout.json<{ id: string }>().id;
for (const kind of ['view', 'form'])
  assert.equal(
    (await admin.request('POST', `/api/modules/contacts/layouts/${layoutId}/default`, { kind })).statusCode,
    200,
  );
const contact = await admin.request('POST', '/api/records/contacts', {
  firstName: 'Wide',
  lastName: 'Averyveryverylonglastnamewithoutanywheretobreakit',
  email: 'averyveryverylongaddresswithoutanywheretobreak@example.com',
  title: 'Chief Executive Officer of Very Long Titles',
  backgroundInfo: 'A long note. '.repeat(120),
});
assert.equal(contact.statusCode, 201, contact.body);
const contactId = contact.json<{ id: string }>().id;

/** Elements that scroll on their own (content larger than their box, overflow auto or scroll), by axis. */
function ownScrollers(on: Page, axis: 'x' | 'y') {
  return on.evaluate((axis) => {
    const found: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>('body *')) {
      const style = getComputedStyle(element);
      const overflow = axis === 'x' ? style.overflowX : style.overflowY;
      const larger =
        axis === 'x'
          ? element.scrollWidth > element.clientWidth + 1
          : element.scrollHeight > element.clientHeight + 1;
      if (/auto|scroll/.test(overflow) && larger)
        found.push(element.dataset.testid ?? element.className.toString().slice(0, 80));
    }
    return found;
  }, axis);
}

const documentSize = (on: Page) =>
  on.evaluate(() => {
    const root = document.scrollingElement as Element;
    return {
      scrollWidth: root.scrollWidth,
      scrollHeight: root.scrollHeight,
      width: window.innerWidth,
      height: window.innerHeight,
    };
  });

const width = async (locator: Locator) => (await locator.boundingBox())?.width ?? 0;

test('phone: the record page scrolls as one page, its details in no box of their own', async () => {
  await page.goto(`${base}/records/contacts/${contactId}`);
  const email = page.locator('[data-field="email"]');
  await email.waitFor();
  await page.getByRole('tab', { name: 'Changelog' }).waitFor();
  await shot(page, 'responsive-01-record');
  // Nothing scrolls on its own: neither around the details nor in the tabs below them.
  assert.deepEqual(await ownScrollers(page, 'y'), []);
  assert.deepEqual(await ownScrollers(page, 'x'), []);
  const size = await documentSize(page);
  assert.ok(size.scrollHeight > size.height, `the document scrolls: ${size.scrollHeight} ≤ ${size.height}`);
  assert.ok(size.scrollWidth <= size.width, `no wider than the screen: ${size.scrollWidth} > ${size.width}`);
  // The columns stack: last name under first name, both as wide as the section.
  const first = await page.locator('[data-field="firstName"]').boundingBox();
  const last = await page.locator('[data-field="lastName"]').boundingBox();
  assert.ok(first && last && last.y > first.y + first.height - 1, 'last name sits under first name');

  // Scrolling the document reaches the tabs, which work there.
  await page.getByRole('tab', { name: 'Changelog' }).click();
  await page
    .getByRole('tabpanel')
    .getByText(/create/)
    .first()
    .waitFor();
  assert.ok(await page.evaluate(() => (document.scrollingElement as Element).scrollTop > 0));
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('the record form: a row’s fields side by side on a wide screen, stacked full width on a phone', async () => {
  const fields = ['First Name', 'Last Name', 'Email', 'Title'];
  const boxes = async () => {
    await page.goto(`${base}/records/contacts/${contactId}/edit`);
    await page.getByLabel('First Name').waitFor();
    const form = await width(page.locator('form'));
    return { form, fields: await Promise.all(fields.map((label) => width(page.getByLabel(label)))) };
  };

  await page.setViewportSize({ width: 1280, height: 800 });
  const wide = await boxes();
  for (const [i, field] of wide.fields.entries())
    assert.ok(field < wide.form * 0.6, `${fields[i]} shares its row: ${field} of ${wide.form}`);

  await page.setViewportSize(phone);
  const narrow = await boxes();
  await shot(page, 'responsive-02-form');
  for (const [i, field] of narrow.fields.entries())
    assert.ok(field > narrow.form * 0.85, `${fields[i]} is nearly full width: ${field} of ${narrow.form}`);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('phone: the users table scrolls sideways in its own box, the page does not; a dialog fits', async () => {
  await page.goto(`${base}/admin/users`);
  const table = page.getByTestId('users-table');
  await table.getByText('admin', { exact: true }).waitFor();
  const container = page.locator('.mantine-TableScrollContainer-scrollContainer', { has: table });
  const scroll = await container.evaluate((element) => ({
    scrollWidth: element.scrollWidth,
    clientWidth: element.clientWidth,
    overflowX: getComputedStyle(element).overflowX,
  }));
  assert.ok(scroll.scrollWidth > scroll.clientWidth, `the table scrolls: ${JSON.stringify(scroll)}`);
  assert.equal(scroll.overflowX, 'auto');
  // That box is the only thing on the page that scrolls sideways.
  assert.equal((await ownScrollers(page, 'x')).length, 1);
  const size = await documentSize(page);
  assert.ok(size.scrollWidth <= size.width, `no wider than the screen: ${size.scrollWidth} > ${size.width}`);
  await container.evaluate((element) => element.scrollBy({ left: 200 }));
  assert.ok((await container.evaluate((element) => element.scrollLeft)) > 0);
  await shot(page, 'responsive-03-users');

  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog', { name: 'New user' });
  await dialog.getByLabel('Username').waitFor();
  const box = await dialog.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= phone.width, `the dialog fits: ${JSON.stringify(box)}`);
  await shot(page, 'responsive-04-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('home: my open tasks follow when the window comes back into view', async () => {
  await page.goto(base);
  const tasks = page.getByTestId('my-tasks');
  await tasks.getByTestId('empty').waitFor();
  const created = await admin.request('POST', '/api/records/tasks', {
    subject: 'Given while away',
    assignedTo: admin.userId,
  });
  assert.equal(created.statusCode, 201, created.body);
  // Record writes push nothing live; coming back to the tab (or focusing the window) reads them again.
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await tasks.getByRole('link', { name: 'Given while away' }).waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
