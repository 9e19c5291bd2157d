/**
 * The README's flow built only with pickers, never typing an id: the if's field by its label,
 * the assignee by name, the post's text with `{{` completion; an empty required reference is a
 * problem on its node in plain words, and a group deleted later shows as missing. At 1440×900
 * and again at 820×1180 (a tablet), where the picked names still show.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { marketingRefs } from '../helpers/marketing-refs.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

const bob = await admin.request('POST', '/api/users', {
  username: 'bob',
  firstName: 'Bob',
  lastName: 'Brown',
  password: 'correct horse battery',
});
assert.equal(bob.statusCode, 201, bob.body);
const sales = await admin.request('POST', '/api/groups', { name: 'Sales team' });
assert.equal(sales.statusCode, 201, sales.body);

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function drop(page: Page, type: string, x: number, y: number) {
  await page.getByTestId(`palette-${type}`).dragTo(page.locator('.react-flow__pane'), {
    targetPosition: { x, y },
  });
}

async function connect(page: Page, from: Locator, to: Locator) {
  await from.hover();
  await page.mouse.down();
  const box = await to.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
}

async function openNode(page: Page, id: string) {
  await page.getByTestId(`node-${id}`).click();
  await page.getByRole('tab', { name: 'Node' }).click();
  await page.getByTestId('node-panel').waitFor();
}

let flowId = '';

/** Waits until an input shows `expected` (pickers name their value once their options load). */
async function valueIs(input: Locator, expected: string) {
  const deadline = Date.now() + 10_000;
  let value = await input.inputValue();
  while (value !== expected && Date.now() < deadline) {
    await input.page().waitForTimeout(100);
    value = await input.inputValue();
  }
  assert.equal(value, expected);
}

type Params = Record<string, Record<string, unknown> | undefined>;

/** The saved draft's params by node, once `ready` holds for them (autosave is debounced). */
async function savedParams(ready: (params: Params) => boolean): Promise<Params> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const draft = (await admin.request('GET', `/api/flows/${flowId}`)).json<{
      draft: { nodes: { id: string; params: Record<string, unknown> }[] };
    }>().draft;
    const params: Params = Object.fromEntries(draft.nodes.map((n) => [n.id, n.params]));
    if (ready(params) || Date.now() > deadline) return params;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const fieldError = (panel: Locator, text: string) =>
  panel.locator('.mantine-InputWrapper-error', { hasText: text });

