/**
 * "Process stage is…" in every condition builder, in a real Chromium, picked by names (never
 * an id on screen): an if node's condition in the flow designer, a record list's filter (only
 * the records whose stage matches are listed) and a lead-routing rule; each writes the
 * `processStatus` rule the server runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const created = await admin.request('POST', '/api/processes', {
  name: 'Sales pipeline',
  modules: ['opportunities'],
  stages: [
    { id: 'lead', name: 'Lead' },
    { id: 'won', name: 'Won' },
  ],
});
assert.equal(created.statusCode, 201, created.body);
const processId = created.json<{ id: string }>().id;
// A second process, so picking the right one is a choice.
await admin.request('POST', '/api/processes', {
  name: 'Onboarding',
  modules: ['contacts'],
  stages: [{ id: 'kickoff', name: 'Kickoff' }],
});

async function deal(name: string, won: boolean) {
  const id = (await admin.request('POST', '/api/records/opportunities', { name })).json<{ id: string }>().id;
  const move = (action: string, stageId: string) =>
    admin.request('POST', `/api/processes/${processId}/records/${id}/stages`, {
      module: 'opportunities',
      action,
      stageId,
    });
  assert.equal((await move('start', 'lead')).statusCode, 200);
  if (won) {
    assert.equal((await move('complete', 'lead')).statusCode, 200);
    assert.equal((await move('complete', 'won')).statusCode, 200);
  }
  return id;
}
await deal('Won deal', true);
await deal('Open deal', false);

async function pick(page: Page, scope: Locator, label: string, option: string) {
  await scope.getByRole('textbox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function pickStage(page: Page, scope: Locator) {
  const picker = scope.getByTestId('process-stage-picker');
  await pick(page, picker, 'Process', 'Sales pipeline');
  await pick(page, picker, 'Stage', 'Won');
  await pick(page, picker, 'Stage status', 'not completed');
}

async function until<T>(read: () => Promise<T>, ready: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const wanted = { processStatus: [processId, 'won', 'notCompleted'] };

test('an if node: Process stage is → process, stage, status by name', async () => {
  const flow = await admin.request('POST', '/api/flows', {
    name: 'Chase open deals',
    definition: {
      name: 'Chase open deals',
      trigger: { type: 'trigger.manual', params: { module: 'opportunities' } },
      nodes: [
        { id: 'if', type: 'control.if', params: {}, position: { x: 0, y: 120 } },
        { id: 'yes', type: 'feed.post', params: { text: 'Chase' }, position: { x: -150, y: 260 } },
        { id: 'no', type: 'feed.post', params: { text: 'Done' }, position: { x: 150, y: 260 } },
      ],
      edges: [
        { source: 'trigger', target: 'if' },
        { source: 'if', sourceHandle: 'true', target: 'yes' },
        { source: 'if', sourceHandle: 'false', target: 'no' },
      ],
    },
  });
  assert.equal(flow.statusCode, 201, flow.body);
  const flowId = flow.json<{ id: string }>().id;
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows/${flowId}`);
  await page.getByTestId('node-if').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  const panel = page.getByTestId('node-panel');
  await pick(page, panel, 'Operator', 'Process stage is');
  await pickStage(page, panel);
  const condition = await until(
    async () =>
      (await admin.request('GET', `/api/flows/${flowId}`))
        .json<{ draft: { nodes: { id: string; params: { condition?: unknown } }[] } }>()
        .draft.nodes.find((node) => node.id === 'if')?.params.condition,
    (value) => JSON.stringify(value) === JSON.stringify(wanted),
    'the saved condition',
  );
  assert.deepEqual(condition, wanted);
  // The node reads in words, and nothing on screen is an id.
  await page.getByTestId('node-if').getByText('A process stage is not completed').waitFor();
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByTestId('no-problems').waitFor();
  await page.getByRole('tab', { name: 'Node' }).click();
  await shot(page, 'process-condition-if');
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (Playwright's innerText)
  assert.doesNotMatch(await page.locator('body').innerText(), uuid);
  // Reopened, the pickers show the names again.
  await page.reload();
  await page.getByTestId('node-if').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  const stage = panel
    .getByTestId('process-stage-picker')
    .getByRole('textbox', { name: 'Stage', exact: true });
  await until(
    () => stage.inputValue(),
    (value) => value === 'Won',
    'the stage picker',
  );
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('a record list filter: Process stage is → only the matching records', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/records/opportunities`);
  await page.getByText('Won deal').waitFor();
  await page.getByRole('button', { name: 'Add filter' }).click();
  const filters = page.getByTestId('filters');
  await filters.getByRole('textbox', { name: 'Filter field' }).click();
  await page.getByRole('option', { name: 'Process stage', exact: true }).click();
  await pickStage(page, filters);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await until(
    async () =>
      (await page.getByText('Won deal').count()) === 0 && (await page.getByText('Open deal').count()) > 0,
    (done) => done,
    'the filtered list',
  );
  await shot(page, 'process-condition-list');
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (Playwright's innerText)
  assert.doesNotMatch(await page.locator('body').innerText(), uuid);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('a lead-routing rule: Process stage is, saved as the rule the server tests', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/admin/routing`);
  await pick(page, page.locator('body'), 'Module', 'Opportunities');
  await pick(page, page.locator('body'), 'Mode', 'Custom rules');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByRole('button', { name: 'Add filter' }).click();
  const filters = page.getByTestId('filters');
  await filters.getByRole('textbox', { name: 'Filter field' }).click();
  await page.getByRole('option', { name: 'Process stage', exact: true }).click();
  // Only the processes that apply to opportunities are offered.
  await filters.getByRole('textbox', { name: 'Process', exact: true }).click();
  await page.getByRole('option', { name: 'Sales pipeline', exact: true }).waitFor();
  assert.equal(await page.getByRole('option', { name: 'Onboarding', exact: true }).count(), 0);
  await page.keyboard.press('Escape');
  await pickStage(page, filters);
  // A rule gives its records to someone: the first user offered.
  await page.getByRole('textbox', { name: 'Users', exact: true }).click({ force: true });
  await page.getByRole('option').first().click();
  await page.keyboard.press('Escape');
  await shot(page, 'process-condition-routing');
  await page.getByRole('button', { name: 'Save routing' }).click();
  await page.getByText('Routing saved').waitFor();
  const saved = (await admin.request('GET', '/api/routing/opportunities')).json<{
    rules: { criteria: unknown }[];
  }>();
  assert.deepEqual(saved.rules[0]?.criteria, wanted);
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (Playwright's innerText)
  assert.doesNotMatch(await page.locator('body').innerText(), uuid);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
