/**
 * The record page's Emails panel in a real Chromium: mail captured by the dropbox (with an
 * attachment) and mail Weft sent as HTML only are listed with subject, sender and date; opening
 * one shows its text, or its HTML in a sandboxed frame where a script never runs; the
 * attachment is listed by name and size. A sales rep who may view the contact sees the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queueEmail } from '../../server/email/email.ts';
import { captureInboundMessage } from '../../server/inbound-mail/capture.ts';
import { login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, db, base, browser } = await startE2e();
const admin = await login(app);

const created = async (path: string, body: unknown) => {
  const response = await admin.request('POST', path, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string };
};

test('the Emails panel lists captured and sent mail; each opens safely, attachments listed; a sales rep sees it too', async () => {
  const saved = await admin.request('PUT', '/api/inbound-mail/settings', {
    captureAddresses: ['dropbox@crm.test'],
  });
  assert.equal(saved.statusCode, 200, saved.body);
  const nora = await created('/api/records/contacts', {
    firstName: 'Nora',
    lastName: 'Quinn',
    email: 'nora@example.com',
  });
  const raw = [
    'From: Nora Quinn <nora@example.com>',
    'To: sales@crm.test',
    'Cc: dropbox@crm.test',
    'Subject: Quote for 12 seats',
    'Message-ID: <quote-12@example.com>',
    'Date: Tue, 1 Dec 2026 09:30:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello,',
    '',
    'could you quote 12 seats? <script>alert(1)</script>',
    '--b1',
    'Content-Type: text/csv; name="seats.csv"',
    'Content-Disposition: attachment; filename="seats.csv"',
    '',
    'seat,1\r\nseat,2',
    '--b1--',
    '',
  ].join('\r\n');
  const captured = await captureInboundMessage(db, { source: 'smtp', raw: Buffer.from(raw) });
  assert.equal(captured.duplicate, false);
  await queueEmail(db, null, await app.settings.get(), {
    to: 'nora@example.com',
    subject: 'Your quote',
    html: '<p id="quote">Your quote is <b>ready</b>.</p><script>document.body.dataset.ran = "yes"</script><img src="http://127.0.0.1:9/pixel.gif">',
    module: 'contacts',
    recordId: nora.id,
  });

  const { page, pageErrors } = await openPage(browser);
  await signIn(page, base, 'admin', 'admin-password-for-tests');
  await page.goto(`${base}/records/contacts/${nora.id}`);
  const panel = page.getByTestId('record-mail');
  await panel.getByText('Emails (2)').waitFor();
  const received = panel.getByRole('row').filter({ hasText: 'Quote for 12 seats' });
  await received.getByText('Received').waitFor();
  await received.getByText('nora@example.com').waitFor();
  await received.getByText('1 attachment').waitFor();
  await panel.getByRole('row').filter({ hasText: 'Your quote' }).getByText('Sent').waitFor();
  await panel.scrollIntoViewIfNeeded();
  await shot(page, 'record-mail-panel');

  await received.getByRole('button', { name: 'Quote for 12 seats' }).click();
  const message = page.getByTestId('record-mail-message');
  // The text as text: the markup in it is shown, not run.
  await message.getByText('could you quote 12 seats? <script>alert(1)</script>').waitFor();
  await message.getByText('seats.csv (14 bytes)').waitFor();
  await message.getByText('To: sales@crm.test').waitFor();
  await page.waitForTimeout(300); // the dialog's opening transition, for the screenshot
  await shot(page, 'record-mail-message');
  await page.keyboard.press('Escape');
  await message.waitFor({ state: 'detached' });

  await panel.getByRole('button', { name: 'Your quote' }).click();
  const frame = page.frameLocator('iframe[title="Email body"]');
  await frame.locator('#quote').getByText('ready').waitFor();
  await page.getByRole('dialog').getByText('To: nora@example.com').waitFor();
  const sandbox = await page.locator('iframe[title="Email body"]').getAttribute('sandbox');
  assert.equal(sandbox, '', 'no scripts, no same origin');
  assert.equal(await frame.locator('body').getAttribute('data-ran'), null, 'the script did not run');
  await shot(page, 'record-mail-html');
  await page.keyboard.press('Escape');
  // The browser says what it refused: the mail's script, and its remote (tracking) image.
  const blocked = pageErrors.filter(
    (error) =>
      /^Blocked script execution in 'about:srcdoc'.*sandboxed/.test(error) ||
      /^Loading the image 'http:\/\/127\.0\.0\.1:9\/pixel\.gif' violates .*Content Security Policy/.test(
        error,
      ),
  );
  assert.ok(
    blocked.some((error) => error.startsWith('Blocked script')),
    'the script was blocked',
  );
  assert.ok(
    blocked.some((error) => error.includes('pixel.gif')),
    'the remote image was blocked',
  );
  assert.deepEqual(unexpectedErrors(pageErrors, blocked), []);

  // Written on the page: sent through the outbox to the record's address, then listed.
  await panel.getByRole('button', { name: 'Write an email' }).click();
  const compose = page.getByTestId('record-mail-compose');
  await compose.getByLabel('Subject').fill('Following up');
  await compose.getByLabel('Message').fill('Hello Nora,\nhere is the contract.');
  await shot(page, 'record-mail-compose');
  await compose.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Email sent: it is in the outbox and logged on this record').waitFor();
  await panel.getByText('Emails (3)').waitFor();
  await panel.getByRole('row').filter({ hasText: 'Following up' }).getByText('Sent').waitFor();
  const outbox = await db
    .selectFrom('emailOutbox')
    .select('to')
    .where('subject', '=', 'Following up')
    .execute();
  assert.deepEqual(
    outbox.map((row) => row.to),
    [['nora@example.com']],
  );
  assert.deepEqual(unexpectedErrors(pageErrors), []);

  // A sales rep who may view contacts sees the same panel.
  const role = await created('/api/roles', {
    name: 'Sales reps',
    permissions: { contacts: { view: 'all', create: 'own', update: 'own' }, cases: { view: 'own' } },
  });
  await created('/api/users', { username: 'rep', password: 'rep-password-1', roleIds: [role.id] });
  const rep = await openPage(browser);
  await signIn(rep.page, base, 'rep', 'rep-password-1');
  await rep.page.goto(`${base}/records/contacts/${nora.id}`);
  await rep.page.getByTestId('record-mail').getByText('Emails (3)').waitFor();
  await rep.page.getByTestId('record-mail').scrollIntoViewIfNeeded();
  await shot(rep.page, 'record-mail-rep');
  assert.deepEqual(unexpectedErrors(rep.pageErrors), []);
});
