/**
 * Building a flow without dragging: the "+" under a handle opens the palette and adds the
 * chosen step linked and below (true left, false right); a palette click adds after the
 * selected node, never on top of another; edges carry arrowheads and their handle's name;
 * handles are 12 px; selecting a node shows its form from any tab; the minimap and the side
 * columns fold. At 1440×900, and at 820×1180 where the palette starts folded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { adminPassword } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { base, browser } = await startE2e();

async function addAfter(page: Page, nodeId: string, handle: string, type: string) {
  await page.getByTestId(`add-${nodeId}-${handle}`).click();
  const dialog = page.getByRole('dialog', { name: 'Add a step' });
  await dialog.getByTestId(`palette-${type}`).click();
  await dialog.waitFor({ state: 'detached' });
}

async function boxes(page: Page) {
  const nodes = page.locator('.react-flow__node');
  const out: { x: number; y: number; width: number; height: number }[] = [];
  for (let i = 0; i < (await nodes.count()); i++) {
    const box = await nodes.nth(i).boundingBox();
    if (box) out.push(box);
  }
  return out;
}

const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('"+" buttons and palette clicks build a linked flow; edges point and say their branch', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows`);
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByTestId('node-trigger').waitFor();

  await addAfter(page, 'trigger', 'out', 'control.if');
  const ifId = await page.locator('[data-node-type="control.if"]').getAttribute('data-testid');
  assert.equal(ifId, 'node-if');
  await addAfter(page, 'if', 'true', 'record.assign');
  await addAfter(page, 'if', 'false', 'feed.post');
  const edges = page.locator('.react-flow__edge');
  await edges.nth(2).waitFor();
  assert.equal(await edges.count(), 3);
  // true left, false right, both below the if.
  const ifBox = await page.getByTestId('node-if').boundingBox();
  const assignBox = await page.getByTestId('node-assign').boundingBox();
  const postBox = await page.getByTestId('node-post').boundingBox();
  assert.ok(ifBox && assignBox && postBox);
  assert.ok(assignBox.x < postBox.x, 'true is left of false');
  assert.ok(assignBox.y > ifBox.y && postBox.y > ifBox.y, 'both below');
  // Labels and arrowheads.
  await page.locator('.react-flow__edge-text', { hasText: 'true' }).waitFor();
  await page.locator('.react-flow__edge-text', { hasText: 'false' }).waitFor();
  assert.ok((await page.locator('.react-flow__edge-path[marker-end]').count()) >= 3);
  const handle = await page.getByTestId('handle-if-true').boundingBox();
  assert.ok(handle && Math.round(handle.width) >= 12, `handle ${handle?.width}px`);

  // From the Problems tab, selecting a node shows its form; a palette click then adds after it.
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 400 } });
  await page.getByTestId('node-assign').click();
  // Selecting a node shows its form, even from the Problems tab.
  await page.getByTestId('node-panel').getByText('Assign record').waitFor();
  await page.getByTestId('palette-task.create').first().click();
  await page.locator('[data-node-type="task.create"]').waitFor();
  assert.equal(await edges.count(), 4);
  await page.getByTestId('rf__edge-assign:out->create').waitFor();
  // A second click with nothing selected lands in view, not on top of another node.
  await page.locator('.react-flow__pane').click({ position: { x: 300, y: 60 } });
  await page.getByTestId('palette-email.send').first().click();
  await page.locator('[data-node-type="email.send"]').waitFor();
  const all = await boxes(page);
  for (const a of all) for (const b of all) if (a !== b) assert.ok(!overlap(a, b), 'no two nodes overlap');
  await shot(page, 'build-01-plus');

  // The minimap and both side columns fold.
  await page.locator('.react-flow__minimap').waitFor();
  await page.getByRole('button', { name: 'Hide the map' }).click();
  await page.locator('.react-flow__minimap').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Hide the palette' }).click();
  await page.getByPlaceholder('Search nodes').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Hide the side panel' }).click();
  await page.getByRole('tab', { name: 'Problems' }).waitFor({ state: 'detached' });
  await page.getByTestId('node-post').click();
  await page.getByTestId('node-panel').waitFor();
  await shot(page, 'build-02-folded');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('at 820×1180 the palette starts folded and "+" still adds steps', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 820, height: 1180 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows`);
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByTestId('node-trigger').waitFor();
  assert.equal(await page.getByPlaceholder('Search nodes').count(), 0, 'the palette is folded');
  await addAfter(page, 'trigger', 'out', 'feed.post');
  await page.getByTestId('node-post').waitFor();
  await page.getByTestId('node-panel').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 820, `the page is ${width}px wide`);
  await shot(page, 'build-03-tablet');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('a template opens as a laid-out draft with no problem', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows`);
  await page.getByRole('button', { name: 'Templates' }).click();
  const cards = page.getByTestId('templates').locator('[data-testid^="template-"]');
  await cards.nth(9).waitFor();
  assert.ok((await cards.count()) >= 10);
  await shot(page, 'build-04-templates');
  await page.getByRole('button', { name: 'Use the template Case escalation by impact' }).click();
  await page.getByTestId('node-impact').waitFor();
  assert.equal(
    await page.getByRole('textbox', { name: 'Flow name' }).inputValue(),
    'Case escalation by impact',
  );
  await page.locator('.react-flow__edge-text', { hasText: 'severe' }).waitFor();
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByTestId('no-problems').waitFor();
  const all = await boxes(page);
  for (const a of all) for (const b of all) if (a !== b) assert.ok(!overlap(a, b), 'laid out');
  await shot(page, 'build-05-template-open');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('an empty install offers demo data on Home', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.getByTestId('demo-data').getByRole('button', { name: 'Load demo data' }).click();
  await page
    .getByTestId('demo-data-loaded')
    .getByText('6 accounts, 12 contacts and 7 opportunities')
    .waitFor();
  await shot(page, 'build-06-demo-data');
  await page.getByRole('link', { name: 'See the contacts' }).click();
  await page.getByText('Ada').first().waitFor();
  await page.goto(base);
  await page.getByTestId('dashboard').waitFor();
  assert.equal(await page.getByTestId('demo-data').count(), 0, 'offered only while empty');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
