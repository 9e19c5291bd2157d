/**
 * Lists in a real Chromium: a static list filled from the records list's bulk bar, a record
 * removed from it, a dynamic list saved from a filter (and its filter changed), rename and
 * delete; then the smaller screens of the same issue: deleting a feed comment, the routing
 * test, the webhook trigger's secret rotation, a user's sessions, who is online.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Locator, Page } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, db, base, browser } = await startE2e();
const admin = await login(app);
const { page, pageErrors } = await openPage(browser);

async function choose(label: string, option: string, scope: Page | Locator = page) {
  await scope.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db)).rows[0]?.n;
const row = (table: string, text: string) =>
  page.getByTestId(table).getByRole('row').filter({ hasText: text });

test('a static list from the bulk bar, a record removed; a dynamic list from a filter; rename, delete', async () => {
  await sql`
    insert into rec_contacts (first_name, last_name, assigned_to, created_by)
    values ('Anna', 'Listwood', ${admin.userId}::uuid, ${admin.userId}::uuid),
           ('Ben', 'Listwood', ${admin.userId}::uuid, ${admin.userId}::uuid),
           ('Cara', 'Otherly', ${admin.userId}::uuid, ${admin.userId}::uuid)
  `.execute(db);
  await signIn(page, base, 'admin', adminPassword);

  // A new static list, from the Lists page in the menu.
  await page.getByRole('link', { name: 'Lists' }).click();
  await page.getByRole('button', { name: 'New list' }).click();
  const create = page.getByRole('dialog', { name: 'New list' });
  await choose('Module', 'Contacts', create);
  await create.getByLabel('Name').fill('Prospects');
  await create.getByRole('button', { name: 'Create list' }).click();
  await page.getByTestId('list-title').getByText('Prospects').waitFor();
  await page.getByTestId('empty').getByText('No records on this list').waitFor();

  // Two records ticked in the records list, added through the bulk bar.
  await page.goto(`${base}/records/contacts`);
  await row('records-table', 'Anna').getByRole('checkbox').check();
  await row('records-table', 'Ben').getByRole('checkbox').check();
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Add to list…' }).click();
  const add = page.getByRole('dialog', { name: 'Add 2 records to a list' });
  await add.getByRole('textbox', { name: 'List' }).and(page.locator('[value="Prospects"]')).waitFor();
  await add.getByRole('button', { name: 'Add 2 records' }).click();
  await page.getByText('Added 2 records to “Prospects” (2 records on it).').waitFor();
  await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Open the list' }).click();
  await row('list-records', 'Anna').waitFor();
  await row('list-records', 'Ben').waitFor();
  assert.equal(await row('list-records', 'Cara').count(), 0);
  await shot(page, 'lists-01-static');

  // One removed: the other stays, on screen and in the table.
  await row('list-records', 'Anna').getByRole('checkbox').check();
  await page.getByTestId('list-bulk-bar').getByRole('button', { name: 'Remove from list' }).click();
  await row('list-records', 'Anna').waitFor({ state: 'detached' });
  await row('list-records', 'Ben').waitFor();
  assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from list_members`), 1);

  // A dynamic list saved from the records list's filter holds what matches it.
  await page.goto(`${base}/records/contacts`);
  await page.getByTestId('records-table').waitFor();
  await page.getByRole('button', { name: 'Add filter' }).click();
  await choose('Filter field', 'Last Name');
  await page.getByLabel('Filter value').fill('Listwood');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByRole('button', { name: 'Save filter as list' }).click();
  const save = page.getByRole('dialog', { name: 'Save filter as list' });
  await save.getByLabel('Name').fill('Listwoods');
  await save.getByRole('button', { name: 'Save list' }).click();
  await page.getByRole('link', { name: 'Open the list' }).click();
  await page.getByTestId('list-title').getByText('Listwoods').waitFor();
  await row('list-records', 'Anna').waitFor();
  await row('list-records', 'Ben').waitFor();
  assert.equal(await row('list-records', 'Cara').count(), 0);

  // Its filter changed in the same builder: other records match.
  await page.getByRole('button', { name: 'Change filter' }).click();
  await page.getByTestId('list-filter').getByLabel('Filter value').fill('Otherly');
  await page.getByRole('button', { name: 'Save filter' }).click();
  await row('list-records', 'Cara').waitFor();
  await row('list-records', 'Anna').waitFor({ state: 'detached' });
  await shot(page, 'lists-02-dynamic');

  // Renamed, then deleted after saying so.
  await page.getByRole('button', { name: 'Rename' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename “Listwoods”' });
  await rename.getByLabel('Name').fill('Otherlys');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await page.getByTestId('list-title').getByText('Otherlys').waitFor();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page
    .getByRole('dialog', { name: 'Delete “Otherlys”?' })
    .getByRole('button', { name: 'Delete list' })
    .click();
  await row('lists-table', 'Prospects').waitFor();
  assert.equal(await row('lists-table', 'Otherlys').count(), 0);
  assert.deepEqual(
    (await sql<{ name: string }>`select name from lists`.execute(db)).rows.map((r) => r.name),
    ['Prospects'],
  );
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('a comment is deleted from the feed', async () => {
  const post = (await admin.request('POST', '/api/feed', { text: 'Comment on me' })).json() as { id: string };
  const made = await admin.request('POST', `/api/feed/${post.id}/comments`, { text: 'A regrettable remark' });
  assert.equal(made.statusCode, 201, made.body);
  await page.goto(`${base}/feed`);
  const card = page.getByTestId(`post-${post.id}`);
  await card.getByRole('button', { name: 'Comments (1)' }).click();
  await card.getByText('A regrettable remark').waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await card.getByRole('button', { name: 'Delete comment' }).click();
  await card.getByText('A regrettable remark').waitFor({ state: 'detached' });
  assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from feed_comments`), 0);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('the routing test says who would get a record; a user’s sessions; who is online', async () => {
  const saved = await admin.request('PUT', '/api/routing/contacts', {
    enabled: false,
    mode: 'singleUser',
    singleUserId: admin.userId,
  });
  assert.equal(saved.statusCode, 200, saved.body);
  await page.goto(`${base}/admin/routing`);
  await page.getByRole('button', { name: 'Who would get it?' }).click();
  await page
    .getByTestId('routing-answer')
    .getByText(/^User: /)
    .waitFor();

  await page.goto(`${base}/admin/users`);
  await row('users-table', 'admin').getByRole('button', { name: 'Sessions' }).click();
  // The browser's session and the API helper's.
  const sessions = page.getByRole('dialog', { name: "admin's sessions" }).getByTestId('user-sessions');
  await sessions.getByRole('button', { name: 'End session' }).nth(1).waitFor();
  await page.keyboard.press('Escape');

  await page.goto(base);
  await page.getByTestId('online-users').locator('[title="@admin"]').waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('the webhook trigger shows its URL and secret, and rotating asks first and changes it', async () => {
  const created = await admin.request('POST', '/api/flows', {
    name: 'From the shop',
    definition: {
      name: 'From the shop',
      trigger: { type: 'trigger.webhook', params: {} },
      nodes: [],
      edges: [],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = (created.json() as { id: string }).id;
  const secretOf = async () =>
    (await sql<{ s: string }>`select webhook_secret as s from flows where id = ${flowId}`.execute(db)).rows[0]
      ?.s;
  const before = await secretOf();
  await page.goto(`${base}/flows/${flowId}`);
  await page.getByTestId('node-trigger').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  const panel = page.getByTestId('webhook-panel');
  assert.equal(await panel.getByLabel('Delivery URL').inputValue(), `${base}/api/hooks/flows/${flowId}`);
  assert.equal(await panel.getByLabel('Secret', { exact: true }).inputValue(), before);
  await panel.getByRole('button', { name: 'Rotate secret' }).click();
  await page
    .getByRole('dialog', { name: 'Rotate the webhook secret?' })
    .getByRole('button', { name: 'Rotate' })
    .click();
  await page.getByRole('dialog', { name: 'Rotate the webhook secret?' }).waitFor({ state: 'detached' });
  const after = await secretOf();
  assert.notEqual(after, before);
  assert.equal(await panel.getByLabel('Secret', { exact: true }).inputValue(), after);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
