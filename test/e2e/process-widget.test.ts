/**
 * The record page's process widget changes a completion (its date, who completed it) under
 * the process settings, in a real Chromium: a restricted user may re-date a stage within the
 * backdate window, no further back than the backdate range (a refusal in words, from the
 * server), is not offered to name someone else nor to change a stage past the window; an
 * administrator names who completed it, by name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

const day = 86_400_000;
const settings = await admin.request('PATCH', '/api/settings', {
  processBackdateWindowSeconds: 86_400,
  processBackdateRangeSeconds: 7 * 86_400,
  processAllowReassign: false,
});
assert.equal(settings.statusCode, 200, settings.body);

const reps = (
  await admin.request('POST', '/api/roles', {
    name: 'Reps',
    permissions: { '*': { view: 'all', create: 'all', update: 'all' } },
  })
).json<{ id: string }>().id;
const repPassword = 'rep-password-for-tests';
for (const [username, firstName] of [
  ['rita', 'Rita'],
  ['bob', 'Bob'],
] as const) {
  const user = await admin.request('POST', '/api/users', {
    username,
    firstName,
    lastName: 'Rep',
    password: repPassword,
    roleIds: [reps],
  });
  assert.equal(user.statusCode, 201, user.body);
}
const rita = await login(app, 'rita', repPassword);

const processId = (
  await admin.request('POST', '/api/processes', {
    name: 'Pipeline',
    modules: ['opportunities'],
    stages: [
      { id: 'lead', name: 'Lead' },
      { id: 'won', name: 'Won' },
    ],
  })
).json<{ id: string }>().id;
const dealId = (await admin.request('POST', '/api/records/opportunities', { name: 'Dated deal' })).json<{
  id: string;
}>().id;
const stages = `/api/processes/${processId}/records/${dealId}/stages`;
assert.equal(
  (await rita.request('POST', stages, { module: 'opportunities', action: 'start', stageId: 'lead' }))
    .statusCode,
  200,
);
assert.equal(
  (await rita.request('POST', stages, { module: 'opportunities', action: 'complete', stageId: 'lead' }))
    .statusCode,
  200,
);
// An administrator dates the second stage ten days back: past the window for Rita.
const won = await admin.request('POST', stages, {
  module: 'opportunities',
  action: 'complete',
  stageId: 'won',
  completedAt: new Date(Date.now() - 10 * day).toISOString(),
});
assert.equal(won.statusCode, 200, won.body);

async function stageOf(id: string) {
  const progress = (
    await admin.request('GET', `/api/processes/${processId}/records/${dealId}?module=opportunities`)
  ).json<{ stages: { id: string; completedAt: string; completedByName: string }[] }>();
  return progress.stages.find((stage) => stage.id === id);
}

/** `datetime-local` text for a moment, in the browser's zone (the test's TZ is the browser's). */
function local(time: number) {
  const d = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

test('a restricted user re-dates a completion within the range; further back is refused in words', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'rita', repPassword);
  await page.goto(`${base}/records/opportunities/${dealId}`);
  const widget = page.getByTestId('process-widget');
  await widget.getByTestId('stage-Lead').getByText('Rita Rep').waitFor();
  // Past the backdate window: nothing to change or revert.
  assert.equal(await widget.getByRole('button', { name: 'Change “Won”' }).count(), 0);
  assert.equal(await widget.getByTestId('stage-Won').getByRole('button', { name: 'Revert' }).count(), 0);
  await widget.getByRole('button', { name: 'Change “Lead”' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change “Lead”' });
  await dialog.getByText('At most 1 week back').waitFor();
  await dialog.getByText('the settings do not let you name someone else', { exact: false }).waitFor();
  assert.equal(await dialog.getByRole('textbox', { name: 'Completed by' }).count(), 0);
  await dialog.getByLabel('Completed on').fill(local(Date.now() - 30 * day));
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog
    .getByRole('alert')
    .getByText('The completion date is further back than the backdate range allows (1 week)')
    .waitFor();
  await shot(page, 'process-widget-refused');
  const twoDaysBack = Date.now() - 2 * day;
  await dialog.getByLabel('Completed on').fill(local(twoDaysBack));
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  const lead = await stageOf('lead');
  assert.ok(lead);
  assert.ok(Math.abs(Date.parse(lead.completedAt) - twoDaysBack) < 120_000, lead.completedAt);
  assert.equal(lead.completedByName, 'Rita Rep');
  await widget
    .getByTestId('stage-Lead')
    .getByText(new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(new Date(lead.completedAt)), {
      exact: false,
    })
    .waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors, [`422 POST ${stages}`]), []);
  await page.context().close();
});

test('an administrator changes who completed a stage, picked by name', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/records/opportunities/${dealId}`);
  const widget = page.getByTestId('process-widget');
  await widget.getByRole('button', { name: 'Change “Won”' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change “Won”' });
  await shot(page, 'process-widget-admin-open');
  await dialog.getByText('Any date up to now').waitFor();
  await dialog.getByRole('textbox', { name: 'Completed by' }).click();
  await page.getByRole('option', { name: 'Bob Rep (@bob)' }).click();
  await shot(page, 'process-widget-reassign');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await widget.getByTestId('stage-Won').getByText('Bob Rep').waitFor();
  assert.equal((await stageOf('won'))?.completedByName, 'Bob Rep');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
