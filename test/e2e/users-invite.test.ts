/**
 * Inviting a user end to end in a real Chromium: the admin invites from the Users screen,
 * the link is read from the built-in outbox, and the invitee, in a browser of their own,
 * chooses a password and lands signed in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);

/** The link of the newest message to an address in the outbox (no SMTP host: messages stay there). */
async function linkSentTo(address: string): Promise<string> {
  const list = await admin.request('GET', '/api/email/outbox?limit=20');
  const item = list
    .json<{ items: { id: string; to: string[] }[] }>()
    .items.find((m) => m.to.includes(address));
  assert.ok(item, `no message to ${address}`);
  const text = (await admin.request('GET', `/api/email/outbox/${item.id}`)).json<{ text: string }>().text;
  const link = /http:\/\/\S+\/invite\/[A-Za-z0-9_-]+/.exec(text)?.[0];
  assert.ok(link, text);
  return link;
}

test('an admin invites from the Users screen; the invitee sets a password and is signed in', async () => {
  const { page, pageErrors } = await openPage(browser);
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/admin/users`);
  await page.getByRole('button', { name: 'Invite user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite a user' });
  await dialog.getByLabel('Email').fill('marie@example.com');
  await dialog.getByLabel('First name').fill('Marie');
  await dialog.getByLabel('Last name').fill('Curie');
  await shot(page, 'users-invite-01-dialog');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  const row = page.getByTestId('users-table').getByRole('row', { name: /marie@example\.com/ });
  await row.getByText('Invited', { exact: true }).waitFor();
  await row.getByRole('button', { name: 'Resend invitation' }).waitFor();
  await row.getByText('User', { exact: true }).waitFor(); // the default role
  await shot(page, 'users-invite-02-listed');
  assert.deepEqual(unexpectedErrors(pageErrors), []);

  // The link was sent for the address the admin reached Weft at.
  const link = await linkSentTo('marie@example.com');
  assert.ok(link.startsWith(`${base}/invite/`), link);

  const invitee = await openPage(browser);
  await invitee.page.goto(link);
  await invitee.page.getByRole('heading', { name: 'Join Weft' }).waitFor();
  await invitee.page.getByLabel(/^Password/).fill('marie-password-1867');
  await invitee.page.getByLabel('Confirm password').fill('marie-password-1868');
  await invitee.page.getByRole('button', { name: 'Set password and sign in' }).click();
  await invitee.page.getByText('The two passwords differ').waitFor();
  await invitee.page.getByLabel('Confirm password').fill('marie-password-1867');
  await shot(invitee.page, 'users-invite-03-accept');
  await invitee.page.getByRole('button', { name: 'Set password and sign in' }).click();
  await invitee.page.getByRole('button', { name: 'User menu' }).waitFor();
  assert.equal(new URL(invitee.page.url()).pathname, '/');
  await shot(invitee.page, 'users-invite-04-signed-in');
  const me = await invitee.page.evaluate(async () => (await fetch('/api/me')).json());
  assert.equal(me.username, 'marie@example.com');
  assert.equal(me.status, 'active');
  assert.deepEqual(unexpectedErrors(invitee.pageErrors), []);

  // The link is used up: opening it again says so.
  await invitee.page.goto(link);
  await invitee.page
    .getByTestId('invite-unusable')
    .getByText(/already accepted/)
    .waitFor();
  assert.deepEqual(
    unexpectedErrors(invitee.pageErrors, [
      `410 GET ${new URL(link).pathname.replace('/invite/', '/api/invitations/')}`,
    ]),
    [],
  );
  await invitee.context.close();

  // The admin's screen shows the user active now.
  await page.reload();
  await row.getByText('active', { exact: true }).waitFor();
  await page.context().close();
});

test('the Users screen opens the import wizard on users and exports users as CSV', async () => {
  const { page, pageErrors } = await openPage(browser);
  await signIn(page, base, 'admin', adminPassword);
  await page.goto(`${base}/admin/users`);
  const download = page.waitForEvent('download');
  await page
    .getByRole('button', { name: 'Export users' })
    .or(page.getByRole('link', { name: 'Export users' }))
    .click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^users-\d{4}-\d\d-\d\d\.csv$/);
  const stream = await file.createReadStream();
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  assert.match(text, /^id,username,firstName,lastName,email/);
  assert.match(text, /\r\n[0-9a-f-]{36},admin,/);

  await page.getByRole('button', { name: 'Import users' }).click();
  await page.waitForURL(`${base}/imports?module=users`);
  // The wizard's target shows Users once it knows the admin may import users.
  const into = page.getByRole('textbox', { name: 'Into' });
  await into.waitFor();
  await page.waitForFunction(
    () =>
      (document.querySelector('input[placeholder="Module"]') as HTMLInputElement | null)?.value === 'Users',
  );
  await shot(page, 'users-invite-05-import');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
  await page.context().close();
});
