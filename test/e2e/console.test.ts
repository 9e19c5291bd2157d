/**
 * The workspace and admin console end to end in a real Chromium against a real server
 * (with the import worker): records, Studio, import and rollback, a restricted user.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, createTestApp, login } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { startWorker } from '../helpers/imports.ts';
import { openPage, shot, signIn } from './helpers.ts';

ensureDesignerBuilt();
const { app, db } = await createTestApp({ queue: true });
const admin = await login(app);
await startWorker(app, db);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());
const { page, pageErrors } = await openPage(browser);

test('records: list, record page, edit form', async () => {
  const created = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
  });
  assert.equal(created.statusCode, 201, created.body);
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/records/contacts`);
  await page.getByTestId('records-table').getByText('Lovelace').waitFor();
  await shot(page, 'console-01-records');
  await page.getByTestId('records-table').getByText('Lovelace').click();
  await page.getByTestId('record-title').waitFor();
  await shot(page, 'console-02-record');
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Save' }).waitFor();
  await shot(page, 'console-03-form');
  assert.deepEqual(pageErrors, []);
});
