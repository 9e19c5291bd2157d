/**
 * My profile end to end in a real Chromium against a real server: reached from the user
 * menu; name persists, the API's field errors show on their fields, a token made here works
 * as a Bearer token and can be revoked, "go invisible" reaches /api/me, another session ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, login } from '../helpers/app.ts';
import { openPage, shot, signIn, startE2e, unexpectedErrors } from './helpers.ts';

const { app, base, browser } = await startE2e();
const admin = await login(app);
const { page, pageErrors } = await openPage(browser);

const me = async () => (await admin.request('GET', '/api/me')).json();
const asBearer = (token: string) =>
  fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });

test('profile: the name persists, field errors show on their fields', async () => {
  await signIn(page, base, 'admin', adminPassword);
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: 'Profile' }).click();
  await page.waitForURL(`${base}/profile`);
  const form = page.getByTestId('profile-form');
  await form.getByLabel('First name').fill('Augusta');
  await form.getByLabel('Last name').fill('King');
  await form.getByLabel('Title').fill('Countess');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await page.getByText('Profile saved').waitFor();
  // The user menu follows at once.
  await page.getByRole('button', { name: 'User menu' }).getByText('AK').waitFor();
  await page.reload();
  await form.getByLabel('First name').waitFor();
  assert.equal(await form.getByLabel('First name').inputValue(), 'Augusta');
  assert.equal(await form.getByLabel('Title').inputValue(), 'Countess');
  assert.equal((await me()).firstName, 'Augusta');

  await form.getByLabel('Email').fill('not an email');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await form.getByLabel('Email').and(page.locator('[aria-invalid="true"]')).waitFor();
  assert.equal((await me()).email, null);

  const password = page.getByTestId('password-form');
  await password.getByLabel(/^Current password/).fill('not-my-password');
  await password.getByLabel(/^New password/).fill('a-new-password');
  await password.getByLabel(/^Repeat new password/).fill('a-new-password');
  await password.getByRole('button', { name: 'Change password' }).click();
  await password.getByText('is wrong').waitFor();
  const current = password.getByLabel(/^Current password/);
  // The reason is the current password's own error, not the form's.
  const describedBy = await current.getAttribute('aria-describedby');
  assert.equal(await page.locator(`[id="${describedBy}"]`).textContent(), 'is wrong');
  assert.equal(await password.getByLabel(/^New password/).getAttribute('data-invalid'), null);
  await shot(page, 'profile-01-profile');
  assert.deepEqual(unexpectedErrors(pageErrors, ['400 PATCH /api/me', '400 POST /api/me/password']), []);
});

test('preferences: go invisible and unavailable, and /api/me says so', async () => {
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: 'Preferences' }).click();
  await page.waitForURL(`${base}/profile/preferences`);
  assert.equal((await me()).invisible, false);
  await page.getByRole('switch', { name: 'Go invisible' }).click();
  await page.getByText('Preferences saved').first().waitFor();
  await page.getByLabel('Go invisible').and(page.locator(':checked')).waitFor();
  assert.equal((await me()).invisible, true);
  await page.getByRole('switch', { name: 'Available for lead routing' }).click();
  await page.getByLabel('Available for lead routing').and(page.locator(':not(:checked)')).waitFor();
  await page.getByLabel('Available for lead routing').and(page.locator(':enabled')).waitFor();
  assert.equal((await me()).available, false);
  await page.reload();
  await page.getByLabel('Go invisible').and(page.locator(':checked')).waitFor();
  await shot(page, 'profile-02-preferences');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});

test('security: a token is shown once, works as Bearer and is revoked; another session ends', async () => {
  await page.getByRole('tab', { name: 'Security' }).click();
  await page.waitForURL(`${base}/profile/security`);
  const tokens = page.getByTestId('api-tokens');
  await tokens.getByText('You have no API tokens.').waitFor();
  await tokens.getByLabel('Token name').fill('nightly export');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const secret = (await tokens.getByTestId('new-token').textContent()) ?? '';
  assert.match(secret, /^weft_/);
  await tokens.getByTestId('token-list').getByText('nightly export').waitFor();
  const response = await asBearer(secret);
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { username: string }).username, 'admin');
  await shot(page, 'profile-03-token');

  // Shown once: after a reload the list has it, the secret is gone.
  await page.reload();
  await tokens.getByTestId('token-list').getByText('nightly export').waitFor();
  assert.equal(await page.getByTestId('new-token').count(), 0);
  await tokens.getByRole('button', { name: 'Revoke nightly export' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
  await tokens.getByText('revoked', { exact: true }).waitFor();
  assert.equal((await asBearer(secret)).status, 401);

  // The API session signed in above is another session; this browser's is marked and kept.
  const sessions = page.getByTestId('my-sessions');
  await sessions.getByText('this session').waitFor();
  assert.equal(await sessions.getByRole('button', { name: 'End' }).count(), 1);
  await sessions.getByRole('button', { name: 'End' }).click();
  await page.getByText('Session ended').waitFor();
  assert.equal((await admin.request('GET', '/api/me')).statusCode, 401);
  await page.getByTestId('my-login-history').getByText('signed in').first().waitFor();
  await shot(page, 'profile-04-security');
  assert.deepEqual(unexpectedErrors(pageErrors), []);
});
