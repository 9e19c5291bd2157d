import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { settingsSchema } from '../schemas/settings.ts';
import { SettingsService } from '../server/platform/settings.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const password = 'a-password-for-sessions';

async function newUser(username: string): Promise<{ id: string }> {
  const response = await admin.request('POST', '/api/users', { username, password });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}
const fieldsOf = (response: { json: () => { error: { details?: { field: string }[] } } }) =>
  (response.json().error.details ?? []).map((problem) => problem.field);
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sessionIdOf = (session: Session) => sha256(session.cookie.slice('weft_session='.length));
const withAuthorization = (authorization: string, method = 'GET', url = '/api/me', payload?: object) =>
  app.inject({ method: method as 'GET', url, headers: { authorization }, ...(payload && { payload }) });
/** A sign-in from a given address and browser: the rate limiter and the history key on them. */
const signIn = (username: string, secret: string, ip: string, userAgent = 'weft-tests') =>
  app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: secret },
    remoteAddress: ip,
    headers: { 'user-agent': userAgent },
  });
async function setSettings(patch: Record<string, unknown>) {
  const response = await admin.request('PATCH', '/api/settings', patch);
  assert.equal(response.statusCode, 200, response.body);
}

// One plain user shared by the file: hashing passwords is the slow part of these tests.
const sam = await newUser('sam');

test('settings: a fresh install answers every default', async () => {
  const settings = (await admin.request('GET', '/api/settings')).json();
  for (const [key, property] of Object.entries(settingsSchema.properties)) {
    // Write-only settings (the SMTP password) are never answered, only whether they are set.
    if ('writeOnly' in property) assert.equal(key in settings, false, key);
    else if ('default' in property) assert.deepEqual(settings[key], property.default, key);
  }
  assert.equal(settings.sessionTimeoutMinutes, 60);
  assert.equal(settings.maxUsers, null);
});

const badSettings: [string, Record<string, unknown>, string][] = [
  ['an unknown key', { colour: 'blue' }, 'colour'],
  ['a timeout below the minimum', { sessionTimeoutMinutes: 1 }, 'sessionTimeoutMinutes'],
  ['a user limit of zero', { maxUsers: 0 }, 'maxUsers'],
  ['a number sent as a string', { loginMaxFailuresPerUser: '5' }, 'loginMaxFailuresPerUser'],
  ['a fraction', { loginLockoutMinutes: 1.5 }, 'loginLockoutMinutes'],
];
for (const [what, patch, field] of badSettings) {
  test(`settings: ${what} is a 400 naming ${field}, and nothing is stored`, async () => {
    const response = await admin.request('PATCH', '/api/settings', { appName: 'Not stored', ...patch });
    assert.equal(response.statusCode, 400, response.body);
    assert.deepEqual(fieldsOf(response), [field]);
    assert.equal((await admin.request('GET', '/api/settings')).json().appName, 'Weft');
  });
}

test('settings: an admin change persists; an empty patch is a 400; non-admins may read but not change', async () => {
  const changed = await admin.request('PATCH', '/api/settings', {
    appName: 'Acme CRM',
    logoUrl: '/logo.png',
  });
  assert.equal(changed.statusCode, 200);
  assert.equal(changed.json().appName, 'Acme CRM');
  assert.equal((await admin.request('GET', '/api/settings')).json().logoUrl, '/logo.png');
  // A process that never cached anything reads the same from the database.
  assert.equal((await new SettingsService(db).get()).appName, 'Acme CRM');

  assert.equal((await admin.request('PATCH', '/api/settings', {})).statusCode, 400);
  const session = await login(app, 'sam', password);
  assert.equal((await session.request('GET', '/api/settings')).json().appName, 'Acme CRM');
  const refused = await session.request('PATCH', '/api/settings', { appName: 'Sam CRM' });
  assert.equal(refused.statusCode, 403);
  assert.equal((await admin.request('GET', '/api/settings')).json().appName, 'Acme CRM');
});

