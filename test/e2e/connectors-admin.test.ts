/**
 * The connectors' admin screens in a real Chromium: a Stripe webhook flow's panel (the
 * sender's help, the secret it gave, the deliveries list with a refusal and its reason, and
 * replay), and Admin → Outbound hooks (subscribe; the secret shown once; the list).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, db, base, browser } = await startE2e();
const admin = await login(app);
const { page, pageErrors } = await openPage(browser);

test('a Stripe webhook flow: its secret set from the panel, its deliveries listed with the refusal’s reason, one replayed', async () => {
  const created = await admin.request('POST', '/api/flows', {
    name: 'Stripe customers',
    definition: {
      name: 'Stripe customers',
      trigger: { type: 'trigger.webhook', params: { service: 'stripe' } },
      nodes: [{ id: 'post', type: 'feed.post', params: { text: 'Customer' }, position: { x: 0, y: 100 } }],
      edges: [{ source: 'trigger', target: 'post' }],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);

  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/flows/${flowId}`);
  await page.getByTestId('node-trigger').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  const panel = page.getByTestId('webhook-panel');
  await panel.getByText('Stripe: In Stripe’s Workbench').waitFor();
  const secret = 'whsec_from_the_stripe_dashboard';
  await panel.getByLabel('From the sender').fill(secret);
  await panel.getByRole('button', { name: 'Save secret' }).click();
  await page.getByText('Secret saved: deliveries are now verified with it').waitFor();
  await shot(page, 'webhook-panel');
  // The trigger's form adds nothing the flow would then refuse (an empty mapping).
  await page.getByRole('tab', { name: 'Problems', exact: true }).waitFor();
  const stored = await db
    .selectFrom('flows')
    .select('webhookSecret')
    .where('id', '=', flowId)
    .executeTakeFirst();
  assert.equal(stored?.webhookSecret, secret);

  const body = '{"id":"evt_ui_1","type":"customer.created"}';
  const t = Math.floor(Date.now() / 1000);
  const sign = (key: string) => `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
  const post = (signature: string) =>
    app.inject({
      method: 'POST',
      url: `/api/hooks/flows/${flowId}`,
      payload: body,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    });
  assert.equal((await post(sign(secret))).statusCode, 202);
  assert.equal((await post(sign('whsec_forged'))).statusCode, 401);

  await panel.getByRole('button', { name: 'Deliveries' }).click();
  const list = page.getByTestId('webhook-deliveries');
  await list.getByText('no v1 signature matches the body and the signing secret', { exact: false }).waitFor();
  await list.getByRole('row').filter({ hasText: 'Accepted' }).getByRole('button', { name: 'Replay' }).click();
  await page.getByText('Replayed: the flow runs again with this delivery').waitFor();
  await list.getByRole('row').filter({ hasText: 'Replayed' }).first().waitFor();
  await shot(page, 'webhook-deliveries');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('Admin → Outbound hooks: subscribe a URL to events; the secret is shown once; the subscription is listed', async () => {
  await page.goto(`${base}/admin/hooks`);
  await page.getByRole('button', { name: 'New subscription' }).click();
  const dialog = page.getByRole('dialog', { name: 'New subscription' });
  await dialog.getByLabel('Name').fill('Zapier');
  await dialog.getByLabel('URL').fill('https://hooks.example.com/weft');
  await dialog.getByLabel('Events').fill('record.created:contacts');
  await dialog.getByLabel('Events').press('Enter');
  // Leaving the field closes its suggestions, which cover the buttons.
  await dialog.getByLabel('Name').click();
  await dialog.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByText('Signing secret (shown once)').waitFor();
  const row = page.getByTestId('outbound-hooks').getByRole('row').filter({ hasText: 'Zapier' });
  await row.getByText('record.created:contacts').waitFor();
  await shot(page, 'outbound-hooks');
  const subscriptions = await db.selectFrom('hookSubscriptions').select(['url', 'events']).execute();
  assert.deepEqual(subscriptions, [
    { url: 'https://hooks.example.com/weft', events: ['record.created:contacts'] },
  ]);
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('Admin → Email capture: dropbox and support addresses saved; a malformed message shows its parse error', async () => {
  const { captureInboundMessage } = await import('../../server/inbound-mail/capture.ts');
  await captureInboundMessage(db, { source: 'smtp', raw: Buffer.from('\u0000 not mail') });
  await page.goto(`${base}/admin/email-capture`);
  const screen = page.getByTestId('email-capture');
  await screen.getByLabel('Dropbox addresses').fill('dropbox@crm.example.com');
  await screen.getByLabel('Dropbox addresses').press('Enter');
  await screen.getByLabel('Support addresses').fill('support@example.com');
  await screen.getByLabel('Support addresses').press('Enter');
  await screen.getByLabel('Create contacts from emails').check();
  await screen.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Email capture settings saved').waitFor();
  await screen.getByText('no header could be read: this is not a MIME message').waitFor();
  await shot(page, 'email-capture');
  const saved = await db.selectFrom('inboundMailSettings').select('settings').executeTakeFirstOrThrow();
  assert.deepEqual(saved.settings, {
    captureAddresses: ['dropbox@crm.example.com'],
    supportAddresses: ['support@example.com'],
    createContacts: true,
    createContactsWithoutNames: false,
    zapLineBreaks: false,
  });
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('the web-form trigger picks its form by name in the node panel; the form’s id is what the draft keeps', async () => {
  const form = await admin.request('POST', '/api/forms', {
    name: 'Contact us',
    kind: 'lead',
    settings: {
      fields: [
        { name: 'firstName', required: true },
        { name: 'lastName', required: true },
        { name: 'email', required: true },
      ],
    },
  });
  assert.equal(form.statusCode, 201, form.body);
  const formId = form.json().id as string;
  const created = await admin.request('POST', '/api/flows', {
    name: 'Web leads',
    definition: {
      name: 'Web leads',
      trigger: { type: 'trigger.webformSubmitted', params: {} },
      nodes: [{ id: 'post', type: 'feed.post', params: { text: 'New lead' }, position: { x: 0, y: 100 } }],
      edges: [{ source: 'trigger', target: 'post' }],
    },
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  await page.goto(`${base}/flows/${flowId}`);
  await page.getByTestId('node-trigger').click();
  await page.getByRole('tab', { name: 'Node' }).click();
  const panel = page.getByTestId('node-panel');
  const picker = panel.getByRole('textbox', { name: 'Form' });
  await picker.click();
  await page.getByRole('option', { name: 'Contact us' }).click();
  assert.equal(await picker.inputValue(), 'Contact us');
  const deadline = Date.now() + 10_000;
  let kept: unknown;
  while (Date.now() < deadline) {
    const draft = (await admin.request('GET', `/api/flows/${flowId}`)).json().draft;
    kept = draft.trigger.params.formId;
    if (kept === formId) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(kept, formId, 'autosaved with the form’s id');
  await shot(page, 'webform-trigger-picker');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
