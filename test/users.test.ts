import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { encodeCursor } from '../server/platform/pagination.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';

const { app, db } = await createTestApp();
let admin = await login(app);
const password = 'a-password-for-users';

interface UserBody {
  id: string;
  username: string;
  active: boolean;
  isAdmin: boolean;
  roleIds: string[];
  [key: string]: unknown;
}

async function newUser(username: string, extra: Record<string, unknown> = {}): Promise<UserBody> {
  const response = await admin.request('POST', '/api/users', { username, password, ...extra });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

const roleId = async (name: string) =>
  (await db.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

const asToken = (token: string) =>
  app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
const tryLogin = (username: string, secret: string) =>
  app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: secret } });

/** The field names a 4xx answer's details point at. */
const fieldsOf = (response: { json: () => { error: { details?: { field: string }[] } } }) =>
  (response.json().error.details ?? []).map((problem) => problem.field);

// Deleting a user reassigns what they own: a stand-in record module over a table of the test's own.
await sql`create table test_owned (id serial primary key, owner uuid)`.execute(db);
let reassignerFails = false;
app.ownership.register('testOwned', async (trx, from, to) => {
  const result = await sql`update test_owned set owner = ${to} where owner = ${from}`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
});
app.ownership.register('failing', async () => {
  if (reassignerFails) throw new Error('this module cannot reassign today');
  return 0;
});

test('an admin creates a user: 201, the User role by default, no password hash in the answer', async () => {
  const created = await newUser('alice', {
    firstName: 'Alice',
    lastName: 'Liddell',
    email: 'alice@example.com',
  });
  assert.equal(created.username, 'alice');
  assert.equal(created.firstName, 'Alice');
  assert.equal(created.email, 'alice@example.com');
  assert.equal(created.active, true);
  assert.equal(created.isAdmin, false);
  assert.deepEqual(created.roleIds, [await roleId('User')]);
  assert.equal(created.passwordHash, undefined);
  const fetched = await admin.request('GET', `/api/users/${created.id}`);
  assert.deepEqual(fetched.json(), created);
  await login(app, 'alice', password);
});

test('usernames are unique regardless of case: 409 naming username', async () => {
  const response = await admin.request('POST', '/api/users', { username: 'ALICE', password });
  assert.equal(response.statusCode, 409);
  assert.equal(response.json().error.code, 'WEFT_ERR_CONFLICT');
  assert.deepEqual(fieldsOf(response), ['username']);
});

const badCreations: [string, Record<string, unknown>, string][] = [
  ['an unknown property', { username: 'bob1', password, nickname: 'B' }, 'nickname'],
  ['a bad email', { username: 'bob2', password, email: 'not-an-email' }, 'email'],
  ['a short password', { username: 'bob3', password: 'short' }, 'password'],
  ['no password', { username: 'bob4' }, 'password'],
  ['a username with spaces', { username: 'bob five', password }, 'username'],
  ['a number as a name', { username: 'bob6', password, firstName: 6 }, 'firstName'],
  [
    'an unknown role',
    { username: 'bob7', password, roleIds: ['00000000-0000-4000-8000-000000000000'] },
    'roleIds',
  ],
];
for (const [what, body, field] of badCreations) {
  test(`creating a user with ${what} is a 400 naming ${field}`, async () => {
    const response = await admin.request('POST', '/api/users', body);
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().error.code, 'WEFT_ERR_VALIDATION');
    assert.ok(fieldsOf(response).includes(field), response.body);
    const stored = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', String(body.username))
      .executeTakeFirst();
    assert.equal(stored, undefined);
  });
}

test('an admin edits a user; the username cannot change', async () => {
  const user = await newUser('edith');
  const edited = await admin.request('PATCH', `/api/users/${user.id}`, {
    firstName: 'Edith',
    title: 'Buyer',
    phone: '+33 1 23 45 67 89',
  });
  assert.equal(edited.statusCode, 200, edited.body);
  assert.equal(edited.json().title, 'Buyer');
  assert.equal((await admin.request('GET', `/api/users/${user.id}`)).json().firstName, 'Edith');

  const rename = await admin.request('PATCH', `/api/users/${user.id}`, { username: 'edna' });
  assert.equal(rename.statusCode, 400);
  assert.deepEqual(fieldsOf(rename), ['username']);
  assert.equal((await admin.request('GET', `/api/users/${user.id}`)).json().username, 'edith');

  const empty = await admin.request('PATCH', `/api/users/${user.id}`, {});
  assert.equal(empty.statusCode, 400);
  const missing = await admin.request('PATCH', '/api/users/00000000-0000-4000-8000-000000000000', {
    title: 'x',
  });
  assert.equal(missing.statusCode, 404);
});

