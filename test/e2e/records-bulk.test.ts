/**
 * Mass actions in a real Chromium: a filter matching more than one page, "select all N
 * matching", tag them in one request, and the result; the delete dialog names its count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, db, base, browser } = await startE2e();
const admin = await login(app);
const { page, pageErrors } = await openPage(browser);

/** Picks an option of a Mantine Select by the input's accessible name. */
async function choose(label: string, option: string) {
  await page.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const tagged = async (lastName: string) => {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from rec_contacts where last_name = ${lastName} and tags @> array['wave']
  `.execute(db);
  return rows[0]?.n;
};

test('select all records matching a filter over several pages, tag them, see the result', async () => {
  // 120 to find (the list shows 50 a page) and 7 beside them.
  await sql`
    insert into rec_contacts (first_name, last_name, assigned_to, created_by)
    select 'F' || n, case when n <= 120 then 'Bulkson' else 'Otherton' end, ${admin.userId}::uuid, ${admin.userId}::uuid
    from generate_series(1, 127) as n
  `.execute(db);
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/records/contacts`);
  await page.getByTestId('records-table').waitFor();
  await page.getByRole('button', { name: 'Add filter' }).click();
  await choose('Filter field', 'Last Name');
  await page.getByLabel('Filter value').fill('Bulkson');
  // The filtered page, answered and drawn: no row of the others is left.
  const filtered = page.waitForResponse(
    (response) => response.url().includes('/api/records/contacts?') && response.url().includes('where='),
  );
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await filtered;
  await page.getByTestId('records-table').getByText('Otherton').first().waitFor({ state: 'detached' });

  await page.getByRole('checkbox', { name: 'Select all' }).check();
  const banner = page.getByTestId('select-all-banner');
  await banner.getByText('The 50 records shown are selected.').waitFor();
  await banner.getByRole('button', { name: 'Select all 120 records matching' }).click();
  await banner.getByText('All 120 records matching are selected.').waitFor();
  await page.getByTestId('bulk-bar').getByText('120 selected').waitFor();
  await shot(page, 'bulk-01-all-matching');

  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Tag', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Tag 120 records' });
  await dialog.getByLabel('Tags to add').fill('wave');
  await dialog.getByLabel('Tags to add').press('Enter');
  await dialog.getByRole('button', { name: 'Add tags' }).click();
  await page.getByTestId('bulk-result').getByText('Tagged 120 records').waitFor();
  await shot(page, 'bulk-02-result');
  assert.equal(await tagged('Bulkson'), 120);
  assert.equal(await tagged('Otherton'), 0);
  // The selection is spent; the list shows the tags.
  await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('delete asks first, naming how many; a partial failure lists the records that failed', async () => {
  // The page's rows only: the dialog says 50, and cancelling deletes nothing.
  await page.getByRole('checkbox', { name: 'Select all' }).check();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 50 records' });
  await dialog.getByText('Delete 50 records? This cannot be undone.').waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from rec_contacts`.execute(db);
  assert.equal(rows[0]?.n, 127);

  // One value for a unique field on two records: the first takes it, the second is refused.
  const made = await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'badge',
    label: 'Badge',
    type: 'text',
    unique: true,
  });
  assert.equal(made.statusCode, 201, made.body);
  await page.reload();
  await page.getByTestId('records-table').waitFor();
  await page.getByRole('checkbox', { name: 'Select', exact: true }).nth(0).check();
  await page.getByRole('checkbox', { name: 'Select', exact: true }).nth(1).check();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Update a field' }).click();
  const update = page.getByRole('dialog', { name: 'Update 2 records' });
  await choose('Field', 'Badge');
  await update.getByLabel('New value').fill('B-1');
  await update.getByRole('button', { name: 'Set Badge on 2 records' }).click();
  const result = page.getByTestId('bulk-result');
  await result.getByText('Updated 1 of 2 records; 1 failed').waitFor();
  await result.getByRole('button', { name: 'Show the failures' }).click();
  await result
    .getByTestId('bulk-failures')
    .getByText(/badge is already used by another record/)
    .waitFor();
  await shot(page, 'bulk-03-failures');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
