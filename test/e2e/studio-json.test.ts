/**
 * Studio's JSON view of a dropdown and of a form layout, in a real Chromium: each loads as
 * JSON in Monaco, is checked against its schema as typed (schemas/dropdowns.ts,
 * schemas/layout.ts), refused by the server with the field and the reason (a repeated value,
 * a field the module does not have), saved through the same endpoint as the visual editors,
 * and read back as the server kept it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { adminPassword, login } from '../helpers/app.ts';
import { shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

const dropdown = await admin.request('POST', '/api/dropdowns', {
  name: 'Priority',
  options: [
    { value: 'low', label: 'Low' },
    { value: 'high', label: 'High' },
  ],
});
assert.equal(dropdown.statusCode, 201, dropdown.body);
const dropdownId = dropdown.json<{ id: string }>().id;
const layout = await admin.request('POST', '/api/modules/contacts/layouts', {
  name: 'Compact form',
  sections: [{ title: 'Main', rows: [{ columns: [{ fields: ['firstName', 'lastName'] }] }] }],
});
assert.equal(layout.statusCode, 201, layout.body);
const layoutId = layout.json<{ id: string }>().id;

const context = await browser.newContext({
  viewport: { width: 1440, height: 900 },
  permissions: ['clipboard-read', 'clipboard-write'],
});
const page: Page = await context.newPage();
page.setDefaultTimeout(30_000);
const pageErrors: string[] = [];
page.on('pageerror', (error) => pageErrors.push(error.message));
page.on('console', (message) => {
  if (message.type() === 'error') pageErrors.push(message.text());
});

/** Replaces the editor's text the way a user pastes it (typing would trip Monaco's auto-closing). */
async function paste(editor: Locator, value: unknown) {
  await page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify(value, null, 2));
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

test('a dropdown as JSON: a repeated value is refused naming it; saved, it reads back as kept', async () => {
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/studio/contacts/json`);
  await page.locator('.mantine-SegmentedControl-root').getByText('Dropdowns', { exact: true }).click();
  await page.getByRole('textbox', { name: 'Dropdown' }).click();
  await page.getByRole('option', { name: 'Priority' }).click();
  const view = page.getByTestId('dropdown-json');
  const editor = view.locator('.monaco-editor');
  await view.getByText('"High"').first().waitFor();

  // The schema, as typed: an option without a label.
  await paste(editor, { name: 'Priority', options: [{ value: 'low' }] });
  await page
    .getByTestId('dropdown-json-problems')
    .getByText(/Missing property "label"/)
    .waitFor();
  await shot(page, 'studio-json-dropdown-schema');

  // The server's own rule: values are unique.
  const repeated = {
    name: 'Priority',
    options: [
      { value: 'low', label: 'Low' },
      { value: 'low', label: 'Lower' },
    ],
  };
  await paste(editor, repeated);
  await page.getByTestId('dropdown-json-problems').waitFor({ state: 'detached' });
  await view.getByRole('button', { name: 'Save' }).click();
  await page
    .getByTestId('dropdown-json-errors')
    .getByText('options[1].value repeats options[0].value')
    .waitFor();
  await shot(page, 'studio-json-dropdown-refused');

  const wanted = {
    name: 'Priority',
    options: [
      { value: 'low', label: 'Low' },
      { value: 'mid', label: 'Medium' },
      { value: 'high', label: 'High' },
    ],
    multi: false,
  };
  await paste(editor, wanted);
  await view.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dropdown-json-saved').waitFor();
  const kept = (await admin.request('GET', `/api/dropdowns/${dropdownId}`)).json<{ options: unknown }>();
  assert.deepEqual(kept.options, wanted.options);
  await view.getByText('"Medium"').first().waitFor();
  assert.deepEqual(
    unexpectedErrors(pageErrors, [
      `Failed to load resource: the server responded with a status of 400 (Bad Request)`,
    ]),
    [],
  );
});

test('a layout as JSON: an unknown field is refused at its place; saved, it reads back as kept', async () => {
  await page.goto(`${base}/studio/contacts/json`);
  await page.locator('.mantine-SegmentedControl-root').getByText('Layouts', { exact: true }).click();
  await page.getByRole('textbox', { name: 'Layout' }).click();
  await page.getByRole('option', { name: /Compact form/ }).click();
  const view = page.getByTestId('layout-json');
  const editor = view.locator('.monaco-editor');
  await view.getByText('"Main"').first().waitFor();

  const section = (fields: string[]) => ({ title: 'Main', rows: [{ columns: [{ fields }] }] });
  await paste(editor, { name: 'Compact form', sections: [section(['firstName', 'nickname'])] });
  await view.getByRole('button', { name: 'Save' }).click();
  await page
    .getByTestId('layout-json-errors')
    .getByText('sections[0].rows[0].columns[0].fields[1] "nickname" is not a field of contacts')
    .waitFor();
  await shot(page, 'studio-json-layout-refused');

  const wanted = { name: 'Compact form', sections: [section(['firstName', 'lastName', 'email'])] };
  await paste(editor, wanted);
  await view.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('layout-json-saved').waitFor();
  const kept = (await admin.request('GET', `/api/modules/contacts/layouts/${layoutId}`)).json<{
    name: string;
    sections: Array<{ rows: Array<{ columns: Array<{ fields: string[] }> }> }>;
  }>();
  assert.equal(kept.name, 'Compact form');
  assert.deepEqual(kept.sections[0]?.rows[0]?.columns[0]?.fields, ['firstName', 'lastName', 'email']);
  await view.getByText('"email"').first().waitFor();
  await shot(page, 'studio-json-layout-saved');
  assert.deepEqual(
    unexpectedErrors(pageErrors, [
      `Failed to load resource: the server responded with a status of 400 (Bad Request)`,
    ]),
    [],
  );
  await context.close();
});
