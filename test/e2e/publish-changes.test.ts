/**
 * Unpublished changes: an active flow whose draft differs from the live version says so in
 * the designer's header and the flows list ("v1 live · unpublished changes"); Publish is
 * enabled only then, says what changed, and the badge clears once published. A new flow is
 * "Untitled flow". At 1440×900 and 820×1180.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, login } from '../helpers/app.ts';
import { eventually, straightFlow } from '../helpers/engine.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

const definition = straightFlow(
  'Welcome',
  { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  [['post', 'feed.post', { text: 'Welcome {{record.firstName}}' }]],
);
const created = await admin.request('POST', '/api/flows', { name: 'Welcome', definition });
assert.equal(created.statusCode, 201, created.body);
const flowId = created.json().id as string;
assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 820, height: 1180 },
])
  test(`the unpublished-changes badge appears and clears (${viewport.width}×${viewport.height})`, async () => {
    const { page, pageErrors } = await openPage(browser, viewport);
    await signIn(page, base, 'admin', adminPassword);
    await page.goto(`${base}/flows/${flowId}`);
    const state = page.getByTestId('live-state');
    const live = (await admin.request('GET', `/api/flows/${flowId}`)).json().publishedVersion as number;
    await state.filter({ hasText: new RegExp(`^v${live} live$`) }).waitFor();
    const publish = page.getByRole('button', { name: 'Publish', exact: true });
    assert.equal(await publish.isDisabled(), true, 'nothing to publish');

    await page.getByTestId('node-post').click();
    const text = page.getByTestId('node-panel').getByRole('textbox', { name: /Text/ });
    await text.fill(`Hello {{record.firstName}} (${viewport.width})`);
    await state.filter({ hasText: `v${live} live · unpublished changes` }).waitFor();
    // The list says so too, once the draft has saved itself (debounced).
    await eventually(async () => {
      const flows = (await admin.request('GET', '/api/flows')).json<{
        items: { id: string; unpublishedChanges: boolean }[];
      }>();
      return flows.items.find((f) => f.id === flowId)?.unpublishedChanges;
    }, 'the saved draft to differ from the live version');
    await publish.click();
    await page
      .getByTestId('publish-changes')
      .getByText('Changed the settings of Post to activity feed (post)')
      .waitFor();
    await shot(page, `publish-01-changes-${viewport.width}`);
    await page.getByRole('button', { name: `Publish version ${live + 1}` }).click();
    await state.filter({ hasText: new RegExp(`^v${live + 1} live$`) }).waitFor();
    assert.equal(await publish.isDisabled(), true);

    await page.getByRole('button', { name: 'Back to flows' }).click();
    const row = page.getByRole('row', { name: /Welcome/ });
    await row
      .getByTestId('flow-version')
      .filter({ hasText: new RegExp(`^v${live + 1} live$`) })
      .waitFor();
    await shot(page, `publish-02-list-${viewport.width}`);
    assert.deepEqual(unexpectedErrors(pageErrors), []);
    await page.context().close();
  });

test('a new flow is called "Untitled flow"', async () => {
  const { page } = await openPage(browser, { width: 1440, height: 900 });
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows`);
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByTestId('node-trigger').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Flow name' }).inputValue(), 'Untitled flow');
  await page.getByTestId('live-state').filter({ hasText: 'Not published yet' }).waitFor();
  await page.context().close();
});