test('build the README flow with pickers and completion only', async () => {
  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows`);
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByTestId('node-trigger').waitFor();
  flowId = new URL(page.url()).pathname.split('/').pop() as string;

  await drop(page, 'trigger.recordCreated', 420, 80);
  await page.locator('[data-testid="node-trigger"][data-node-type="trigger.recordCreated"]').waitFor();
  await drop(page, 'control.if', 420, 240);
  await drop(page, 'record.assign', 260, 420);
  await drop(page, 'feed.post', 420, 600);
  const handle = (id: string, name: string) => page.getByTestId(`handle-${id}-${name}`);
  const target = (id: string) => page.getByTestId(`node-${id}`).locator('.react-flow__handle.target');
  await connect(page, handle('trigger', 'out'), target('if'));
  await connect(page, handle('if', 'true'), target('assign'));
  await connect(page, handle('if', 'false'), target('post'));
  await connect(page, handle('assign', 'out'), target('post'));
  await page.locator('.react-flow__edge').nth(3).waitFor();

  const panel = page.getByTestId('node-panel');
  // The if's field: picked by its label, written as the rule's path.
  await openNode(page, 'if');
  await panel.getByRole('textbox', { name: 'Field' }).click();
  await panel.getByRole('textbox', { name: 'Field' }).fill('last na');
  await page.getByRole('option', { name: /Last name/i }).click();
  await panel.getByLabel('Value').fill('Smith');

  // The assignee left empty is a problem on the node, in plain words, under its field.
  await openNode(page, 'assign');
  await fieldError(panel, 'Choose a user or group').waitFor();
  await shot(page, 'pickers-01-assign-empty');
  const assignee = panel.getByRole('textbox', { name: /User or group/ });
  await assignee.click();
  await assignee.fill('bob');
  await page.getByRole('option', { name: 'Bob Brown (@bob)' }).click();
  assert.equal(await assignee.inputValue(), 'Bob Brown (@bob)');

  // The post's text: "{{" opens the completion; Enter inserts the template at the cursor.
  await openNode(page, 'post');
  const text = panel.getByRole('textbox', { name: /Text/ });
  await text.click();
  await text.pressSequentially('Welcome {{first');
  await page.getByTestId('variable-menu').getByText('First name').waitFor();
  await shot(page, 'pickers-02-completion');
  await page.keyboard.press('Enter');
  await text.pressSequentially('!');
  assert.equal(await text.inputValue(), 'Welcome {{record.firstName}}!');

  // The draft saves itself shortly after the last change.
  const params = await savedParams((p) => p.post?.text === 'Welcome {{record.firstName}}!');
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByTestId('no-problems').waitFor();
  assert.deepEqual(params.assign, { to: 'user', assignee: bob.json().id });
  assert.deepEqual(params.if?.condition, { '==': [{ var: 'record.lastName' }, 'Smith'] });
  assert.equal(params.post?.text, 'Welcome {{record.firstName}}!');

  // The group picked next and then deleted: the picker and the problems say so, by name.
  await openNode(page, 'assign');
  await assignee.click();
  await assignee.fill('sales');
  await page.getByRole('option', { name: 'Sales team' }).click();
  await savedParams((p) => p.assign?.assignee === sales.json().id);
  const deleted = await admin.request('DELETE', `/api/groups/${sales.json().id}`);
  assert.equal(deleted.statusCode, 204, deleted.body);
  await page.reload();
  await openNode(page, 'assign');
  await fieldError(
    panel,
    'The user or group chosen for "User or group" no longer exists: choose another',
  ).waitFor();
  await valueIs(assignee, 'Missing user or group (no longer exists)');
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByTestId('problems').getByText('Assign record').waitFor();
  await shot(page, 'pickers-03-missing');
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (Playwright's innerText), not hidden text
  const body = await page.locator('body').innerText();
  assert.doesNotMatch(body, uuid, 'no id is shown');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('at 820×1180 the picked names show and the panel fits', async () => {
  // Back to an existing assignee for this part.
  const flow = (await admin.request('GET', `/api/flows/${flowId}`)).json<{
    draft: Record<string, unknown>;
  }>();
  const draft = flow.draft as { nodes: { id: string; params: Record<string, unknown> }[] };
  for (const node of draft.nodes)
    if (node.id === 'assign') node.params = { to: 'user', assignee: bob.json().id };
  const saved = await admin.request('PUT', `/api/flows/${flowId}/draft`, draft);
  assert.equal(saved.statusCode, 200, saved.body);

  const { page, pageErrors } = await openPage(browser, { width: 820, height: 1180 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows/${flowId}`);
  await openNode(page, 'assign');
  const panel = page.getByTestId('node-panel');
  await valueIs(panel.getByRole('textbox', { name: /User or group/ }), 'Bob Brown (@bob)');
  await openNode(page, 'if');
  await valueIs(panel.getByRole('textbox', { name: 'Field' }), 'Last Name (record.lastName)');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 820, `the page is ${width}px wide`);
  await shot(page, 'pickers-04-tablet');
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (Playwright's innerText), not hidden text
  assert.doesNotMatch(await page.locator('body').innerText(), uuid);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});

test('an email step picks its template and sending account by name, a campaign launch its campaign', async () => {
  const refs = await marketingRefs(admin, {
    template: 'Welcome pack',
    category: 'Onboarding',
    account: 'Sales desk',
    campaign: 'Spring offer',
  });
  const created = await admin.request('POST', '/api/flows', {
    name: 'Welcome mail',
    definition: {
      name: 'Welcome mail',
      trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
      nodes: [
        { id: 'mail', type: 'email.send', params: { from: 'account' }, position: { x: 0, y: 100 } },
        { id: 'launch', type: 'campaign.launch', params: {}, position: { x: 0, y: 200 } },
      ],
      edges: [
        { source: 'trigger', target: 'mail' },
        { source: 'mail', target: 'launch' },
      ],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  flowId = created.json().id as string;

  const { page, pageErrors } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows/${flowId}`);
  const panel = page.getByTestId('node-panel');
  await openNode(page, 'mail');
  const templateBox = panel.getByRole('textbox', { name: /^Template/ });
  await templateBox.click();
  await templateBox.fill('welc');
  await page.getByRole('option', { name: 'Welcome pack' }).click();
  const accountBox = panel.getByRole('textbox', { name: /^Account/ });
  await accountBox.click();
  await page.getByRole('option', { name: 'Sales desk <sales@example.com>' }).click();
  await shot(page, 'pickers-05-email');
  await openNode(page, 'launch');
  const campaignBox = panel.getByRole('textbox', { name: /^Campaign/ });
  await fieldError(panel, 'Choose a campaign').waitFor();
  await campaignBox.click();
  await page.getByRole('option', { name: 'Spring offer' }).click();
  const params = await savedParams((p) => typeof p.launch?.campaignId === 'string');
  assert.equal(params.mail?.templateId, refs.templateId);
  assert.equal(params.mail?.accountId, refs.accountId);
  assert.equal(params.launch?.campaignId, refs.campaignId);
  await page.reload();
  await openNode(page, 'mail');
  await valueIs(templateBox, 'Welcome pack');
  await valueIs(accountBox, 'Sales desk <sales@example.com>');
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees (Playwright's innerText), not hidden text
  assert.doesNotMatch(await page.locator('body').innerText(), uuid, 'no id is shown');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