test('deactivating a user ends their sessions and tokens at once and stops sign-in; reactivating lets them back', async () => {
  const user = await newUser('dave');
  const session = await login(app, 'dave', password);
  const token = (await session.request('POST', '/api/auth/tokens', { name: 'script' })).json().token;
  assert.equal((await asToken(token)).statusCode, 200);

  const off = await admin.request('PATCH', `/api/users/${user.id}`, { active: false });
  assert.equal(off.statusCode, 200);
  assert.equal(off.json().active, false);
  assert.equal((await session.request('GET', '/api/me')).statusCode, 401);
  assert.equal((await asToken(token)).statusCode, 401);
  const refused = await tryLogin('dave', password);
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.json().error.code, 'WEFT_ERR_INVALID_CREDENTIALS');
  const sessions = await db.selectFrom('sessions').select('id').where('userId', '=', user.id).execute();
  assert.deepEqual(sessions, []);

  const on = await admin.request('PATCH', `/api/users/${user.id}`, { active: true });
  assert.equal(on.statusCode, 200);
  assert.equal(on.json().active, true);
  await login(app, 'dave', password);
});

test("resetting a user's password ends their sessions; the new password works, the old does not", async () => {
  const user = await newUser('rita');
  const before = await login(app, 'rita', password);
  const reset = await admin.request('POST', `/api/users/${user.id}/password`, {
    password: 'brand-new-password',
  });
  assert.equal(reset.statusCode, 204);
  assert.equal((await before.request('GET', '/api/me')).statusCode, 401);
  assert.equal((await tryLogin('rita', password)).statusCode, 401);
  await login(app, 'rita', 'brand-new-password');
  const short = await admin.request('POST', `/api/users/${user.id}/password`, { password: 'x' });
  assert.equal(short.statusCode, 400);
  assert.deepEqual(fieldsOf(short), ['password']);
});

test('a non-admin gets 403 on every admin action on users, and nothing changes', async () => {
  const target = await newUser('target');
  await newUser('plain');
  const plain = await login(app, 'plain', password);
  const actions: [string, string, unknown][] = [
    ['POST', '/api/users', { username: 'sneaky', password }],
    ['PATCH', `/api/users/${target.id}`, { title: 'hacked' }],
    ['PATCH', `/api/users/${target.id}`, { active: false }],
    ['PATCH', `/api/users/${plain.userId}`, { roleIds: [await roleId('Administrator')] }],
    ['POST', `/api/users/${target.id}/password`, { password: 'hijacked-password' }],
    ['GET', `/api/users/${target.id}/sessions`, undefined],
    ['DELETE', `/api/users/${target.id}`, { reassignTo: plain.userId }],
  ];
  for (const [method, url, body] of actions) {
    const response = await plain.request(method, url, body);
    assert.equal(response.statusCode, 403, `${method} ${url}: ${response.body}`);
    assert.equal(response.json().error.code, 'WEFT_ERR_FORBIDDEN');
  }
  assert.deepEqual((await admin.request('GET', `/api/users/${target.id}`)).json(), target);
  assert.equal((await tryLogin('sneaky', password)).statusCode, 401);
  await login(app, 'target', password);
  // Reading the directory is open to every signed-in user.
  assert.equal((await plain.request('GET', `/api/users/${target.id}`)).statusCode, 200);
});

