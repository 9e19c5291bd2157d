/**
 * Issue 16's last gaps in a real Chromium against a real server with engine workers: a step
 * renamed and a sticky note on the canvas (saved with the draft); the run view showing what
 * an if decided and why, and "Retry from here" starting a new run at that step; dates in the
 * user's own format; an open record page refreshing when a flow changes its record. At
 * 1440×900, and the canvas at 820×1180.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Flow } from '../../schemas/flow.ts';
import { adminPassword, login } from '../helpers/app.ts';
import { eventually, straightFlow } from '../helpers/engine.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e({ engine: true });
const admin = await login(app);

const manual = { type: 'trigger.manual', params: { module: 'contacts' } } as const;
const flow: Flow = straightFlow('Smith check', manual, [
  ['smith', 'control.if', { condition: { '==': [{ var: 'record.lastName' }, 'Smith'] } }],
]);
flow.nodes.push(
  { id: 'hello', type: 'task.create', params: { subject: 'Hello Smith' }, position: { x: -150, y: 250 } },
  {
    id: 'bye',
    type: 'record.update',
    label: 'Mark as checked',
    params: { values: { title: 'Checked by a flow' } },
    position: { x: 150, y: 250 },
  },
);
flow.edges.push(
  { source: 'smith', sourceHandle: 'true', target: 'hello' },
  { source: 'smith', sourceHandle: 'false', target: 'bye' },
);
flow.notes = [
  { id: 'n1', text: '# Why\n- **Smiths** get a task', color: 'blue', position: { x: 300, y: 0 } },
];
const created = await admin.request('POST', '/api/flows', { name: flow.name, definition: flow });
assert.equal(created.statusCode, 201, created.body);
const flowId = created.json().id as string;
assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);
const ada = (
  await admin.request('POST', '/api/records/contacts', { firstName: 'Ada', lastName: 'Lovelace' })
).json();

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 820, height: 1180 },
])
  test(`a step's name and a sticky note on the canvas, saved with the draft (${viewport.width}×${viewport.height})`, async () => {
    const { page, pageErrors } = await openPage(browser, viewport);
    await signIn(page, base, 'admin', adminPassword);
    await page.goto(`${base}/flows/${flowId}`);
    await page.getByTestId('node-bye').getByText('Mark as checked').waitFor();
    await page.getByTestId('note-n1').getByText('Smiths').waitFor();
    if (viewport.width === 1440) {
      await page.getByTestId('node-hello').click();
      const name = page.getByLabel('Step name');
      await name.fill('Give Smith a task');
      await name.press('Enter');
      await page.getByTestId('node-hello').getByText('Give Smith a task').waitFor();
      await page.getByRole('button', { name: 'Add a sticky note' }).click();
      await page.getByTestId('note-n2').waitFor();
      await eventually(async () => {
        const draft = (await admin.request('GET', `/api/flows/${flowId}`)).json().draft as Flow;
        return (
          draft.notes?.length === 2 &&
          draft.nodes.find((n) => n.id === 'hello')?.label === 'Give Smith a task'
        );
      }, 'the draft to keep the name and the note');
    }
    await shot(page, `canvas-names-notes-${viewport.width}`);
    assert.deepEqual(unexpectedErrors(pageErrors), []);
    await page.context().close();
  });

test('the run view shows the decision and why; retry from a step starts a new run there; dates as the user reads them', async () => {
  assert.equal(
    (await admin.request('PATCH', '/api/me/display', { dateStyle: 'iso', timeZone: 'UTC' })).statusCode,
    200,
  );
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [ada.id] });
  const runId = started.json().runIds[0] as string;
  await eventually(
    async () => (await admin.request('GET', `/api/runs/${runId}`)).json().status === 'succeeded',
    'run',
  );
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/runs/${runId}`);
  const decision = page.getByTestId('decision-smith');
  await decision.getByText('no (false)').waitFor();
  await page.getByText('record.lastName was "Lovelace"').waitFor();
  await page.getByText('Mark as checked').first().waitFor();
  assert.match(
    (await page.getByTestId('run-page').textContent()) ?? '',
    /started \d{4}-\d{2}-\d{2} \d{2}:\d{2}/,
  );
  await shot(page, 'run-decision');
  await page.getByTestId('retry-from-bye').click();
  await page.getByTestId('retried-from').waitFor();
  assert.notEqual(new URL(page.url()).pathname, `/runs/${runId}`);
  await page.locator('[data-testid="run-page"][data-status="succeeded"]').waitFor();
  await shot(page, 'run-retried-from');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('an open record page shows what a flow changed without reloading', async () => {
  const bob = (
    await admin.request('POST', '/api/records/contacts', { firstName: 'Bob', lastName: 'Brown' })
  ).json();
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/records/contacts/${bob.id}`);
  await page.getByTestId('record-title').getByText('Bob Brown').waitFor();
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [bob.id] });
  assert.equal(started.statusCode, 202, started.body);
  await page.locator('[data-field="title"]').getByText('Checked by a flow').waitFor();
  await shot(page, 'record-live');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('import choices for link names: create the missing account, pick one of two namesakes', async () => {
  const first = (await admin.request('POST', '/api/records/accounts', { name: 'Twin Co' })).json()
    .id as string;
  await admin.request('POST', '/api/records/accounts', { name: 'Twin Co' });
  const folder = await mkdtemp(path.join(tmpdir(), 'weft-e2e-'));
  const file = path.join(folder, 'leads.csv');
  await writeFile(
    file,
    ['First Name,Last Name,Company', 'Grace,Hopper,Twin Co', 'Alan,Turing,Nowhere Inc'].join('\n'),
  );
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/imports`);
  await page.getByRole('textbox', { name: 'Into' }).click();
  await page.getByRole('option', { name: 'Contacts', exact: true }).click();
  await page.locator('input[type="file"][accept*=".csv"]').setInputFiles(file);
  await page.getByTestId('import-mapping').waitFor();
  await page.getByRole('button', { name: 'Check the whole file' }).click();
  await page.getByTestId('import-preflight').getByText('2 rows of 2 would fail').waitFor();
  const choices = page.getByTestId('link-choices');
  await choices.getByRole('textbox', { name: '1 name matches no account' }).click();
  await page.getByRole('option', { name: 'Create the missing account' }).click();
  await choices.getByRole('textbox', { name: /"Twin Co" matches 2 account/ }).click();
  const candidates = await page.getByRole('option', { name: /Twin Co \(\d of 2\)/ }).count();
  assert.equal(candidates, 2);
  await page.getByRole('option', { name: /Twin Co \(1 of 2\)/ }).click();
  await page.getByText('Your choices changed since the check').waitFor();
  await page.getByRole('button', { name: 'Check again' }).click();
  await page.getByText('All 2 rows can be imported').waitFor();
  await shot(page, 'import-link-choices');
  assert.equal((await admin.request('GET', '/api/records/accounts?q=Nowhere')).json().items.length, 0);
  assert.ok(first);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('date preferences: the format chosen is the one every page shows', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/profile/preferences`);
  const panel = page.getByTestId('date-preferences');
  await panel.getByRole('textbox', { name: 'Date format' }).click();
  await page.getByRole('option', { name: 'Long (December 6, 2026)' }).click();
  await panel
    .getByTestId('date-sample')
    .getByText(/[A-Z][a-z]+ \d{1,2}, \d{4}/)
    .waitFor();
  await shot(page, 'date-preferences');
  await page.goto(`${base}/runs`);
  await page
    .getByText(/[A-Z][a-z]+ \d{1,2}, \d{4}/)
    .first()
    .waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