test('API tokens: shown once, never listed, stored hashed, Bearer without CSRF, revocable', async () => {
  const session = await login(app, 'sam', password);
  const created = await session.request('POST', '/api/auth/tokens', { name: 'nightly import' });
  assert.equal(created.statusCode, 201);
  const { id, token, name } = created.json();
  assert.equal(name, 'nightly import');
  assert.match(token, /^weft_[\w-]{40,}$/);

  const listed = await session.request('GET', '/api/auth/tokens');
  assert.equal(listed.statusCode, 200);
  assert.ok(!listed.body.includes(token));
  const item = listed.json().items.find((row: { id: string }) => row.id === id);
  assert.equal(item.name, 'nightly import');
  assert.equal(item.token, undefined);
  assert.equal(item.tokenHash, undefined);

  const stored = await sql`select * from api_tokens`.execute(db);
  assert.ok(!JSON.stringify(stored.rows).includes(token.slice('weft_'.length)));
  const row = await db
    .selectFrom('apiTokens')
    .select('tokenHash')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.equal(row.tokenHash, sha256(token));

  const me = await withAuthorization(`Bearer ${token}`);
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().username, 'sam');
  // A script changes state with its token alone: CSRF guards cookies, not bearer tokens.
  const viaToken = await withAuthorization(`Bearer ${token}`, 'POST', '/api/auth/tokens', { name: 'child' });
  assert.equal(viaToken.statusCode, 201);
  const used = await db
    .selectFrom('apiTokens')
    .select('lastUsedAt')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.ok(used.lastUsedAt);

  assert.equal((await session.request('DELETE', `/api/auth/tokens/${id}`)).statusCode, 204);
  const revoked = await withAuthorization(`Bearer ${token}`);
  assert.equal(revoked.statusCode, 401);
  assert.equal(revoked.json().error.code, 'WEFT_ERR_UNAUTHENTICATED');
  assert.equal((await session.request('DELETE', `/api/auth/tokens/${id}`)).statusCode, 404);
  const after = (await session.request('GET', '/api/auth/tokens')).json().items;
  assert.ok(after.find((token: { id: string }) => token.id === id).revokedAt);
});

test('API tokens: only their owner or an admin may revoke them', async () => {
  const session = await login(app, 'sam', password);
  const mine = (await admin.request('POST', '/api/auth/tokens', { name: 'admin script' })).json();
  const refused = await session.request('DELETE', `/api/auth/tokens/${mine.id}`);
  assert.equal(refused.statusCode, 404);
  assert.equal((await withAuthorization(`Bearer ${mine.token}`)).statusCode, 200);
  const sams = (await session.request('POST', '/api/auth/tokens', { name: 'sam script' })).json();
  assert.equal((await admin.request('DELETE', `/api/auth/tokens/${sams.id}`)).statusCode, 204);
  assert.equal((await withAuthorization(`Bearer ${sams.token}`)).statusCode, 401);
});

test('a malformed Authorization header is a 401, even next to a valid session cookie', async () => {
  const { token } = (await admin.request('POST', '/api/auth/tokens', { name: 'valid' })).json();
  const headers = [
    'Bearer',
    'Bearer ',
    `Basic ${Buffer.from('admin:x').toString('base64')}`,
    token,
    'Bearer weft_not-a-token-we-issued',
    `Bearer ${token}x`,
    `Token ${token}`,
  ];
  for (const authorization of headers) {
    const response = await withAuthorization(authorization);
    assert.equal(response.statusCode, 401, authorization);
    assert.equal(response.json().error.code, 'WEFT_ERR_UNAUTHENTICATED');
    const withCookie = await admin.request('GET', '/api/me', undefined, { authorization });
    assert.equal(withCookie.statusCode, 401, `${authorization} with a cookie`);
  }
});

