/**
 * Ctrl+K searches records of the modules a user may view, flows (administrators) and pages,
 * and opens the one chosen; "?" lists the shortcuts; the help menu links the API docs and a
 * short guide. A restricted user's search holds nothing they cannot open. 1440×900 and 820×1180.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, createTestApp, login } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { signedInUser } from '../helpers/people.ts';

const password = 'password-for-tests'; // test/helpers/people.ts signs its users in with it

import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db } = await createTestApp();
const admin = await login(app);
await signedInUser(app, db, admin, 'dave', { '*': { view: 'all' }, contacts: { view: 'none' } });
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());

const ada = await admin.request('POST', '/api/records/contacts', { firstName: 'Ada', lastName: 'Lovelace' });
await admin.request('POST', '/api/records/accounts', { name: 'Adastra Ltd' });
await admin.request('POST', '/api/flows', { name: 'Ada welcome' });

test('Ctrl+K finds a contact, a flow and pages, and opens the contact; ? and the help menu', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.keyboard.press('ControlOrMeta+K');
  const dialog = page.getByTestId('global-search');
  await dialog.getByRole('textbox', { name: 'Search everything' }).fill('ada');
  await dialog.getByRole('option', { name: 'Ada Lovelace' }).waitFor();
  await dialog.getByRole('option', { name: 'Ada welcome' }).waitFor();
  await dialog.getByRole('option', { name: 'Adastra Ltd' }).waitFor();
  await shot(page, 'search-01-results');
  await dialog.getByRole('textbox', { name: 'Search everything' }).fill('roles');
  await dialog.getByRole('option', { name: 'Admin: roles' }).waitFor();
  await dialog.getByRole('textbox', { name: 'Search everything' }).fill('lovelace');
  await dialog.getByRole('option', { name: 'Ada Lovelace' }).waitFor();
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (want) => window.location.pathname === want,
    `/records/contacts/${ada.json().id}`,
  );

  await page.locator('body').click();
  await page.keyboard.press('?');
  await page.getByTestId('shortcuts').getByText('Search records, flows and pages').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Help' }).click();
  assert.equal(
    await page.getByRole('menuitem', { name: 'API documentation' }).getAttribute('href'),
    '/api/docs',
  );
  await page.getByRole('menuitem', { name: 'Getting started' }).click();
  await page.getByTestId('guide').getByText('Your first flow').waitFor();
  await shot(page, 'search-02-guide');
  await page.keyboard.press('Escape');
  // Dark mode, from the user menu, kept across a reload.
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByTestId('color-scheme').click();
  await page.locator('html[data-mantine-color-scheme="dark"]').waitFor();
  await page.reload();
  await page.locator('html[data-mantine-color-scheme="dark"]').waitFor();
  await shot(page, 'search-03-dark');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('a restricted user finds only what they may open (820×1180)', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 820, height: 1180 });
  await signIn(page, base, 'dave', password);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const dialog = page.getByTestId('global-search');
  await dialog.getByRole('textbox', { name: 'Search everything' }).fill('ada');
  await dialog.getByRole('option', { name: 'Adastra Ltd' }).waitFor();
  assert.equal(await dialog.getByRole('option', { name: 'Ada Lovelace' }).count(), 0);
  assert.equal(await dialog.getByRole('option', { name: 'Ada welcome' }).count(), 0);
  await dialog.getByRole('textbox', { name: 'Search everything' }).fill('roles');
  await dialog.getByText('Nothing matches "roles".').waitFor();
  await shot(page, 'search-03-restricted');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test("a restricted user's Home and menu show nothing they cannot use; a refusal is not a filter error", async () => {
  await signedInUser(app, db, admin, 'erin', { accounts: { view: 'all' } });
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'erin', password);
  await page.getByTestId('dashboard').waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Records' }).click();
  await nav.getByRole('link', { name: 'Accounts' }).waitFor();
  for (const hidden of [
    'Contacts',
    'Opportunities',
    'Flows',
    'Flow runs',
    'Studio',
    'Admin',
    'Import / export',
  ])
    assert.equal(
      await nav.getByRole('link', { name: hidden, exact: true }).count(),
      0,
      `${hidden} is not in the menu`,
    );
  for (const card of ['my-tasks', 'failed-runs', 'demo-data'])
    assert.equal(await page.getByTestId(card).count(), 0, `no ${card} card`);
  await shot(page, 'roles-01-home');
  await nav.getByRole('link', { name: 'Accounts' }).click();
  await page.getByText('Adastra Ltd').waitFor();
  assert.equal(await page.getByRole('button', { name: 'New Account' }).count(), 0, 'no create button');
  await page.goto(`${base}/records/contacts`);
  await page.getByText('Your role does not let you see contacts').waitFor();
  assert.equal(await page.getByText('check the filters').count(), 0);
  await shot(page, 'roles-02-refused');
  assert.deepEqual(unexpectedErrors(pageErrors, ['403 GET /api/records/contacts']), []);
  await page.context().close();
});
