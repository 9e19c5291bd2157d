/**
 * Finding and fixing a failed run in a real Chromium against a real server with engine
 * workers: Home's failed-runs card opens the run; the run page names every node it passed,
 * the failed one in red with its error in words; the executions page lists runs of all
 * flows with names, filters by status and record name, opens a run, and Retry runs the
 * failed step again. At 1440×900 and 820×1180.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, login } from '../helpers/app.ts';
import { eventually, straightFlow } from '../helpers/engine.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e({ engine: true });
const admin = await login(app);

async function publish(definition: ReturnType<typeof straightFlow>) {
  const created = await admin.request('POST', '/api/flows', { name: definition.name, definition });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${id}/publish`)).statusCode, 200);
  assert.equal((await admin.request('POST', `/api/flows/${id}/activate`)).statusCode, 200);
  return id;
}

const manual = { type: 'trigger.manual', params: { module: 'contacts' } } as const;
const greet = await publish(
  straightFlow('Greet', manual, [['task', 'task.create', { subject: 'Say hello' }]]),
);
const check = await publish(
  straightFlow('Check presence', manual, [
    ['task', 'task.create', { subject: 'Call back' }],
    ['online', 'user.isOnline', { userId: '{{record.firstName}}' }],
  ]),
);
const ada = (
  await admin.request('POST', '/api/records/contacts', { firstName: 'Ada', lastName: 'Lovelace' })
).json();
const bob = (
  await admin.request('POST', '/api/records/contacts', { firstName: 'Bob', lastName: 'Brown' })
).json();

async function runOn(flowId: string, recordId: string) {
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [recordId] });
  assert.equal(started.statusCode, 202, started.body);
  const runId = started.json().runIds[0] as string;
  await eventually(async () => {
    const run = (await admin.request('GET', `/api/runs/${runId}`)).json();
    return ['succeeded', 'failed'].includes(run.status);
  }, 'the run to finish');
  return runId;
}
await runOn(greet, bob.id);
const failedRun = await runOn(check, ada.id);

test('a failed run is found from Home, read step by step, found again on the executions page, and retried', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  // Home's card links to the run itself.
  await page.getByTestId('failed-run').getByRole('link', { name: 'Check presence' }).click();
  await page.waitForURL(`${base}/runs/${failedRun}`);
  const runPage = page.getByTestId('run-page');
  await runPage.and(page.locator('[data-status="failed"]')).waitFor();
  await page.getByTestId('run-node-trigger').getByText('Trigger: Run by hand').waitFor();
  await page.getByTestId('run-node-task').and(page.locator('[data-status="done"]')).waitFor();
  const failedNode = page.getByTestId('run-node-online').and(page.locator('[data-status="failed"]'));
  await failedNode.getByText('Is a user online?').waitFor();
  await failedNode.getByText('userId is not an id (Ada)').waitFor();
  await page.getByTestId('run-error').getByText('userId is not an id (Ada)').waitFor();
  await runPage.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await shot(page, 'executions-01-run');

  // Every flow's runs, with names; filtered by status, then by record name.
  await page.getByRole('link', { name: 'Flow runs' }).click();
  const rows = page.getByTestId('execution-row');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  await page.getByTestId('executions').getByText('Bob Brown').waitFor();
  await page.getByRole('textbox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'Failed' }).click();
  await page.locator('[data-testid="execution-row"][data-status="succeeded"]').waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);
  assert.match(page.url(), /\/runs\?status=failed$/);
  await page.getByRole('textbox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'Failed' }).click(); // deselects
  await page.getByRole('textbox', { name: 'Record of' }).click();
  await page.getByRole('option', { name: 'Contacts' }).click();
  await page.getByRole('textbox', { name: 'Record name' }).fill('lovelace');
  await page.locator('[data-testid="execution-row"][data-status="succeeded"]').waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);
  await rows.first().getByText('userId is not an id (Ada)').waitFor();
  await shot(page, 'executions-02-list');

  // Open it from the list and retry: the failed step runs again (and fails again, here).
  await rows.first().getByRole('link', { name: 'Open the run of Check presence' }).click();
  const stepStart = async () =>
    (await admin.request('GET', `/api/runs/${failedRun}`)).json<{
      status: string;
      steps: { nodeId: string; startedAt: string }[];
    }>();
  const before = (await stepStart()).steps.find((s) => s.nodeId === 'online')?.startedAt;
  await page.getByRole('button', { name: 'Retry from the failed step' }).click();
  await page.getByText('Retrying from the failed step').waitFor();
  await eventually(async () => {
    const run = await stepStart();
    const again = run.steps.find((s) => s.nodeId === 'online')?.startedAt;
    return run.status === 'failed' && again !== undefined && again !== before;
  }, 'the retried step to fail again');
  await page.getByTestId('run-page').and(page.locator('[data-status="failed"]')).waitFor();
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('at 820×1180 the executions table scrolls in its own box and the run page wraps', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 820, height: 1180 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/runs?status=failed`);
  await page.getByTestId('execution-row').first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 820, `the page is ${width}px wide`);
  await shot(page, 'executions-03-tablet');
  await page.goto(`${base}/runs/${failedRun}`);
  await page.getByTestId('run-error').waitFor();
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 820);
  await shot(page, 'executions-04-run-tablet');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
