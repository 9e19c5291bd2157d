/**
 * A code step in the designer, in a real Chromium against a real server: write TypeScript
 * with a type error and see it inline, fix it, run it on a sample record (output and log
 * shown, nothing saved), publish, and the published flow's run uses the step's output.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { eventually } from '../helpers/engine.ts';
import { startE2e } from './helpers.ts';

const { app, base, browser } = await startE2e({ engine: true });
const admin = await login(app);
const context = await browser.newContext({
  viewport: { width: 1440, height: 900 },
  permissions: ['clipboard-read', 'clipboard-write'],
});
const page = await context.newPage();
page.setDefaultTimeout(30_000);
const pageErrors: string[] = [];
page.on('pageerror', (error) => pageErrors.push(error.message));

const shot = async (name: string) => {
  const folder = process.env.WEFT_SCREENSHOTS;
  if (folder) await page.screenshot({ path: path.join(folder, `${name}.png`) });
};

/** Replaces the editor's text the way a user pastes it (typing would trip Monaco's auto-closing). */
async function pasteIntoEditor(editor: Locator, text: string) {
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

test('write a code step with a type error, see it inline, fix it, run it on a sample record, publish', async () => {
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
  });
  assert.equal(contact.statusCode, 201, contact.body);
  const created = await admin.request('POST', '/api/flows', {
    name: 'Greet in code',
    definition: {
      name: 'Greet in code',
      trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
      nodes: [
        { id: 'calc', type: 'code.run', params: { language: 'ts', source: '' }, position: { x: 0, y: 120 } },
        {
          id: 'post',
          type: 'feed.post',
          params: { text: '{{steps.calc.output.result.greeting}}' },
          position: { x: 0, y: 260 },
        },
      ],
      edges: [
        { source: 'trigger', target: 'calc' },
        { source: 'calc', target: 'post' },
      ],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;

  await page.goto(`${base}/flows/${flowId}`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('node-calc').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  const editor = page.getByTestId('code-editor').locator('.monaco-editor');
  await editor.waitFor();

  // A type error: the record's lastName is a string (or null), not a number.
  await pasteIntoEditor(
    editor,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code step's own JavaScript
    'const size: number = record.lastName;\nconsole.log("greeting", record.firstName);\nreturn { greeting: `Hello ${record.firstName}`, size };',
  );
  const problems = page.getByTestId('code-problems');
  await problems
    .getByText(/Line 1, column 7: Type 'string \| null' is not assignable to type 'number'/)
    .waitFor();
  await shot('code-01-type-error');

  await pasteIntoEditor(
    editor,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code step's own JavaScript
    'const size: number = (record.lastName ?? "").length;\nconsole.log("greeting", record.firstName);\nreturn { greeting: `Hello ${record.firstName}`, size };',
  );
  await problems.getByText('No problems').waitFor();

  await page.getByLabel('Output schema').fill(
    JSON.stringify({
      type: 'object',
      properties: { greeting: { type: 'string' }, size: { type: 'number' } },
      required: ['greeting'],
      additionalProperties: false,
    }),
  );
  // Leaving the field formats the JSON (the panel grows): done before aiming at the button.
  await page.getByLabel('Output schema').blur();
  // The module's first record is the sample until another is picked.
  assert.equal(await page.getByRole('textbox', { name: 'Sample record' }).inputValue(), 'Ada Lovelace');
  await page.getByRole('button', { name: 'Run with the sample record' }).click();
  const result = page.getByTestId('code-run-result');
  await result.waitFor().catch(async (error) => {
    await shot('code-02-no-result');
    console.log(await page.getByTestId('code-step-editor').textContent(), pageErrors);
    throw error;
  });
  await result
    .getByText('"greeting": "Hello Ada"')
    .waitFor()
    .catch(async (error) => {
      await shot('code-02-result');
      throw error;
    });
  await result.getByTestId('code-run-logs').getByText('log: greeting Ada').waitFor();
  await shot('code-02-ran');

  await page.getByTestId('save-state').filter({ hasText: 'Saved' }).waitFor();
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByTestId('no-problems').waitFor();
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByRole('button', { name: 'Publish version 1' }).click();
  await page.getByText('v1 published').waitFor();

  const flow = (await admin.request('GET', `/api/flows/${flowId}`)).json();
  assert.equal(flow.publishedVersion, 1);
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [contact.json().id] });
  assert.equal(started.statusCode, 202, started.body);
  const runId = started.json().runIds[0] as string;
  const run = await eventually(async () => {
    const found = (await admin.request('GET', `/api/runs/${runId}`)).json();
    return found.status === 'succeeded' || found.status === 'failed' ? found : undefined;
  }, 'the run');
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const feed = await admin.request('GET', '/api/feed?limit=5');
  assert.ok(
    feed.json().items.some((post: { text?: string }) => post.text === 'Hello Ada'),
    feed.body,
  );
  assert.deepEqual(pageErrors, []);
});

test('Studio’s JSON view of a module: schema errors inline, a preview of what changes, applied at once', async () => {
  const created = await admin.request('POST', '/api/modules', {
    name: 'projects',
    label: 'Projects',
    itemName: 'Project',
  });
  assert.equal(created.statusCode, 201, created.body);
  await admin.request('POST', '/api/modules/projects/fields', { name: 'code', label: 'Code', type: 'text' });
  await admin.request('POST', '/api/records/projects', { name: 'Apollo', code: 'AP' });
  const fields = (await admin.request('GET', '/api/modules/projects')).json().fields as Array<
    Record<string, unknown>
  >;
  const keep = fields
    .filter((f) => f.name !== 'code')
    .map(({ name, label, type }) => ({ name, label, type }));

  await page.goto(`${base}/studio/projects/json`);
  const editor = page.getByTestId('definition-json').locator('.monaco-editor');
  await editor.waitFor();
  // The module's fields are loaded into the editor (only the lines in view are drawn).
  await page.getByTestId('definition-json').getByText('"name"').first().waitFor();

  await pasteIntoEditor(
    editor,
    JSON.stringify([...keep, { name: 'phase', label: 'Phase', type: 'txt' }], null, 2),
  );
  await page
    .getByTestId('definition-problems')
    .waitFor()
    .catch(async (error) => {
      await shot('studio-01-no-problems');
      throw error;
    });
  await page
    .getByTestId('definition-problems')
    .getByText(/Line 45: Value is not accepted/)
    .waitFor();
  await shot('studio-01-schema-error');

  await pasteIntoEditor(
    editor,
    JSON.stringify([...keep, { name: 'phase', label: 'Phase', type: 'text' }], null, 2),
  );
  await page.getByTestId('definition-problems').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Preview changes' }).click();
  const preview = page.getByTestId('definition-preview');
  await preview.getByText('phase (text)').waitFor();
  await preview.getByText('code — 1 record loses its value').waitFor();
  await page
    .getByRole('button', { name: 'Preview changes' })
    .and(page.locator(':not([data-loading])'))
    .waitFor();
  await shot('studio-02-preview');
  await page.getByRole('button', { name: 'Apply (deletes 1 stored value)' }).click();
  await page.getByTestId('definition-applied').getByText('Applied: 1 added, 1 removed, 0 changed.').waitFor();
  const after = (await admin.request('GET', '/api/modules/projects')).json().fields as Array<{
    name: string;
  }>;
  assert.ok(after.some((f) => f.name === 'phase') && !after.some((f) => f.name === 'code'));
  assert.deepEqual(pageErrors, []);
});
