/**
 * Web forms in a real Chromium: an admin builds a web-lead form in the builder; a page on
 * another origin (a second local port) embeds the script snippet, a visitor fills it in and
 * submits (too fast first: the error shows, then accepted); the contact exists, routed,
 * tagged, the flow on "web form submitted" ran, and the auto-response reached the test SMTP
 * server. Then the plain HTML snippet with JavaScript disabled: errors drawn back, then the
 * 303 to the thank-you page, and the same checks.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startEmailWorker } from '../../server/email/email.ts';
import { startFormWorker } from '../../server/forms/form-process.ts';
import { adminPassword } from '../helpers/app.ts';
import { ensureDesignerBuilt, launchChromium } from '../helpers/browser.ts';
import { onTestEnd } from '../helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from '../helpers/engine.ts';
import { startSmtpServer } from '../helpers/smtp.ts';
import { openPage, shot, signIn, unexpectedErrors } from './helpers.ts';

ensureDesignerBuilt();
const { app, db, admin, publish, finished } = await engineTestApp();
const boss = app.boss as NonNullable<typeof app.boss>;
await startFormWorker(boss, db, app.settings);
onTestEnd(() => boss.offWork('weft.forms.process'));
await startEmailWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
onTestEnd(() => boss.offWork('weft.email.deliver'));
const smtp = await startSmtpServer();
const configured = await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: smtp.port,
  smtpSecurity: 'none',
  emailFromAddress: 'crm@example.com',
});
assert.equal(configured.statusCode, 200, configured.body);
const sales = await admin.request('POST', '/api/users', {
  username: 'websales',
  password: 'websales-password',
  firstName: 'Wes',
});
const salesId = sales.json().id as string;
assert.equal(
  (
    await admin.request('PUT', '/api/routing/contacts', {
      enabled: true,
      mode: 'singleUser',
      singleUserId: salesId,
      onlineOnly: false,
    })
  ).statusCode,
  200,
);

const base = await app.listen({ port: 0, host: '127.0.0.1' });

// The customer's website: another origin, serving whatever snippet the test puts there.
const site = { html: '' };
const customer = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(
    `<!doctype html><html><head><title>Acme</title></head><body><h1>Acme Widgets</h1>${site.html}</body></html>`,
  );
});
await new Promise<void>((resolve) => customer.listen(0, '127.0.0.1', resolve));
onTestEnd(() => new Promise<void>((resolve) => customer.close(() => resolve())));
const siteOrigin = `http://127.0.0.1:${(customer.address() as AddressInfo).port}`;

const browser = await launchChromium();
onTestEnd(() => browser.close());
const { page, pageErrors } = await openPage(browser);

let formId = '';

test('the admin builds a web-lead form in the browser and gets its snippets', async () => {
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/admin/forms`);
  await page.getByRole('button', { name: 'New form' }).click();
  const builder = page.getByTestId('form-builder');
  await builder.getByLabel(/^Name/).fill('Request a demo');
  await builder.getByRole('textbox', { name: 'Add a field' }).click();
  await page.getByRole('option', { name: 'Phone', exact: true }).click();
  await builder.getByLabel('Label of Phone').fill('Your phone');
  await builder.getByLabel('Tags to add').fill('demo-request');
  await builder.getByLabel('Tags to add').press('Enter');
  await builder.getByLabel('Lead source').fill('Web');
  await builder.getByLabel('Sites allowed to post it').fill(siteOrigin);
  await builder.getByLabel('Sites allowed to post it').press('Enter');
  await builder.getByLabel('Minimum seconds to fill in').fill('2');
  await builder.getByLabel('Send an auto-response').check();
  await builder.getByLabel('Subject').fill('Thanks {{record.firstName}}, your demo is coming');
  await builder.getByRole('button', { name: 'Save form' }).click();
  await page.getByTestId('form-embed').waitFor();
  await shot(page, 'web-form-builder');
  const [form] = (await db.selectFrom('webForms').select(['id', 'settings']).execute()) as {
    id: string;
    settings: { tags: string[]; allowedOrigins: string[]; fields: { name: string; label?: string }[] };
  }[];
  assert.ok(form);
  formId = form.id;
  assert.deepEqual(form.settings.tags, ['demo-request']);
  assert.deepEqual(form.settings.allowedOrigins, [siteOrigin]);
  assert.deepEqual(
    form.settings.fields.map((field) => field.name),
    ['firstName', 'lastName', 'email', 'phone'],
  );
  const script = await page.getByTestId('form-embed').locator('pre').nth(1).textContent();
  assert.match(script ?? '', /embed\.js/);
  site.html = script ?? '';
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

async function checkLead(email: string, what: string) {
  const submission = await eventually(
    () =>
      db
        .selectFrom('webFormSubmissions')
        .selectAll()
        .where('formId', '=', formId)
        .where('status', '=', 'processed')
        .where(({ eb, ref }) => eb(ref('values', '->>').key('email'), '=', email))
        .executeTakeFirst(),
    `${what}: the submission to be processed`,
  );
  const contact = (await admin.request('GET', `/api/records/contacts/${submission.recordId}`)).json();
  assert.equal(contact.email, email);
  assert.equal(contact.assignedTo, salesId, `${what}: routed`);
  assert.deepEqual(contact.tags, ['demo-request'], `${what}: tagged`);
  const run = await eventually(
    () =>
      db
        .selectFrom('flowRuns')
        .select('id')
        .where('recordId', '=', String(submission.recordId))
        .executeTakeFirst(),
    `${what}: the flow to start`,
  );
  assert.equal((await finished(run.id)).status, 'succeeded');
  const mail = await eventually(
    async () => smtp.received.find((m) => m.to.includes(email)),
    `${what}: auto-response`,
  );
  assert.match(mail.raw, /Subject: Thanks .*, your demo is coming/);
}

test('a visitor on another site submits the script-embedded form (JSON over fetch, CORS)', async () => {
  await publish(
    straightFlow('Demo requests', { type: 'trigger.webformSubmitted', params: { formId } }, [
      ['post', 'feed.post', { text: 'Demo request from {{trigger.values.email}}' }],
    ]),
  );
  const visitor = await openPage(browser);
  await visitor.page.goto(`${siteOrigin}/`);
  await visitor.page.getByLabel('First Name *').fill('Grace');
  await visitor.page.getByLabel('Last Name *').fill('Hopper');
  await visitor.page.getByLabel('Email *').fill('grace@example.com');
  await visitor.page.getByLabel('Your phone').fill('+1 555 0100');
  await visitor.page.getByRole('button', { name: 'Submit' }).click();
  // Faster than the form's two seconds: a person is told, and nothing is stored.
  await visitor.page.getByText('the form was sent too quickly').waitFor();
  await visitor.page.waitForTimeout(2000);
  await visitor.page.getByRole('button', { name: 'Submit' }).click();
  await visitor.page.getByRole('status').getByText('Thank you: we received your message.').waitFor();
  await shot(visitor.page, 'web-form-embedded');
  await checkLead('grace@example.com', 'script snippet');
  assert.deepEqual(unexpectedErrors(visitor.pageErrors, [`422 POST /api/public/forms/${formId}/submit`]), []);
  await visitor.context.close();
});

test('the plain HTML snippet with JavaScript disabled: a field error is drawn again by Weft with the values kept; then 303 to the thank-you page', async () => {
  // Over the real listener, as the builder reads it: the snippet's action names this host and port.
  const form = await (
    await fetch(`${base}/api/forms/${formId}`, { headers: { cookie: admin.cookie } })
  ).json();
  site.html = form.embed.html;
  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto(`${siteOrigin}/`);
  await plain.getByLabel('First Name').fill('Alan');
  await plain.getByLabel('Email').fill('alan@example.com');
  await plain.getByRole('button', { name: 'Submit' }).click();
  // No script: the post arrives without a stamp and is checked at once; the missing last name
  // brings the form back from Weft with the values kept and the field marked.
  await plain.getByText('Please correct the fields marked below.').waitFor();
  assert.equal(await plain.getByLabel('First Name').inputValue(), 'Alan');
  await shot(plain, 'web-form-plain-error');
  await plain.getByLabel('Last Name').fill('Turing');
  await plain.getByRole('button', { name: 'Submit' }).click();
  await plain.getByRole('status').getByText('Thank you: we received your message.').waitFor();
  assert.equal(new URL(plain.url()).pathname, `/api/public/forms/${formId}/thanks`);
  await checkLead('alan@example.com', 'plain form');
  await context.close();
});

test('the plain HTML snippet with JavaScript on: its script fetches the stamp, the post goes straight through (303)', async () => {
  const form = await (
    await fetch(`${base}/api/forms/${formId}`, { headers: { cookie: admin.cookie } })
  ).json();
  site.html = form.embed.html;
  const visitor = await openPage(browser);
  await visitor.page.goto(`${siteOrigin}/`);
  await visitor.page.waitForFunction(
    () => (document.querySelector('input[name="_weft_t"]') as HTMLInputElement | null)?.value !== '',
  );
  await visitor.page.getByLabel('First Name').fill('Ada');
  await visitor.page.getByLabel('Last Name').fill('Byron');
  await visitor.page.getByLabel('Email').fill('ada@example.com');
  await visitor.page.waitForTimeout(2000);
  await visitor.page.getByRole('button', { name: 'Submit' }).click();
  await visitor.page.getByRole('status').getByText('Thank you: we received your message.').waitFor();
  await checkLead('ada@example.com', 'plain form with a script');
  assert.deepEqual(unexpectedErrors(visitor.pageErrors), []);
  await visitor.context.close();
});
