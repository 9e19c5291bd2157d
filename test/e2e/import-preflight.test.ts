/**
 * Importing a real-world CSV whose "Company" column names accounts: the column is matched to
 * the Account field by its label, the whole file is checked before anything is written (the
 * row naming an unknown company is found, with its row and value), the import links the
 * others to their accounts by name. At 1440×900 and 820×1180.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { adminPassword, createTestApp, login } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { startWorker } from '../helpers/imports.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db } = await createTestApp({ queue: true });
await startWorker(app, db);
const admin = await login(app);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await launchChromium();
onTestEnd(() => browser.close());

const acme = (await admin.request('POST', '/api/records/accounts', { name: 'Acme Ltd' })).json().id as string;
await admin.request('POST', '/api/records/accounts', { name: 'Globex' });
const folder = await mkdtemp(path.join(tmpdir(), 'weft-e2e-'));
const file = path.join(folder, 'leads.csv');
await writeFile(
  file,
  [
    'First Name,Last Name,Email,Company',
    'Ada,Lovelace,ada@example.com,Acme Ltd',
    'Alan,Turing,alan@example.com,globex',
    'Grace,Hopper,grace@example.com,Initech',
  ].join('\n'),
);

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 820, height: 1180 },
])
  test(`a CSV's Company column matched to accounts by name, checked first (${viewport.width}×${viewport.height})`, async () => {
    const { page, pageErrors } = await openPage(browser, viewport);
    await signIn(page, base, 'admin', adminPassword);
    await page.goto(`${base}/imports`);
    await page.getByRole('textbox', { name: 'Into' }).click();
    await page.getByRole('option', { name: 'Contacts', exact: true }).click();
    await page.locator('input[type="file"][accept*=".csv"]').setInputFiles(file);
    await page.getByTestId('import-mapping').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Column Company' }).inputValue(), 'Account');
    assert.equal(await page.getByRole('button', { name: 'Start import' }).isDisabled(), true, 'check first');
    await page.getByRole('button', { name: 'Check the whole file' }).click();
    const check = page.getByTestId('import-preflight');
    await check.getByText('1 row of 3 would fail').waitFor();
    await check.getByText('Row 4 ("Initech"): no record of Accounts is named "Initech"').waitFor();
    await shot(page, `import-01-preflight-${viewport.width}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= viewport.width, `the page is ${wide}px wide`);
    const before = (await admin.request('GET', '/api/records/contacts/count')).json().count as number;
    // The first run imports and rolls back again: before the import, nothing is there either way.
    assert.equal(before, 0, 'the check wrote nothing');
    if (viewport.width !== 1440) return page.context().close();

    await page.getByRole('button', { name: 'Import anyway (1 row will fail)' }).click();
    const run = page.getByTestId('import-history').locator('tr').first();
    await run.and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    // A partly failed import says so, with its counts.
    await run.getByTestId('import-status').filter({ hasText: 'Partly imported' }).waitFor();
    await run.getByText('1 failed').waitFor();
    await shot(page, 'import-02-partly');
    const contacts = (await admin.request('GET', '/api/records/contacts?limit=10')).json().items as {
      firstName: string;
      company: string | null;
    }[];
    assert.equal(contacts.find((c) => c.firstName === 'Ada')?.company, acme);
    // Rolling back warns what it cannot undo, then reads "Rolled back".
    // A retry of the failed row from the kept file, without uploading it again.
    await run.getByRole('button', { name: 'Retry failed rows' }).click();
    const retried = page.getByTestId('import-history').locator('tr').first();
    await retried.getByText('retry', { exact: false }).waitFor();
    await retried.and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    const original = page.getByTestId('import-history').locator('tr').nth(1);
    await original.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('This deletes the 2 records the import created.').waitFor();
    await shot(page, 'import-03-rollback');
    await dialog.getByTestId('rollback-confirm').click();
    await original.getByTestId('import-status').filter({ hasText: 'Rolled back' }).waitFor();
    assert.deepEqual(unexpectedErrors(pageErrors), []);
    await page.context().close();
  });