test('a user changes their own profile through /api/me, but not their username, roles or active flag', async () => {
  await newUser('mia');
  const mia = await login(app, 'mia', password);
  const changed = await mia.request('PATCH', '/api/me', { firstName: 'Mia', phone: '555', invisible: true });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.equal(changed.json().firstName, 'Mia');
  assert.equal(changed.json().invisible, true);
  const me = (await mia.request('GET', '/api/me')).json();
  assert.equal(me.phone, '555');
  for (const [field, value] of [
    ['username', 'mimi'],
    ['active', false],
    ['roleIds', []],
  ] as const) {
    const response = await mia.request('PATCH', '/api/me', { [field]: value });
    assert.equal(response.statusCode, 400, field);
    assert.deepEqual(fieldsOf(response), [field]);
  }
  assert.equal((await mia.request('GET', '/api/me')).json().username, 'mia');
});

test('a user changes their own password: a wrong current one is a 400, other sessions end, this one survives', async () => {
  await newUser('paul');
  const here = await login(app, 'paul', password);
  const elsewhere = await login(app, 'paul', password);
  const wrong = await here.request('POST', '/api/me/password', {
    currentPassword: 'not-my-password',
    newPassword: 'paul-new-password',
  });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(fieldsOf(wrong), ['currentPassword']);
  assert.equal((await elsewhere.request('GET', '/api/me')).statusCode, 200);

  const right = await here.request('POST', '/api/me/password', {
    currentPassword: password,
    newPassword: 'paul-new-password',
  });
  assert.equal(right.statusCode, 204);
  assert.equal((await here.request('GET', '/api/me')).statusCode, 200);
  assert.equal((await elsewhere.request('GET', '/api/me')).statusCode, 401);
  assert.equal((await tryLogin('paul', password)).statusCode, 401);
  await login(app, 'paul', 'paul-new-password');
});

test('the user-count limit refuses creating and reactivating beyond it', async () => {
  const active = await db
    .selectFrom('users')
    .where('active', '=', true)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const limit = Number(active.n);
  assert.equal((await admin.request('PATCH', '/api/settings', { maxUsers: limit })).statusCode, 200);
  try {
    const over = await admin.request('POST', '/api/users', { username: 'one-too-many', password });
    assert.equal(over.statusCode, 409);
    assert.equal(over.json().error.code, 'WEFT_ERR_USER_LIMIT');
    assert.equal((await tryLogin('one-too-many', password)).statusCode, 401);

    // An inactive user takes no seat, and so cannot be reactivated while the limit is reached.
    const dormant = await newUser('dormant', { active: false });
    const wake = await admin.request('PATCH', `/api/users/${dormant.id}`, { active: true });
    assert.equal(wake.statusCode, 409);
    assert.equal(wake.json().error.code, 'WEFT_ERR_USER_LIMIT');
    assert.equal((await admin.request('GET', `/api/users/${dormant.id}`)).json().active, false);

    assert.equal((await admin.request('PATCH', '/api/settings', { maxUsers: limit + 1 })).statusCode, 200);
    assert.equal(
      (await admin.request('PATCH', `/api/users/${dormant.id}`, { active: true })).statusCode,
      200,
    );
  } finally {
    await admin.request('PATCH', '/api/settings', { maxUsers: null });
  }
});

test('the last active administrator cannot be deactivated, demoted or deleted (422)', async () => {
  const adminRole = await roleId('Administrator');
  const userRole = await roleId('User');
  const attempts: [string, string, unknown][] = [
    ['PATCH', `/api/users/${admin.userId}`, { active: false }],
    ['PATCH', `/api/users/${admin.userId}`, { roleIds: [userRole] }],
    ['PATCH', `/api/roles/${adminRole}`, { isAdmin: false }],
    ['DELETE', `/api/roles/${adminRole}`, undefined],
    ['DELETE', `/api/users/${admin.userId}`, { reassignTo: (await newUser('heir-of-admin')).id }],
  ];
  for (const [method, url, body] of attempts) {
    const response = await admin.request(method, url, body);
    assert.equal(response.statusCode, 422, `${method} ${url} ${JSON.stringify(body)}: ${response.body}`);
    assert.equal(response.json().error.code, 'WEFT_ERR_UNPROCESSABLE');
  }
  const me = (await admin.request('GET', '/api/me')).json();
  assert.equal(me.isAdmin, true);
  assert.equal(me.active, true);

  // With a second administrator, the first may step down.
  const second = await newUser('second-admin', { roleIds: [adminRole] });
  assert.equal(second.isAdmin, true);
  const demoted = await admin.request('PATCH', `/api/users/${second.id}`, { roleIds: [userRole] });
  assert.equal(demoted.statusCode, 200);
  assert.equal(demoted.json().isAdmin, false);
});