test('active sessions: my own list, the whole list for admins only, and ending one', async () => {
  const here = await login(app, 'sam', password);
  const there = await login(app, 'sam', password);
  const mine = await here.request('GET', '/api/auth/sessions');
  assert.equal(mine.statusCode, 200);
  const items: { id: string; userId: string; current: boolean; ip: string; lastSeenAt: string }[] =
    mine.json().items;
  assert.ok(items.length >= 2);
  assert.ok(items.every((session) => session.userId === sam.id));
  assert.deepEqual(
    items.filter((session) => session.current).map((session) => session.id),
    [sessionIdOf(here)],
  );
  assert.ok(items.some((session) => session.id === sessionIdOf(there)));
  assert.ok(items.every((session) => session.ip === '127.0.0.1' && session.lastSeenAt));

  assert.equal((await here.request('GET', '/api/auth/sessions?all=true')).statusCode, 403);
  const everyone = (await admin.request('GET', '/api/auth/sessions?all=true')).json().items;
  const owners = new Set(everyone.map((session: { userId: string }) => session.userId));
  assert.ok(owners.has(sam.id) && owners.has(admin.userId));
  const byUser = (await admin.request('GET', `/api/users/${sam.id}/sessions`)).json().items;
  assert.ok(byUser.some((session: { id: string }) => session.id === sessionIdOf(there)));

  assert.equal((await here.request('DELETE', `/api/auth/sessions/${sessionIdOf(there)}`)).statusCode, 204);
  assert.equal((await there.request('GET', '/api/me')).statusCode, 401);
  assert.equal((await here.request('GET', '/api/me')).statusCode, 200);

  // Someone else's session is not found for a non-admin, and an admin may end anyone's.
  assert.equal((await here.request('DELETE', `/api/auth/sessions/${sessionIdOf(admin)}`)).statusCode, 404);
  assert.equal((await admin.request('GET', '/api/me')).statusCode, 200);
  assert.equal((await admin.request('DELETE', `/api/auth/sessions/${sessionIdOf(here)}`)).statusCode, 204);
  assert.equal((await here.request('GET', '/api/me')).statusCode, 401);
  const audited = (await admin.request('GET', '/api/audit?action=session.end')).json().items;
  assert.deepEqual(
    audited.map((entry: { actorId: string; targetId: string; details: unknown }) => [
      entry.actorId,
      entry.targetId,
      entry.details,
    ]),
    [[admin.userId, sessionIdOf(here), { userId: sam.id }]],
  );
  assert.equal((await admin.request('DELETE', '/api/auth/sessions/not-a-session-id')).statusCode, 400);
});

test('the idle session timeout setting is honoured', async () => {
  await setSettings({ sessionTimeoutMinutes: 5 });
  try {
    const idle = await login(app, 'sam', password);
    const recent = await login(app, 'sam', password);
    const idleFor = (session: Session, minutes: number) =>
      sql`update sessions set last_seen_at = now() - make_interval(mins => ${minutes}) where id = ${sessionIdOf(session)}`.execute(
        db,
      );
    await idleFor(idle, 6);
    await idleFor(recent, 4);
    // Listed sessions are live ones: the idle one is gone before anyone uses it again.
    const listed = (await admin.request('GET', `/api/users/${sam.id}/sessions`)).json().items;
    const ids = listed.map((session: { id: string }) => session.id);
    assert.ok(ids.includes(sessionIdOf(recent)) && !ids.includes(sessionIdOf(idle)));
    const everyone = (await admin.request('GET', '/api/auth/sessions?all=true')).json().items;
    assert.ok(!everyone.some((session: { id: string }) => session.id === sessionIdOf(idle)));
    assert.equal((await idle.request('GET', '/api/me')).statusCode, 401);
    const gone = await db.selectFrom('sessions').select('id').where('id', '=', sessionIdOf(idle)).execute();
    assert.deepEqual(gone, []);

    assert.equal((await recent.request('GET', '/api/me')).statusCode, 200);
    const seen = await db
      .selectFrom('sessions')
      .select('lastSeenAt')
      .where('id', '=', sessionIdOf(recent))
      .executeTakeFirstOrThrow();
    assert.ok(Date.now() - seen.lastSeenAt.getTime() < 60_000, 'activity moves last_seen_at forward');

    // The same idle time is fine under a longer timeout.
    await setSettings({ sessionTimeoutMinutes: 10 });
    await idleFor(recent, 6);
    assert.equal((await recent.request('GET', '/api/me')).statusCode, 200);
  } finally {
    await setSettings({ sessionTimeoutMinutes: 60 });
  }
});

