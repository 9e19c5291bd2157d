/**
 * Marketing in a real Chromium: a template written in the editor (Monaco), its problems
 * and live preview; a campaign created from the screens, launched, and watched to the end
 * (progress bar and the opens chart) with mail going to a real SMTP sink.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { startCampaignWorker } from '../../server/marketing/delivery.ts';
import { identifyVisitor } from '../../server/marketing/web.ts';
import { adminPassword, createTestApp, login } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { eventually } from '../helpers/engine.ts';
import { startSmtpServer } from '../helpers/smtp.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db } = await createTestApp({ queue: true });
const admin = await login(app);
const boss = app.boss as NonNullable<typeof app.boss>;
await startCampaignWorker(boss, db, app.settings);
onTestEnd(() => boss.offWork('weft.marketing.campaign'));
const smtp = await startSmtpServer();
const base = await app.listen({ port: 0, host: '127.0.0.1' });
await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: smtp.port,
  smtpSecurity: 'none',
  trackingBaseUrl: base,
});
const browser = await launchChromium();
onTestEnd(() => browser.close());
const { page, pageErrors } = await openPage(browser);

test('a template in the editor: a wrong field is named in plain words, the preview shows the newest contact', async () => {
  await sql`
    insert into rec_contacts (first_name, last_name, email, lead_source, assigned_to, created_by)
    select 'Reader' || n, 'Number' || n, 'reader' || n || '@example.com', 'Web', ${admin.userId}::uuid, ${admin.userId}::uuid
    from generate_series(1, 12) as n`.execute(db);
  await signIn(page, base, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Marketing' }).click();
  await page.getByRole('tab', { name: 'Templates' }).click();
  await page.getByRole('button', { name: 'New template' }).click();
  await page.getByLabel('Name').fill('Autumn news');
  await page.getByLabel('Category').fill('Newsletters');
  await page.getByLabel('Subject').fill('News for {{record.nickname}}');
  const preview = page.getByTestId('template-preview');
  await preview.getByText('contacts has no field "nickname"').waitFor();
  await shot(page, 'marketing-template-problem');
  await page.getByLabel('Subject').fill('News for {{record.firstName}}');
  await preview.getByText(/^Subject:/).waitFor();
  await preview.getByText(/News for Reader\d+/).waitFor();
  // The HTML body in Monaco: the starter text is there and the preview renders it.
  await page.getByTestId('html-editor').locator('.monaco-editor').waitFor();
  const frame = page.frameLocator('iframe[title="HTML preview"]');
  await frame.getByText(/Dear Reader\d+ Number\d+/).waitFor();
  await shot(page, 'marketing-template-editor');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Template “Autumn news” saved').waitFor();
  await page.waitForURL(/\/marketing\/templates\/[0-9a-f-]{36}$/);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('a campaign from the screens: created, launched, its progress and opens shown', async () => {
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Web readers',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  });
  assert.equal(list.statusCode, 201, list.body);
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('tab', { name: 'Campaigns' }).click();
  await page.getByRole('button', { name: 'New campaign' }).click();
  const dialog = page.getByRole('dialog', { name: 'New campaign' });
  await dialog.getByLabel('Name').fill('Autumn');
  await dialog.getByRole('textbox', { name: 'Send to' }).click();
  await page.getByRole('option', { name: 'Web readers (dynamic)' }).click();
  await dialog.getByRole('textbox', { name: 'Template' }).click();
  await page.getByRole('option', { name: 'Autumn news' }).click();
  await shot(page, 'marketing-new-campaign');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('button', { name: 'Launch now' }).click();
  await page.getByText('12 recipients queued').waitFor();
  await page.getByText('12 of 12 done').waitFor({ timeout: 20_000 });
  assert.equal(smtp.received.length, 12);
  // One reader opens the mail: the chart shows it on the next refresh.
  const raw = smtp.received[0]?.raw ?? '';
  const pixel = /\/api\/t\/o\/([^"\s]+)"/.exec(raw.replace(/=\r\n/g, ''))?.[1];
  assert.ok(pixel);
  assert.equal((await app.inject({ method: 'GET', url: `/api/t/o/${pixel}` })).statusCode, 200);
  await page.getByText('Opened', { exact: true }).waitFor();
  await eventually(async () => (await page.locator('.recharts-area').count()) > 0, 'the chart', 10_000);
  await shot(page, 'marketing-campaign');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test("the record page's Email tab shows the campaign mail and that it was opened, and the contact's website visits", async () => {
  const opened = await db
    .selectFrom('marketingMessages')
    .select('recordId')
    .where('openedAt', 'is not', null)
    .executeTakeFirstOrThrow();
  // A visitor browsing the website anonymously, then recognised (as a web form does).
  const visit = await app.inject({
    method: 'POST',
    url: '/api/t/web/visit',
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({ url: 'https://www.example.com/pricing' }),
  });
  await identifyVisitor(db, visit.json().visitor, 'contacts', String(opened.recordId));
  await page.goto(`${base}/records/contacts/${opened.recordId}`);
  await page.getByRole('tab', { name: 'Email' }).click();
  const log = page.getByTestId('record-emails');
  await log.getByText(/News for Reader\d+/).waitFor();
  await log.getByText('opened', { exact: true }).waitFor();
  await log.getByRole('link', { name: 'Autumn' }).waitFor();
  const visits = page.getByTestId('record-web-activity');
  await visits.getByText('Website visits').waitFor();
  await visits.getByRole('link', { name: 'https://www.example.com/pricing' }).waitFor();
  await shot(page, 'marketing-record-email');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
