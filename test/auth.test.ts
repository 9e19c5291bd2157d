import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();

test('login answers the user and a CSRF token and sets an HttpOnly SameSite=Lax cookie', async () => {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'admin', password: adminPassword },
  });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.user.username, 'admin');
  assert.equal(body.user.isAdmin, true);
  assert.equal(body.user.passwordHash, undefined);
  assert.match(body.csrfToken, /^[\w-]{20,}$/);
  const cookie = response.cookies.find((c) => c.name === 'weft_session');
  assert.ok(cookie);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  const stored = await db
    .selectFrom('users')
    .select('passwordHash')
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow();
  assert.match(stored.passwordHash ?? '', /^\$argon2id\$v=19\$/);
});

test('wrong username and wrong password get the same 401', async () => {
  const wrongPassword = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'admin', password: 'nope-nope' },
  });
  const wrongUser = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'nobody', password: 'nope-nope' },
  });
  assert.equal(wrongPassword.statusCode, 401);
  assert.equal(wrongUser.statusCode, 401);
  assert.deepEqual(wrongPassword.json(), wrongUser.json());
  assert.equal(wrongUser.json().error.code, 'WEFT_ERR_INVALID_CREDENTIALS');
});

test('a cookie session must send x-csrf-token to change state', async () => {
  const session = await login(app);
  const without = await app.inject({
    method: 'POST',
    url: '/api/auth/tokens',
    headers: { cookie: session.cookie },
    payload: { name: 'x' },
  });
  assert.equal(without.statusCode, 403);
  assert.equal(without.json().error.code, 'WEFT_ERR_CSRF');
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/auth/tokens',
    headers: { cookie: session.cookie, 'x-csrf-token': 'forged' },
    payload: { name: 'x' },
  });
  assert.equal(wrong.statusCode, 403);
  const withToken = await session.request('POST', '/api/auth/tokens', { name: 'x' });
  assert.equal(withToken.statusCode, 201);
  const read = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
  assert.equal(read.statusCode, 200);
});

test('logout ends the session', async () => {
  const session = await login(app);
  assert.equal((await session.request('POST', '/api/auth/logout')).statusCode, 204);
  assert.equal((await session.request('GET', '/api/me')).statusCode, 401);
});
