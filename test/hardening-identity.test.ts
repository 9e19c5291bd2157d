import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../server/app.ts';
import { closeSignedOut } from '../server/collaboration/live-hub.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { LiveClient } from './helpers/live-client.ts';
import { signedInUser } from './helpers/people.ts';

// Issue 18: tokens do not outlive password changes, deactivation or their parent; sockets
// close within a second of the credential ending; the login limit is atomic.
const { app, db } = await createTestApp();
const admin = await login(app);
const password = 'password-for-tests';

const address = await app.listen({ host: '127.0.0.1', port: 0 });
const wsUrl = `${address.replace(/^http/, 'ws')}/api/ws`;

async function token(session: Session, name = 'script'): Promise<{ id: string; token: string }> {
  const response = await session.request('POST', '/api/auth/tokens', { name });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

const asToken = (target: App, secret: string, method = 'GET', url = '/api/me', payload?: object) =>
  target.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${secret}` },
    ...(payload && { payload }),
  });

/** Resolves with the close code, or rejects when the socket is still open after `ms`. */
function closedWithin(client: LiveClient, ms: number): Promise<number> {
  return Promise.race([
    client.closed,
    new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

test("an admin's password reset revokes the user's API tokens", async () => {
  const user = await signedInUser(app, db, admin, 'reset-me');
  const { token: secret } = await token(user);
  assert.equal((await asToken(app, secret)).statusCode, 200);
  const reset = await admin.request('POST', `/api/users/${user.userId}/password`, {
    password: 'another-password-1',
  });
  assert.equal(reset.statusCode, 204, reset.body);
  assert.equal((await asToken(app, secret)).statusCode, 401);
});

test("a user's own password change revokes their API tokens but keeps their session", async () => {
  const user = await signedInUser(app, db, admin, 'change-me');
  const { token: secret } = await token(user);
  const change = await user.request('POST', '/api/me/password', {
    currentPassword: password,
    newPassword: 'a-new-password-2',
  });
  assert.equal(change.statusCode, 204, change.body);
  assert.equal((await asToken(app, secret)).statusCode, 401);
  assert.equal((await user.request('GET', '/api/me')).statusCode, 200);
});

test('deactivating then reactivating a user leaves their API tokens revoked', async () => {
  const user = await signedInUser(app, db, admin, 'deactivate-me');
  const { token: secret } = await token(user);
  for (const active of [false, true]) {
    const patch = await admin.request('PATCH', `/api/users/${user.userId}`, { active });
    assert.equal(patch.statusCode, 200, patch.body);
  }
  assert.equal((await asToken(app, secret)).statusCode, 401);
});

test('a token minted by another token dies with its parent, at any depth', async () => {
  const user = await signedInUser(app, db, admin, 'parent-of-tokens');
  const parent = await token(user, 'parent');
  const child = (await asToken(app, parent.token, 'POST', '/api/auth/tokens', { name: 'child' })).json();
  const grandchild = (
    await asToken(app, child.token, 'POST', '/api/auth/tokens', { name: 'grandchild' })
  ).json();
  const sibling = await token(user, 'unrelated');
  for (const secret of [child.token, grandchild.token])
    assert.equal((await asToken(app, secret)).statusCode, 200);
  const revoke = await user.request('DELETE', `/api/auth/tokens/${parent.id}`);
  assert.equal(revoke.statusCode, 204, revoke.body);
  for (const secret of [parent.token, child.token, grandchild.token])
    assert.equal((await asToken(app, secret)).statusCode, 401);
  assert.equal((await asToken(app, sibling.token)).statusCode, 200);
});

test('sockets close within a second of sign-out, deactivation or token revocation', async () => {
  const user = await signedInUser(app, db, admin, 'socket-user');
  const signedOut = await LiveClient.connect(wsUrl, { cookie: user.cookie });
  const logout = await user.request('POST', '/api/auth/logout');
  assert.ok(logout.statusCode < 300, logout.body);
  assert.equal(await closedWithin(signedOut, 1000), closeSignedOut);

  const again = await login(app, 'socket-user', password);
  const { id, token: secret } = await token(again);
  const byToken = await LiveClient.connect(wsUrl, { authorization: `Bearer ${secret}` });
  const bySession = await LiveClient.connect(wsUrl, { cookie: again.cookie });
  assert.equal((await again.request('DELETE', `/api/auth/tokens/${id}`)).statusCode, 204);
  assert.equal(await closedWithin(byToken, 1000), closeSignedOut);

  const patch = await admin.request('PATCH', `/api/users/${again.userId}`, { active: false });
  assert.equal(patch.statusCode, 200, patch.body);
  assert.equal(await closedWithin(bySession, 1000), closeSignedOut);
});

test('40 parallel wrong passwords for one user check at most the limit', async () => {
  await signedInUser(app, db, admin, 'target-user');
  const { loginMaxFailuresPerUser } = await app.settings.get();
  const answers = await Promise.all(
    Array.from({ length: 40 }, () =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'target-user', password: 'wrong-password' },
      }),
    ),
  );
  const statuses = answers.map((answer) => answer.statusCode);
  assert.ok(
    statuses.every((status) => status === 401 || status === 429),
    String(statuses),
  );
  for (const answer of answers) assert.equal(typeof answer.json().error.code, 'string');
  const checked = statuses.filter((status) => status === 401).length;
  assert.ok(checked <= loginMaxFailuresPerUser, `${checked} of 40 were checked`);
  const history = await db
    .selectFrom('loginHistory')
    .select('reason')
    .where('username', '=', 'target-user')
    .where('success', '=', false)
    .execute();
  assert.equal(history.length, checked);
  assert.ok(history.every((row) => row.reason === 'wrong password'));
});
