/**
 * The designer end to end in a real Chromium against a real server (queue and engine
 * workers included): sign in, build a flow from an empty canvas, publish and activate it,
 * watch a run it starts succeed; edit it as JSON; import an X2CRM file.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { startE2e } from './helpers.ts';

const { app, base, browser } = await startE2e({ engine: true });
const admin = await login(app);
const context = await browser.newContext({
  viewport: { width: 1440, height: 900 },
  permissions: ['clipboard-read', 'clipboard-write'],
});
const page = await context.newPage();
// Generous: npm test runs other suites beside this one on a small machine.
page.setDefaultTimeout(30_000);
const pageErrors: string[] = [];
// Monaco's diff editor rejects its pending diff with this when it is closed before the diff
// worker answers (the versions panel's compare view); it is not an error of ours.
const benign = new Set(['no diff result available']);
page.on('pageerror', (error) => {
  if (!benign.has(error.message)) pageErrors.push(error.message);
});
page.on('console', (message) => {
  if (message.type() === 'error' && !benign.has(message.text())) pageErrors.push(message.text());
});

const shots = process.env.WEFT_SCREENSHOTS;
const shot = async (name: string) => {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`) });
};

async function drop(type: string, x: number, y: number) {
  const pane = page.locator('.react-flow__pane');
  await page.getByTestId(`palette-${type}`).dragTo(pane, { targetPosition: { x, y } });
}

async function connect(from: Locator, to: Locator) {
  await from.hover();
  await page.mouse.down();
  const box = await to.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
}

const targetOf = (id: string) => page.getByTestId(`node-${id}`).locator('.react-flow__handle.target');
const handle = (id: string, name: string) => page.getByTestId(`handle-${id}-${name}`);

/** Replaces the editor's text the way a user pastes it (typing would trip Monaco's auto-closing). */
async function pasteIntoEditor(editor: Locator, text: string) {
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

async function openNode(id: string) {
  await page.getByTestId(`node-${id}`).click();
  await page.getByRole('tab', { name: 'Node' }).click();
  await page.getByTestId('node-panel').waitFor();
}

test('sign in, build, publish and activate a flow, and watch its run succeed', async () => {
  await page.goto(`${base}/flows`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await shot('01-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flows' }).waitFor();
  // The bell's count arrives over the WebSocket (`ready`), not from a request.
  await page.locator('[data-testid="unread-count"][data-count="0"]').waitFor();

  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByTestId('node-trigger').waitFor();
  const flowId = new URL(page.url()).pathname.split('/').pop() as string;

  await drop('trigger.recordCreated', 420, 80);
  await page
    .getByTestId('node-trigger')
    .and(page.locator('[data-node-type="trigger.recordCreated"]'))
    .waitFor();
  await drop('control.if', 420, 240);
  await drop('record.assign', 260, 420);
  await drop('feed.post', 420, 600);
  for (const id of ['if', 'assign', 'post']) await page.getByTestId(`node-${id}`).waitFor();

  await connect(handle('trigger', 'out'), targetOf('if'));
  await connect(handle('if', 'true'), targetOf('assign'));
  await connect(handle('if', 'false'), targetOf('post'));
  await connect(handle('assign', 'out'), targetOf('post'));
  await page.locator('.react-flow__edge').nth(3).waitFor();
  assert.equal(await page.locator('.react-flow__edge').count(), 4);

  // The blank flow's manual trigger was on contacts; the dropped trigger keeps its module.
  await openNode('trigger');
  assert.equal(
    await page.getByTestId('node-panel').getByRole('textbox', { name: 'Module' }).inputValue(),
    'contacts',
  );
  await openNode('if');
  await page.getByRole('textbox', { name: 'Field' }).fill('last name');
  await page.getByRole('option', { name: 'Last Name (record.lastName)' }).click();
  await page.getByLabel('Value').fill('Smith');
  await openNode('assign');
  // Picked by name: no id is typed.
  const assignee = page.getByTestId('node-panel').getByRole('textbox', { name: /User or group/ });
  await assignee.click();
  await assignee.fill('admin');
  await page.getByRole('option', { name: /@admin/ }).click();
  await openNode('post');
  await page
    .getByTestId('node-panel')
    .getByRole('textbox', { name: /Text/ })
    .fill('Welcome {{record.firstName}}');
  await shot('02-built');

  await page.getByTestId('save-state').filter({ hasText: 'Saved' }).waitFor();
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page
    .getByTestId('no-problems')
    .waitFor()
    .catch(async (error) => {
      await shot('problems');
      throw error;
    });
  const publish = page.getByRole('button', { name: 'Publish' });
  await publish.click();
  // Publishing says what it changes first.
  await page
    .getByTestId('publish-changes')
    .getByText(/The first version/)
    .waitFor();
  await page.getByRole('button', { name: 'Publish version 1' }).click();
  await page.getByText('v1 published').waitFor();
  // The switch is enabled once the published version is loaded; the click is taken when the
  // activation request goes out (a click landing while the header re-renders is tried again).
  await page.getByRole('switch', { name: 'Active', disabled: false }).waitFor();
  for (let attempt = 1; ; attempt++) {
    const activated = page.waitForResponse((r) => r.url().endsWith(`/api/flows/${flowId}/activate`), {
      timeout: 5_000,
    });
    await page.getByRole('switch', { name: 'Active' }).click({ force: true });
    if (
      await activated.then(
        () => true,
        () => false,
      )
    )
      break;
    assert.ok(attempt < 3, 'the Active switch sent no activation');
  }
  await page.getByRole('switch', { name: 'Active', checked: true }).waitFor();
  const flow = await admin.request('GET', `/api/flows/${flowId}`);
  assert.equal(flow.json().active, true);
  assert.equal(flow.json().publishedVersion, 1);

  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Smith',
  });
  assert.equal(contact.statusCode, 201, contact.body);

  await page.getByRole('tab', { name: 'Runs' }).click();
  // The run appears without a reload: the list follows the live channel's run.updated pushes.
  await page.getByTestId('run-row').first().click();
  await page
    .getByTestId('run-view')
    .and(page.locator('[data-status="succeeded"]'))
    .waitFor({ timeout: 20_000 });
  await page.getByTestId('node-assign').and(page.locator('.ran')).waitFor();
  await shot('03-run');

  // The draft as a test run on a sample record.
  await page.getByRole('textbox', { name: /Sample contacts record/ }).click();
  await page.getByRole('option', { name: 'Ada Smith' }).click();
  await page.getByRole('button', { name: 'Test run' }).click();
  await page.getByTestId('run-view').getByText('test', { exact: true }).waitFor();
  await page
    .getByTestId('run-view')
    .and(page.locator('[data-status="succeeded"]'))
    .waitFor({ timeout: 20_000 });

  // The watched run's step, on its node.
  await page.getByTestId('node-assign').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  await page.getByTestId('node-step').getByText('assignedTo').waitFor();

  const feed = await admin.request('GET', '/api/feed?limit=20');
  assert.ok(
    feed.json().items.some((post: { text?: string }) => post.text === 'Welcome Ada'),
    `no "Welcome Ada" post in ${feed.body}`,
  );
});