test('deleting a user moves what they own to the heir in one transaction', async () => {
  const leaver = await newUser('leaver');
  const heir = await newUser('heir');
  const bystander = await newUser('bystander');
  await sql`insert into test_owned (owner) values (${leaver.id}), (${leaver.id}), (${bystander.id})`.execute(
    db,
  );
  const owners = async () =>
    (await sql<{ owner: string }>`select owner from test_owned order by id`.execute(db)).rows.map(
      (row) => row.owner,
    );

  reassignerFails = true;
  try {
    const failed = await admin.request('DELETE', `/api/users/${leaver.id}`, { reassignTo: heir.id });
    assert.equal(failed.statusCode, 500);
  } finally {
    reassignerFails = false;
  }
  assert.equal((await admin.request('GET', `/api/users/${leaver.id}`)).statusCode, 200);
  assert.deepEqual(await owners(), [leaver.id, leaver.id, bystander.id]);

  const deleted = await admin.request('DELETE', `/api/users/${leaver.id}`, { reassignTo: heir.id });
  assert.equal(deleted.statusCode, 200, deleted.body);
  const answer = deleted.json();
  assert.equal(answer.deleted, leaver.id);
  assert.equal(answer.reassignedTo, heir.id);
  assert.equal(answer.reassigned.testOwned, 2);
  assert.equal(answer.reassigned.failing, 0);
  assert.deepEqual(await owners(), [heir.id, heir.id, bystander.id]);
  assert.equal((await admin.request('GET', `/api/users/${leaver.id}`)).statusCode, 404);
  assert.equal((await tryLogin('leaver', password)).statusCode, 401);
});

test('deleting a user needs a valid, active, other heir: 400 naming reassignTo', async () => {
  const victim = await newUser('victim');
  const inactive = await newUser('inactive-heir', { active: false });
  const cases: [string, unknown][] = [
    ['missing', {}],
    ['not a uuid', { reassignTo: 'nobody' }],
    ['not a user', { reassignTo: '00000000-0000-4000-8000-000000000000' }],
    ['inactive', { reassignTo: inactive.id }],
    ['the same user', { reassignTo: victim.id }],
  ];
  for (const [what, body] of cases) {
    const response = await admin.request('DELETE', `/api/users/${victim.id}`, body);
    assert.equal(response.statusCode, 400, `${what}: ${response.body}`);
    assert.deepEqual(fieldsOf(response), ['reassignTo'], what);
  }
  assert.equal((await admin.request('GET', `/api/users/${victim.id}`)).statusCode, 200);
  const unknown = await admin.request('DELETE', '/api/users/00000000-0000-4000-8000-000000000000', {
    reassignTo: admin.userId,
  });
  assert.equal(unknown.statusCode, 404);
});

test('the user list filters by q and active', async () => {
  await newUser('zed', { firstName: 'Zebulon', lastName: 'Quux', email: 'zq@example.org' });
  const byName = (await admin.request('GET', '/api/users?q=zebul')).json();
  assert.deepEqual(
    byName.items.map((user: UserBody) => user.username),
    ['zed'],
  );
  const byFullName = (await admin.request('GET', `/api/users?q=${encodeURIComponent('zebulon qu')}`)).json();
  assert.deepEqual(
    byFullName.items.map((user: UserBody) => user.username),
    ['zed'],
  );
  // LIKE wildcards in q are taken literally.
  assert.deepEqual((await admin.request('GET', '/api/users?q=%25')).json().items, []);

  const inactive = (await admin.request('GET', '/api/users?active=false&limit=500')).json()
    .items as UserBody[];
  assert.ok(inactive.length > 0);
  assert.ok(inactive.every((user) => !user.active));
  assert.ok(inactive.some((user) => user.username === 'inactive-heir'));
  const active = (await admin.request('GET', '/api/users?active=true&limit=500')).json().items as UserBody[];
  assert.ok(active.every((user) => user.active));
  assert.equal((await admin.request('GET', '/api/users?active=maybe')).statusCode, 400);
});