test('login history records successes and failures with IP and user agent; users see only their own', async () => {
  await newUser('hana');
  assert.equal((await signIn('hana', 'wrong-password', '10.1.0.1', 'history-agent/1')).statusCode, 401);
  assert.equal((await signIn('HANA', 'wrong-again', '10.1.0.4', 'history-agent/4')).statusCode, 401);
  assert.equal((await signIn('ghost', 'whatever-pass', '10.1.0.3', 'history-agent/3')).statusCode, 401);
  const success = await signIn('hana', password, '10.1.0.2', 'history-agent/2');
  assert.equal(success.statusCode, 200);

  type Attempt = {
    username: string;
    userId: string | null;
    success: boolean;
    reason: string | null;
    ip: string;
    userAgent: string;
  };
  const all: Attempt[] = (await admin.request('GET', '/api/auth/login-history?limit=500')).json().items;
  const failure = all.find((row) => row.username === 'hana' && !row.success);
  assert.deepEqual(
    { ip: failure?.ip, userAgent: failure?.userAgent, reason: failure?.reason },
    { ip: '10.1.0.1', userAgent: 'history-agent/1', reason: 'wrong password' },
  );
  const ok = all.find((row) => row.username === 'hana' && row.success);
  assert.deepEqual(
    { ip: ok?.ip, userAgent: ok?.userAgent },
    { ip: '10.1.0.2', userAgent: 'history-agent/2' },
  );
  assert.ok(all.some((row) => row.username === 'ghost' && row.reason === 'unknown user'));
  // Sign-in ignores the case of usernames, so the filter does too.
  const filtered: Attempt[] = (await admin.request('GET', '/api/auth/login-history?username=hana')).json()
    .items;
  assert.deepEqual([...new Set(filtered.map((row) => row.username))].sort(), ['HANA', 'hana']);

  const hana = await login(app, 'hana', password);
  const own: Attempt[] = (await hana.request('GET', '/api/auth/login-history?username=admin')).json().items;
  assert.ok(own.length >= 4);
  assert.ok(own.every((row) => row.username.toLowerCase() === 'hana' && row.reason === null));
  assert.ok(own.some((row) => !row.success && row.ip === '10.1.0.1'));
});

test('login history and the audit log page with cursors; a forged cursor is a 400', async () => {
  for (const url of ['/api/auth/login-history', '/api/audit']) {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await admin.request('GET', `${url}?limit=2${query}`);
      assert.equal(page.statusCode, 200, page.body);
      const body: { items: { id: number }[]; nextCursor: string | null } = page.json();
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor);
    assert.ok(seen.length > 2, url);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => b - a),
      `${url} newest first, each once`,
    );
    assert.equal(new Set(seen).size, seen.length);
    for (const forged of [
      '!!',
      Buffer.from('["x"]').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      const response = await admin.request('GET', `${url}?cursor=${forged}`);
      assert.equal(response.statusCode, 400, `${url} ${forged}: ${response.body}`);
    }
  }
});

test('sign-in is rate limited per user and per IP, by the limits in settings', async () => {
  await newUser('rl');
  await setSettings({ loginMaxFailuresPerUser: 3, loginMaxFailuresPerIp: 4, loginLockoutMinutes: 7 });
  try {
    for (const ip of ['10.2.0.1', '10.2.0.2', '10.2.0.3']) {
      assert.equal((await signIn('rl', 'wrong-password', ip)).statusCode, 401);
    }
    const locked = await signIn('RL', password, '10.2.0.9');
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error.code, 'WEFT_ERR_RATE_LIMITED');
    assert.equal(locked.headers['retry-after'], String(7 * 60));
    const cookie = locked.cookies.find((c) => c.name === 'weft_session');
    assert.equal(cookie, undefined);

    await setSettings({ loginMaxFailuresPerUser: 4 });
    assert.equal((await signIn('rl', password, '10.2.0.9')).statusCode, 200);
    await setSettings({ loginMaxFailuresPerUser: 3 });
    assert.equal((await signIn('rl', password, '10.2.0.9')).statusCode, 429);
    // Failures older than the lockout window no longer count.
    await sql`update login_history set at = now() - interval '8 minutes' where username = 'rl' and not success`.execute(
      db,
    );
    assert.equal((await signIn('rl', password, '10.2.0.9')).statusCode, 200);

    for (const username of ['nobody-1', 'nobody-2', 'nobody-3', 'nobody-4']) {
      assert.equal((await signIn(username, 'wrong-password', '10.3.0.1')).statusCode, 401);
    }
    const fromBusyIp = await signIn('rl', password, '10.3.0.1');
    assert.equal(fromBusyIp.statusCode, 429);
    assert.equal(fromBusyIp.headers['retry-after'], String(7 * 60));
    assert.equal((await signIn('rl', password, '10.3.0.2')).statusCode, 200);
  } finally {
    await setSettings({ loginMaxFailuresPerUser: 5, loginMaxFailuresPerIp: 20, loginLockoutMinutes: 15 });
  }
});

