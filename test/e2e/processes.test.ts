/**
 * Processes in a real Chromium: an administrator creates a process of four stages (one
 * requiring a comment, one restricted to a role) in the editor, starts a record in it from
 * the record page, a restricted user moves it across the board (asked for the comment,
 * refused at the restricted stage, the card back with the reason), an administrator moves
 * it on (by keyboard), and the funnel follows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

const managers = (
  await admin.request('POST', '/api/roles', {
    name: 'Managers',
    permissions: { '*': { view: 'all', create: 'all', update: 'all' } },
  })
).json<{ id: string }>().id;
const reps = (
  await admin.request('POST', '/api/roles', {
    name: 'Reps',
    permissions: { '*': { view: 'all', create: 'all', update: 'all' } },
  })
).json<{ id: string }>().id;
const repPassword = 'rep-password-for-tests';
assert.equal(
  (await admin.request('POST', '/api/users', { username: 'rita', password: repPassword, roleIds: [reps] }))
    .statusCode,
  201,
);
const deal = (
  await admin.request('POST', '/api/records/opportunities', { name: 'Big deal', quoteAmount: 1200 })
).json<{
  id: string;
}>();

const column = (page: Page, name: string) => page.getByTestId(`column-${name}`);
const count = (page: Page, name: string) => column(page, name).getByTestId('column-count');

async function choose(page: Page, scope: Locator, label: string, option: string) {
  await scope.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

let processId = '';

test('an administrator creates a four-stage process in the editor and starts a record from its page', async () => {
  const { page, pageErrors } = await openPage(browser);
  await signIn(page, base, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Processes' }).click();
  await page.getByRole('button', { name: 'New process' }).click();
  await page.getByRole('textbox', { name: /^Name/ }).fill('Sales pipeline');
  await choose(page, page.locator('body'), 'Financial module', 'Opportunities');
  await choose(page, page.locator('body'), 'Financial field (summed per stage)', 'Quote Amount');
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Add stage' }).click();
  const rows = page.getByTestId('stage-row');
  const names = ['Lead', 'Qualified', 'Proposal', 'Won'];
  for (const [i, name] of names.entries())
    await rows
      .nth(i)
      .getByRole('textbox', { name: `Stage ${i + 1}`, exact: true })
      .fill(name);
  await rows.nth(1).getByLabel('Comment required').check();
  await rows.nth(0).getByLabel('Conversion rate (%)').fill('50');
  await choose(page, rows.nth(2), 'Roles allowed', 'Managers');
  await page.getByTestId('funnel').getByText('50').first().waitFor();
  await shot(page, 'process-editor');
  await page.getByRole('button', { name: 'Create process' }).click();
  await page.getByText('Process “Sales pipeline” saved').waitFor();
  await page.waitForURL(/\/processes\/[0-9a-f-]{36}\/edit$/);
  processId = /\/processes\/([0-9a-f-]{36})\//.exec(page.url())?.[1] ?? '';
  const saved = (await admin.request('GET', `/api/processes/${processId}`)).json();
  assert.deepEqual(
    saved.stages.map((s: { name: string; requireComment: boolean; roles: string[] }) => [
      s.name,
      s.requireComment,
      s.roles,
    ]),
    [
      ['Lead', false, []],
      ['Qualified', true, []],
      ['Proposal', false, [managers]],
      ['Won', false, []],
    ],
  );

  // The record page's widget starts the record in the process.
  await page.goto(`${base}/records/opportunities/${deal.id}`);
  const widget = page.getByTestId('process-widget');
  await widget.getByTestId('stage-Lead').getByRole('button', { name: 'Start' }).click();
  await widget.getByTestId('stage-Lead').getByText('In progress').waitFor();
  await shot(page, 'process-widget');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('a restricted user moves the card across the board, is asked for the comment and refused at the restricted stage', async () => {
  const { page, pageErrors } = await openPage(browser);
  await signIn(page, base, 'rita', repPassword);
  await page.goto(`${base}/processes/${processId}/board`);
  await column(page, 'Lead').getByText('Big deal').waitFor();
  assert.equal(await count(page, 'Lead').textContent(), '1');
  assert.equal(await column(page, 'Lead').getByTestId('column-total').textContent(), 'Total 1,200');

  // Forward two columns: "Qualified" requires a comment, asked for before anything changes.
  await page.getByRole('button', { name: 'Move Big deal to' }).click();
  await page.getByRole('menuitem', { name: 'Proposal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Move “Big deal”' });
  await dialog.getByLabel('Comment for “Qualified”').fill('Budget confirmed');
  await shot(page, 'board-comment');
  await dialog.getByRole('button', { name: 'Move' }).click();
  await column(page, 'Proposal').getByText('Big deal').waitFor();
  assert.equal(await count(page, 'Proposal').textContent(), '1');

  // "Proposal" belongs to managers: completing it is refused, the card stays, the reason shows.
  await page.getByRole('button', { name: 'Move Big deal to' }).click();
  await page.getByRole('menuitem', { name: 'Won' }).click();
  await page.getByRole('alert').getByText('Your roles do not allow moving the stage "Proposal"').waitFor();
  await column(page, 'Proposal').getByText('Big deal').waitFor();
  assert.equal(await count(page, 'Won').textContent(), '0');
  await shot(page, 'board-refused');
  assert.deepEqual(
    unexpectedErrors(pageErrors, [`422 POST /api/processes/${processId}/records/${deal.id}/move`]),
    [],
  );
  await page.context().close();
});

test('an administrator moves it on with the keyboard; the funnel changes', async () => {
  const { page, pageErrors } = await openPage(browser);
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/processes/${processId}/funnel`);
  const values = page.getByTestId('funnel').getByTestId('funnel-value');
  await values.first().waitFor();
  const before = await values.allTextContents();
  assert.equal(before[3]?.split(' ')[0], '0', 'nothing reached Won yet');

  const stages = (await admin.request('GET', `/api/processes/${processId}`)).json().stages as {
    id: string;
    name: string;
  }[];
  const idOf = (name: string) => stages.find((stage) => stage.name === name)?.id ?? '';
  await page.goto(`${base}/processes/${processId}/board`);
  await column(page, 'Proposal').getByText('Big deal').waitFor();
  // Keyboard drag: focus the handle, Space picks the card up, an arrow moves it a column, Space drops it.
  const handle = page.getByRole('button', { name: 'Drag Big deal' });
  await handle.focus();
  await page.keyboard.press('Space');
  // dnd-kit marks the handle pressed once the card is lifted and measures the columns as it
  // renders that: an arrow pressed before then has nothing to move (a loaded machine shows it).
  await page.getByRole('button', { name: 'Drag Big deal', pressed: true }).waitFor();
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.keyboard.press('ArrowRight');
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  // The card moves on the board at once; the server has it when the move's request answers
  // (the API move below must come after it, not race it).
  const moved = page.waitForResponse((r) => r.url().includes(`/records/${deal.id}/move`));
  await page.keyboard.press('Space');
  await column(page, 'Won').getByText('Big deal').waitFor();
  assert.equal((await moved).status(), 200);
  assert.equal(await count(page, 'Won').textContent(), '1');
  await shot(page, 'board-moved');

  // Someone else's move arrives live: reverted through the API, the card goes back to "Proposal".
  const reverted = await admin.request('POST', `/api/processes/${processId}/records/${deal.id}/move`, {
    module: 'opportunities',
    toStageId: idOf('Proposal'),
  });
  assert.equal(reverted.statusCode, 200, reverted.body);
  await column(page, 'Proposal').getByText('Big deal').waitFor();
  assert.equal(await count(page, 'Won').textContent(), '0');
  const forward = await admin.request('POST', `/api/processes/${processId}/records/${deal.id}/move`, {
    module: 'opportunities',
    toStageId: idOf('Won'),
  });
  assert.equal(forward.statusCode, 200, forward.body);
  await column(page, 'Won').getByText('Big deal').waitFor();

  await page.getByRole('tab', { name: 'Funnel' }).click();
  await page.getByTestId('funnel').waitFor();
  await page.waitForFunction(() =>
    document.querySelectorAll('[data-testid="funnel-value"]')[3]?.textContent?.startsWith('1'),
  );
  await page.getByTestId('funnel').getByText('Won').click();
  await page.getByRole('table').getByText('Big deal').waitFor();
  await shot(page, 'funnel');

  await page.goto(`${base}/admin/processes`);
  await page.getByRole('textbox', { name: 'Backdate window' }).waitFor();
  await shot(page, 'process-settings');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