test('keyset pagination walks every user exactly once, in username order', async () => {
  // Usernames differing only in case and sharing prefixes test the sort key.
  await newUser('Kim');
  await newUser('kimberly');
  const all = await db.selectFrom('users').select(['id', 'username']).execute();
  const seen: UserBody[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await admin.request('GET', `/api/users?limit=3${query}`);
    assert.equal(page.statusCode, 200, page.body);
    const body: { items: UserBody[]; nextCursor: string | null } = page.json();
    assert.ok(body.items.length <= 3);
    seen.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  assert.equal(seen.length, all.length);
  assert.equal(new Set(seen.map((user) => user.id)).size, all.length);
  const names = seen.map((user) => user.username.toLowerCase());
  assert.deepEqual(names, [...names].sort());
});

const forgedCursors: [string, string][] = [
  ['not base64 JSON', 'garbage!'],
  ['the wrong arity', encodeCursor(['alice'])],
  ['an id that is no uuid', encodeCursor(['alice', 'not-a-uuid'])],
  ['numbers', encodeCursor([1, 2])],
];
for (const [what, cursor] of forgedCursors) {
  test(`a forged user-list cursor (${what}) is a 400`, async () => {
    const response = await admin.request('GET', `/api/users?cursor=${encodeURIComponent(cursor)}`);
    assert.equal(response.statusCode, 400, response.body);
    assert.deepEqual(fieldsOf(response), ['cursor']);
  });
}

test('two administrators removing each other at the same time leave one administrator', async () => {
  const adminRole = await roleId('Administrator');
  const other = await newUser('rival-admin', { roleIds: [adminRole] });
  const rival: Session = await login(app, 'rival-admin', password);
  const results = await Promise.all([
    admin.request('PATCH', `/api/users/${other.id}`, { active: false }),
    rival.request('PATCH', `/api/users/${admin.userId}`, { active: false }),
  ]);
  assert.deepEqual(results.map((response) => response.statusCode).sort(), [200, 422]);
  const admins = await db
    .selectFrom('users')
    .innerJoin('userRoles', 'userRoles.userId', 'users.id')
    .where('userRoles.roleId', '=', adminRole)
    .where('users.active', '=', true)
    .select('users.username')
    .execute();
  assert.equal(admins.length, 1);
  if (admins[0]?.username !== 'admin') {
    await rival.request('PATCH', `/api/users/${admin.userId}`, { active: true });
    admin = await login(app);
  }
});

test('a NUL character, which PostgreSQL cannot store, is a 400 naming the field, never a 500', async () => {
  const user = await newUser('nul-target');
  const cases: [string, string, unknown, string][] = [
    ['POST', '/api/users', { username: 'nul-user', password, title: 'Dr\u0000' }, 'title'],
    ['PATCH', `/api/users/${user.id}`, { firstName: 'a\u0000b' }, 'firstName'],
    ['PATCH', '/api/me', { lastName: '\u0000' }, 'lastName'],
    ['POST', '/api/groups', { name: 'Group\u0000' }, 'name'],
    [
      'POST',
      '/api/roles',
      { name: 'Role', permissions: { 'con\u0000tacts': { view: 'all' } } },
      'permissions.con\u0000tacts',
    ],
    ['PATCH', '/api/settings', { appName: 'Weft\u0000' }, 'appName'],
    ['POST', '/api/auth/tokens', { name: 'token\u0000' }, 'name'],
    ['GET', '/api/users?q=%00', undefined, 'q'],
    ['GET', '/api/audit?action=user.create%00', undefined, 'action'],
  ];
  for (const [method, url, body, field] of cases) {
    const response = await admin.request(method, url, body);
    assert.equal(response.statusCode, 400, `${method} ${url}: ${response.body}`);
    assert.deepEqual(fieldsOf(response), [field]);
  }
  const anonymous = await tryLogin('admin\u0000', password);
  assert.equal(anonymous.statusCode, 400);
  assert.deepEqual(fieldsOf(anonymous), ['username']);
});