test('administrative changes are audited with actor and target, in their own transaction', async () => {
  const user = await newUser('audited');
  await admin.request('PATCH', `/api/users/${user.id}`, { title: 'Clerk' });
  await admin.request('PATCH', `/api/users/${user.id}`, { active: false });
  await admin.request('POST', `/api/users/${user.id}/password`, { password: 'another-password' });
  const group = (await admin.request('POST', '/api/groups', { name: 'Audited group' })).json();
  await admin.request('POST', `/api/groups/${group.id}/members`, { userIds: [sam.id] });
  const role = (await admin.request('POST', '/api/roles', { name: 'Audited role' })).json();
  await admin.request('PATCH', `/api/roles/${role.id}`, { permissions: { '*': { view: 'all' } } });
  await setSettings({ appName: 'Audited' });
  const token = (await admin.request('POST', '/api/auth/tokens', { name: 'audited' })).json();
  await admin.request('DELETE', `/api/auth/tokens/${token.id}`);
  await admin.request('DELETE', `/api/groups/${group.id}`);
  await admin.request('DELETE', `/api/roles/${role.id}`);

  const expected: [string, string | null, string | null][] = [
    ['user.create', 'user', user.id],
    ['user.update', 'user', user.id],
    ['user.deactivate', 'user', user.id],
    ['user.password.reset', 'user', user.id],
    ['group.create', 'group', group.id],
    ['group.members.add', 'group', group.id],
    ['group.delete', 'group', group.id],
    ['role.create', 'role', role.id],
    ['role.update', 'role', role.id],
    ['role.delete', 'role', role.id],
    ['settings.update', null, null],
    ['token.create', 'token', token.id],
    ['token.revoke', 'token', token.id],
  ];
  for (const [action, targetType, targetId] of expected) {
    const response = await admin.request('GET', `/api/audit?action=${action}&actorId=${admin.userId}`);
    assert.equal(response.statusCode, 200);
    const entries: {
      actorId: string;
      actorName: string;
      targetType: string | null;
      targetId: string | null;
      at: string;
      ip: string;
      details: unknown;
    }[] = response.json().items;
    const entry = entries.find((item) => item.targetId === targetId);
    assert.ok(entry, `${action} on ${targetType} ${targetId}`);
    assert.equal(entry.actorName, 'admin');
    assert.equal(entry.targetType, targetType);
    assert.equal(entry.ip, '127.0.0.1');
    assert.ok(Date.now() - Date.parse(entry.at) < 60_000);
    if (action === 'settings.update') assert.deepEqual(entry.details, { appName: 'Audited' });
  }

  // A change that fails leaves no audit entry behind.
  const count = async () =>
    (await admin.request('GET', '/api/audit?action=group.create&limit=500')).json().items.length;
  const before = await count();
  assert.equal((await admin.request('POST', '/api/groups', { name: 'Audited group 2' })).statusCode, 201);
  assert.equal((await admin.request('POST', '/api/groups', { name: 'Audited group 2' })).statusCode, 409);
  assert.equal(await count(), before + 1);
});

test('only administrators read the audit log', async () => {
  const session = await login(app, 'sam', password);
  const response = await session.request('GET', '/api/audit');
  assert.equal(response.statusCode, 403);
  assert.equal(response.json().error.code, 'WEFT_ERR_FORBIDDEN');
});
