/**
 * The workspace and admin console end to end in a real Chromium against a real server
 * (with the import worker): records, Studio, import and rollback, a restricted user.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { adminPassword, createTestApp, login } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { startWorker } from '../helpers/imports.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db } = await createTestApp({ queue: true });
const admin = await login(app);
await startWorker(app, db);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());
const { page, pageErrors } = await openPage(browser);

test('records: list, record page, edit form', async () => {
  const account = await admin.request('POST', '/api/records/accounts', { name: 'Analytical Engines' });
  assert.equal(account.statusCode, 201, account.body);
  const created = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    company: account.json().id,
  });
  assert.equal(created.statusCode, 201, created.body);
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/records/contacts`);
  await page.getByTestId('records-table').getByText('Lovelace').waitFor();
  await shot(page, 'console-01-records');
  await page.getByTestId('records-table').getByText('Lovelace').click();
  await page.getByTestId('record-title').waitFor();
  // A link shows the linked record's name, not its id.
  await page.locator('[data-field="company"]', { hasText: 'Analytical Engines' }).waitFor();
  await shot(page, 'console-02-record');
  // At a tablet's width the side panel goes under the record.
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.getByRole('tab', { name: 'Changelog' }).click();
  await page
    .getByText(/create by admin/i)
    .first()
    .waitFor();
  await shot(page, 'console-02-record-tablet');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Save' }).waitFor();
  await shot(page, 'console-03-form');
  // The account's page lists the contact that links to it.
  await page.goto(`${base}/records/accounts/${account.json().id}`);
  await page.getByRole('tab', { name: 'Related' }).click();
  await page.getByRole('link', { name: 'Ada Lovelace' }).or(page.getByText('Ada Lovelace')).first().waitFor();
  await shot(page, 'console-03b-related');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

/** Picks an option of a Mantine Select by the input's accessible name. */
async function choose(label: string | RegExp, option: string) {
  await page.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('admin: a role that sees only its own records, and a user with it', async () => {
  await page.goto(`${base}/admin/roles`);
  await page.getByRole('button', { name: 'New role' }).click();
  await page.getByLabel('Name').fill('Own records');
  for (const action of ['view', 'create', 'update', 'delete'])
    await choose(`* ${action}`, action === 'create' ? 'all' : 'own');
  await shot(page, 'console-04-role');
  await page.getByRole('button', { name: 'Create role' }).click();
  await page
    .getByRole('link', { name: /Own records/ })
    .or(page.getByText('Own records').first())
    .waitFor();

  await page.goto(`${base}/admin/users`);
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Username').fill('rita');
  await dialog.getByLabel('Password').first().fill('short');
  await dialog.getByLabel('First name').fill('Rita');
  await dialog.getByRole('textbox', { name: 'Roles' }).click({ force: true });
  await page.getByRole('option', { name: 'Own records' }).click();
  await page.keyboard.press('Escape');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  // The API's reason shows on the password field.
  await dialog
    .getByText(/at least 8|fewer than 8|8 characters/i)
    .first()
    .waitFor();
  await dialog.getByLabel('Password').first().fill('rita-password-1');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await page.getByTestId('users-table').getByRole('cell', { name: 'rita', exact: true }).waitFor();
  await shot(page, 'console-05-users');
  assert.deepEqual(unexpectedErrors(pageErrors, ['400 POST /api/users']), []);

  const users = (await admin.request('GET', '/api/users?limit=200')).json() as {
    items: { id: string; username: string }[];
  };
  const rita = users.items.find((u) => u.username === 'rita');
  assert.ok(rita);
  for (const [lastName, assignedTo] of [
    ['Ritas', rita.id],
    ['Notritas', admin.userId],
  ]) {
    const response = await admin.request('POST', '/api/records/contacts', {
      firstName: 'X',
      lastName,
      assignedTo,
    });
    assert.equal(response.statusCode, 201, response.body);
  }

  const other = await openPage(browser);
  await signIn(other.page, base, 'rita', 'rita-password-1');
  await other.page.goto(`${base}/records/contacts`);
  await other.page.getByTestId('records-table').getByText('Ritas').waitFor();
  assert.equal(await other.page.getByTestId('records-table').getByText('Notritas').count(), 0);
  assert.equal(await other.page.getByTestId('records-table').getByText('Lovelace').count(), 0);
  await shot(other.page, 'console-06-restricted');
  assert.deepEqual(unexpectedErrors(other.pageErrors), []);
  await other.context.close();
});

test('studio: a module with three fields and a layout; a record through its form; found with a filter', async () => {
  await page.goto(`${base}/studio`);
  await page.getByRole('button', { name: 'New module' }).click();
  await page.getByRole('dialog').getByLabel('Name (plural)').fill('Projects');
  await page.getByRole('dialog').getByLabel('One item is called').fill('Project');
  await page.getByRole('dialog').getByRole('button', { name: 'Create module' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();

  for (const [label, type, required] of [
    ['Code', 'text', true],
    ['Budget', 'number', false],
    ['Stage', 'dropdown', false],
  ] as const) {
    await page.getByRole('button', { name: 'Add field' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Label').fill(label);
    if (type !== 'text') await choose('Type', type);
    if (type === 'dropdown') {
      await dialog.getByRole('textbox', { name: 'Choices' }).fill('Idea');
      await page.keyboard.press('Enter');
      await dialog.getByRole('textbox', { name: 'Choices' }).fill('Live');
      await page.keyboard.press('Enter');
    }
    if (required) await dialog.getByLabel('Required').check();
    if (label === 'Budget') {
      await dialog.getByLabel('Fast sorting').check();
      await shot(page, 'console-07a-field-dialog');
    }
    await dialog.getByRole('button', { name: 'Add field' }).click();
    await page.getByTestId('fields-table').getByRole('cell', { name: label, exact: true }).waitFor();
  }
  await shot(page, 'console-07-fields');
  // "Fast sorting" gives the field its sort index.
  const sortIndexes = await sql<{ indexname: string }>`
    select indexname from pg_indexes where tablename = 'rec_projects' and indexdef like '%(budget, id)%'`.execute(
    db,
  );
  assert.equal(sortIndexes.rows.length, 1, 'Budget has its sort index');

  await page.getByRole('tab', { name: 'Layouts' }).click();
  await page.getByTestId('drop-0-0-0').waitFor();
  // Take Budget off the generated layout, then drag it back into the first column.
  await page.getByRole('button', { name: 'Take Budget off the layout' }).click();
  await page.getByTestId('palette-field-budget').dragTo(page.getByTestId('drop-0-0-0'));
  await page.getByTestId('drop-0-0-0').getByText('Budget').waitFor();
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByTestId('layout-preview').getByLabel('Budget').waitFor();
  await shot(page, 'console-08-layout');
  await page.getByRole('button', { name: 'Save as default form' }).click();
  await page.getByText('Now the default form of Projects').waitFor();

  await page.goto(`${base}/records/projects/new`);
  await page.getByLabel('Budget').fill('1200');
  await page.locator('[data-field="code"]').fill('P-42');
  await page.getByRole('button', { name: 'Save' }).click();
  // A custom module starts with a required Name: the API's reason shows under that field.
  const name = page.locator('[data-field="name"]');
  await page.getByText('is required').first().waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await shot(page, 'console-09-form-error');
  await name.fill('Apollo');
  await page.getByRole('button', { name: 'Save' }).click();
  await page
    .getByTestId('record-title')
    .waitFor()
    .catch(async (error) => {
      await shot(page, 'console-fail');
      throw error;
    });

  const other = await admin.request('POST', '/api/records/projects', { name: 'Gemini', code: 'P-7' });
  assert.equal(other.statusCode, 201, other.body);
  await page.goto(`${base}/records/projects`);
  await page.getByRole('button', { name: 'Add filter' }).click();
  await choose('Filter field', 'Code');
  await page.getByLabel('Filter value').fill('P-42');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByTestId('records-table').getByText('P-42').waitFor();
  await page.getByTestId('records-table').getByText('P-7').waitFor({ state: 'detached' });
  await shot(page, 'console-10-filtered');
  assert.deepEqual(unexpectedErrors(pageErrors, ['400 POST /api/records/projects']), []);
});

test('import a 1,000-row CSV, watch it finish, roll it back', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'weft-e2e-'));
  const file = path.join(folder, 'people.csv');
  const rows = Array.from({ length: 1000 }, (_, i) => `Imported,Person${i},person${i}@example.com`);
  await writeFile(file, ['First Name,Last Name,Email', ...rows].join('\n'));

  await page.goto(`${base}/imports`);
  await choose('Into', 'Contacts');
  await page.locator('input[type="file"][accept*=".csv"]').setInputFiles(file);
  await page.getByTestId('import-mapping').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Column Last Name' }).inputValue(), 'Last Name *');
  await shot(page, 'console-11-import-mapping');
  // The whole file is checked first; nothing is written by the check.
  await page.getByRole('button', { name: 'Check the whole file' }).click();
  await page.getByTestId('import-preflight').getByText('All 1000 rows can be imported').waitFor();
  await page.getByRole('button', { name: 'Start import' }).click();
  const run = page.getByTestId('import-history').locator('tr').first();
  await run.and(page.locator('[data-status="done"]')).waitFor({ timeout: 60_000 });
  await run.getByText('1000 created').waitFor();
  await shot(page, 'console-12-import-done');
  const count = async () =>
    ((await admin.request('GET', '/api/records/contacts?limit=500&q=Person')).json() as { items: unknown[] })
      .items.length;
  assert.equal(await count(), 500);

  await run.getByRole('button', { name: 'Roll back' }).click();
  // The rollback dialog says what it will delete before anything is.
  await page.getByRole('dialog').getByText('This deletes the 1000 records the import created.').waitFor();
  await page.getByRole('dialog').getByTestId('rollback-confirm').click();
  await run.and(page.locator('[data-status="rolledBack"]')).waitFor();
  await shot(page, 'console-13-rolled-back');
  assert.equal(await count(), 0);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('feed and notifications arrive live; clear all', async () => {
  await page.goto(`${base}/feed`);
  await page.getByLabel('New post').fill('Hello from the console');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await page.getByTestId('feed').getByText('Hello from the console').waitFor();

  // Another user's post on the admin's profile: it appears in the open feed and notifies the admin.
  const rita = await login(app, 'rita', 'rita-password-1');
  const posted = await rita.request('POST', '/api/feed', {
    text: 'Ping from Rita',
    targetUserId: admin.userId,
  });
  assert.equal(posted.statusCode, 201, posted.body);
  await page.getByTestId('feed').getByText('Ping from Rita').waitFor();
  await shot(page, 'console-14-feed');

  await page.goto(`${base}/notifications`);
  await page.getByTestId('notification').first().waitFor();
  const again = await rita.request('POST', '/api/feed', { text: 'Second ping', targetUserId: admin.userId });
  assert.equal(again.statusCode, 201, again.body);
  await page.getByTestId('notification').nth(1).waitFor();
  await shot(page, 'console-15-notifications');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Clear all' }).click();
  await page.getByTestId('no-notifications').waitFor();
  await page.locator('[data-testid="unread-count"][data-count="0"]').waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('admin screens: every tab draws; system settings save from the schema form', async () => {
  for (const tab of ['groups', 'sessions', 'logins', 'audit', 'changelog', 'email', 'routing', 'settings']) {
    await page.goto(`${base}/admin/${tab}`);
    await page.getByRole('tab', { selected: true }).waitFor();
    await page.locator('table, form, input').first().waitFor();
    await shot(page, `console-20-admin-${tab}`);
  }
  await page.getByLabel('App name').fill('Weft Test');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved').waitFor();
  assert.equal(
    ((await admin.request('GET', '/api/settings')).json() as { appName: string }).appName,
    'Weft Test',
  );
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