test('the JSON view edits the canvas; invalid JSON shows its errors and keeps it', async () => {
  await page.getByText('JSON', { exact: true }).click();
  const editor = page.getByTestId('json-editor').locator('.monaco-editor');
  await editor.waitFor();
  await pasteIntoEditor(editor, '{ "name": ');
  await page.getByTestId('json-errors').waitFor();
  await shot('04-json-invalid');

  const current = (
    await admin.request('GET', `/api/flows/${new URL(page.url()).pathname.split('/').pop()}`)
  ).json().draft;
  const edited = {
    ...current,
    nodes: [
      ...current.nodes,
      { id: 'finish', type: 'control.end', params: {}, position: { x: 700, y: 600 } },
    ],
  };
  await page.getByText('Canvas', { exact: true }).click();
  await page.getByTestId('node-post').waitFor();
  await page.getByText('JSON', { exact: true }).click();
  await editor.waitFor();
  await pasteIntoEditor(editor, JSON.stringify(edited, null, 2));
  await page.getByTestId('json-errors').waitFor({ state: 'detached' });
  await page.getByText('Canvas', { exact: true }).click();
  await page.getByTestId('node-finish').waitFor();
  await page.getByTestId('node-post').waitFor();
  await shot('05-json-to-canvas');

  await page.getByRole('button', { name: 'Versions' }).click();
  await page.getByRole('menuitem', { name: 'Compare versions…' }).click();
  await page.getByTestId('version-diff').locator('.monaco-diff-editor').waitFor();
  await page.getByTestId('version-diff').locator('.view-line').first().waitFor();
  await shot('05b-compare');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
});

test('keyboard: copy, paste, undo, redo, delete, and the connection rules refuse a link into the trigger', async () => {
  await page.getByTestId('node-post').click();
  await page.keyboard.press('ControlOrMeta+C');
  await page.keyboard.press('ControlOrMeta+V');
  await page.getByTestId('node-post2').waitFor();
  await page.keyboard.press('ControlOrMeta+Z');
  await page.getByTestId('node-post2').waitFor({ state: 'detached' });
  await page.keyboard.press('ControlOrMeta+Shift+Z');
  await page.getByTestId('node-post2').waitFor();
  await page.keyboard.press('Delete');
  await page.getByTestId('node-post2').waitFor({ state: 'detached' });

  // The palette works without dragging: a click (or Enter) places the node in view.
  await page.getByTestId('palette-control.end').click();
  await page.getByTestId('node-end').waitFor();
  await page.keyboard.press('Delete');
  await page.getByTestId('node-end').waitFor({ state: 'detached' });

  const edges = await page.locator('.react-flow__edge').count();
  await connect(handle('post', 'out'), page.getByTestId('node-trigger'));
  await connect(handle('post', 'out'), targetOf('if'));
  assert.equal(await page.locator('.react-flow__edge').count(), edges, 'no edge into the trigger, no cycle');
});

test('import an X2CRM flow file from the flows list', async () => {
  await page.getByRole('link', { name: 'Flows', exact: true }).click();
  await page.getByRole('heading', { name: 'Flows' }).waitFor();
  await page.getByRole('row').nth(1).waitFor();
  await shot('06a-list');
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import' }).click();
  await (await chooser).setFiles(path.join(import.meta.dirname, 'fixtures/x2crm-wait-notify.json'));
  await page.getByTestId('node-n1').waitFor();
  await page.getByTestId('node-n3').waitFor();
  await shot('06-imported');
  assert.deepEqual(pageErrors, []);
});
