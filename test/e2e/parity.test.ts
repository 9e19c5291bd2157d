/**
 * X2CRM parity screens in a real Chromium: the tag manager (rename, merge, delete one, delete
 * all, each confirmed), the trigger log (filtered by flow, an entry deleted), and an imported
 * X2CRM flow's list binding chosen in the designer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, db, base, browser } = await startE2e();
const admin = await login(app);
const { page, pageErrors } = await openPage(browser);

const tagsOf = async (lastName: string) =>
  (await sql<{ tags: string[] }>`select tags from rec_contacts where last_name = ${lastName}`.execute(db))
    .rows[0]?.tags;

test('tag manager: counts, rename, merge, delete one and delete all, each confirmed', async () => {
  for (const [last, tags] of [
    ['Ames', ['lead', 'hot']],
    ['Bole', ['lead', 'warm']],
    ['Cray', ['vip']],
  ] as const) {
    const response = await admin.request('POST', '/api/records/contacts', {
      firstName: 'T',
      lastName: last,
      tags,
    });
    assert.equal(response.statusCode, 201, response.body);
  }
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/admin/tags`);
  const manager = page.getByTestId('tag-manager');
  const row = (tag: string) => manager.getByTestId(`tag-row-${tag}`);
  await row('lead').getByRole('cell', { name: '2', exact: true }).waitFor();
  await shot(page, 'parity-tags');

  await row('lead').getByRole('button', { name: 'Rename' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename #lead' });
  await rename.getByLabel('New name').fill('prospect');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await page.getByText('#lead renamed to #prospect on 2 records').waitFor();
  await row('prospect').waitFor();
  assert.deepEqual(await tagsOf('Ames'), ['hot', 'prospect']);

  await manager.getByRole('checkbox', { name: 'Select #hot' }).check();
  await manager.getByRole('checkbox', { name: 'Select #warm' }).check();
  await manager.getByRole('button', { name: 'Merge selected' }).click();
  const merge = page.getByRole('dialog', { name: 'Merge 2 tags' });
  await merge.getByLabel('Merge into').fill('temperature');
  await merge.getByRole('button', { name: 'Merge' }).click();
  await page.getByText('Merged into #temperature on 2 records').waitFor();
  assert.deepEqual(await tagsOf('Bole'), ['prospect', 'temperature']);

  await row('vip').getByRole('button', { name: 'Delete' }).click();
  const one = page.getByRole('dialog', { name: 'Delete #vip?' });
  await one.getByText('#vip will be removed from 1 record.').waitFor();
  await one.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('#vip removed from 1 record').waitFor();
  assert.deepEqual(await tagsOf('Cray'), []);

  await manager.getByRole('button', { name: 'Delete all tags' }).click();
  const all = page.getByRole('dialog', { name: 'Delete every tag?' });
  await all.getByText(/All 2 tags will be removed/).waitFor();
  await shot(page, 'parity-tags-delete-all');
  await all.getByRole('button', { name: 'Delete' }).click();
  await manager.getByText('No record has a tag.').waitFor();
  assert.deepEqual(await tagsOf('Ames'), []);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('trigger log: filtered by flow, one entry deleted, then the flow’s entries', async () => {
  const flow = async (name: string) => {
    const created = await admin.request('POST', '/api/flows', { name });
    assert.equal(created.statusCode, 201, created.body);
    return created.json().id as string;
  };
  const first = await flow('Welcome');
  const second = await flow('Escalate');
  await db
    .insertInto('flowTriggerLog')
    .values([
      {
        flowId: first,
        eventId: null,
        outcome: 'depth-limit',
        runId: null,
        detail: 'the chain of flows is 6 deep',
      },
      { flowId: second, eventId: null, outcome: 'cycle', runId: null, detail: 'already ran in this chain' },
      {
        flowId: second,
        eventId: null,
        outcome: 'error',
        runId: null,
        detail: 'contacts 42 no longer exists',
      },
    ])
    .execute();
  await page.goto(`${base}/admin/trigger-log`);
  const log = page.getByTestId('trigger-log');
  await log.getByText('Chain too deep').waitFor();
  await shot(page, 'parity-trigger-log');
  await log.getByRole('textbox', { name: 'Flow' }).click();
  await page.getByRole('option', { name: 'Escalate', exact: true }).click();
  await log.getByText('Chain too deep').waitFor({ state: 'detached' });
  await log.getByText('Cycle stopped').waitFor();
  await log.getByRole('row').filter({ hasText: 'Error' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Entry deleted').waitFor();
  await log.getByText('no longer exists').waitFor({ state: 'detached' });
  await log.getByRole('button', { name: 'Delete this flow’s entries' }).click();
  await page
    .getByRole('dialog', { name: 'Delete every entry of “Escalate”?' })
    .getByRole('button', { name: 'Delete' })
    .click();
  await log.getByText('Nothing logged for Escalate.').waitFor();
  const left = await db.selectFrom('flowTriggerLog').select('flowId').execute();
  assert.deepEqual(
    left.map((entry) => entry.flowId),
    [first],
  );
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('an imported X2CRM flow asks for its list in the designer, then publishes', async () => {
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Newsletter',
    kind: 'static',
  });
  const imported = await admin.request('POST', '/api/flows/import', {
    version: '7.1',
    flowName: 'From X2CRM',
    trigger: { type: 'RecordCreateTrigger', modelClass: 'Contacts', options: [] },
    items: [{ id: 1, type: 'X2FlowRecordListAdd', options: { listId: { value: '12' } } }],
  });
  const flowId = imported.json().flow.id as string;
  await page.goto(`${base}/flows/${flowId}`);
  await page.getByRole('tab', { name: 'Problems' }).click();
  const panel = page.getByTestId('x2crm-bindings');
  await panel.getByText('X2CRM list 12').waitFor();
  await page.getByTestId('problems').getByText('X2CRM list 12: choose the Weft list to use').waitFor();
  await shot(page, 'parity-bindings');
  await panel.getByRole('textbox', { name: 'X2CRM list 12' }).click();
  await page.getByRole('option', { name: 'Newsletter (contacts)' }).click();
  await page.getByTestId('no-problems').waitFor();
  await eventuallySaved(flowId, list.json().id);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

async function eventuallySaved(flowId: string, listId: string) {
  for (let i = 0; i < 50; i += 1) {
    const draft = (await admin.request('GET', `/api/flows/${flowId}`)).json().draft;
    if (draft.nodes[0]?.params.listId === listId) return;
    await page.waitForTimeout(100);
  }
  assert.fail('the bound draft was not saved');
}

test('mass dedupe: a group merged field by field, then reverted from the merge log', async () => {
  const make = async (body: Record<string, unknown>) => {
    const response = await admin.request('POST', '/api/records/contacts', body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json().id as string;
  };
  const kept = await make({
    firstName: 'Dora',
    lastName: 'Dupont',
    email: 'dora@example.test',
    title: 'Buyer',
  });
  const gone = await make({
    firstName: 'Dora',
    lastName: 'Dupond',
    email: 'DORA@example.test',
    title: 'Head buyer',
  });
  await page.goto(`${base}/admin/duplicates`);
  const screen = page.getByTestId('dedupe');
  const group = screen.getByTestId('duplicate-groups').getByRole('row').filter({ hasText: 'Dora Dupont' });
  await group.getByText('Same email').waitFor();
  await shot(page, 'parity-dedupe');
  await group.getByRole('button', { name: 'Merge…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Merge 2 contacts' });
  await dialog.getByRole('radio', { name: 'Dora Dupont', exact: true }).check();
  await dialog.getByRole('radio', { name: 'Title: Head buyer from Dora Dupond' }).check();
  await shot(page, 'parity-merge-dialog');
  await dialog.getByRole('button', { name: 'Merge' }).click();
  await page.getByText('2 records merged into one').waitFor();
  const title = async (id: string) =>
    (await sql<{ title: string }>`select title from rec_contacts where id = ${id}`.execute(db)).rows[0]
      ?.title;
  assert.equal(await title(kept), 'Head buyer');
  assert.equal(await title(gone), undefined);
  await screen.getByTestId('merge-log').getByRole('button', { name: 'Revert' }).click();
  await page.getByText('Merge reverted').waitFor();
  assert.equal(await title(gone), 'Head buyer');
  assert.equal(await title(kept), 'Buyer');
  await screen.getByTestId('merge-log').getByText('reverted').waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('branding: name and logo set on the Branding tab show on the sign-in page, in the header and the title', async () => {
  const logo = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  await page.goto(`${base}/admin/branding`);
  const panel = page.getByTestId('branding');
  await panel.getByLabel('App name').fill('Acme CRM');
  await panel.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Branding saved').waitFor();
  await page.getByTestId('app-name').getByText('Acme CRM').waitFor();
  await page
    .locator('input[type="file"]')
    .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo });
  await page.getByText('Logo uploaded').waitFor();
  await panel.getByRole('img', { name: 'Current logo' }).waitFor();
  assert.equal(await page.title(), 'Acme CRM');
  await shot(page, 'parity-branding');

  // Menu order and visibility: Lists hidden, Cases first under Records.
  const menu = await admin.request('PATCH', '/api/settings', {
    menuItems: ['records', 'feed', 'notifications', 'imports'],
    moduleOrder: ['cases'],
  });
  assert.equal(menu.statusCode, 200, menu.body);
  await page.goto(`${base}/records/contacts`);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Contacts' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Lists' }).count(), 0);
  const records = await nav.locator('a[href^="/records/"]').allTextContents();
  assert.equal(records[0], 'Service Cases');

  const { page: visitor } = await openPage(browser);
  await visitor.goto(base);
  await visitor.getByRole('heading', { name: 'Sign in to Acme CRM' }).waitFor();
  await visitor.getByRole('img', { name: 'Acme CRM logo' }).waitFor();
  assert.equal(await visitor.title(), 'Acme CRM');
  await shot(visitor, 'parity-sign-in');
  await visitor.close();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
