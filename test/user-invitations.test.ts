/**
 * Inviting users by email (invite, resend, accept, the public look-up and its limits) and
 * exporting users as CSV that imports back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { readTable } from '../server/data/import-parse.ts';
import { sha256 } from '../server/identity/auth.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { finished, startWorker, upload } from './helpers/imports.ts';

const { app, db } = await createTestApp({ queue: true });
await startWorker(app, db);
const admin = await login(app);
const password = 'a-password-for-invitees';

interface UserBody {
  id: string;
  username: string;
  email: string | null;
  firstName: string;
  active: boolean;
  status: string;
  invitationExpiresAt: string | null;
  roleIds: string[];
  groupIds: string[];
}

const anonymous = (method: 'GET' | 'POST', url: string, payload?: object) =>
  app.inject({ method, url, ...(payload && { payload }) });
const lookUp = (token: string) => anonymous('GET', `/api/invitations/${token}`);
const accept = (token: string, body: object = { password }) =>
  anonymous('POST', `/api/invitations/${token}/accept`, body);
const codeOf = (response: LightMyRequestResponse) => response.json().error?.code;

async function invite(body: Record<string, unknown>, as: Session = admin): Promise<UserBody> {
  const response = await as.request('POST', '/api/users/invitations', body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

/** The token of the newest invitation emailed to an address, read from the built-in outbox. */
async function tokenSentTo(address: string): Promise<string> {
  const list = await admin.request('GET', '/api/email/outbox?limit=50');
  assert.equal(list.statusCode, 200, list.body);
  const item = list
    .json<{ items: { id: string; to: string[] }[] }>()
    .items.find((message) => message.to.includes(address));
  assert.ok(item, `no message to ${address}`);
  const message = (await admin.request('GET', `/api/email/outbox/${item.id}`)).json<{
    subject: string;
    text: string;
    status: string;
  }>();
  assert.equal(message.status, 'stored'); // no SMTP host: kept in the outbox
  const link = /http:\/\/[^/\s]+\/invite\/([A-Za-z0-9_-]+)/.exec(message.text);
  assert.ok(link?.[1], `no invitation link in: ${message.text}`);
  return link[1];
}

const userByName = async (username: string) =>
  (await admin.request('GET', `/api/users?q=${encodeURIComponent(username)}&limit=10`))
    .json<{ items: UserBody[] }>()
    .items.find((user) => user.username === username);

test('an admin invites by email: an invited user who cannot sign in, and a link in the outbox', async () => {
  const invited = await invite({ email: 'Grace.Hopper@example.com', firstName: 'Grace', lastName: 'Hopper' });
  assert.equal(invited.status, 'invited');
  assert.equal(invited.active, false);
  assert.equal(invited.username, 'grace.hopper@example.com');
  assert.ok(invited.invitationExpiresAt);
  const days = (Date.parse(invited.invitationExpiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7, `expires in ${days} days`);
  assert.equal(invited.roleIds.length, 1); // the User role, as for a created user
  assert.equal((await userByName('grace.hopper@example.com'))?.status, 'invited');

  const token = await tokenSentTo('Grace.Hopper@example.com');
  // Only the token's hash is stored.
  const rows = await db.selectFrom('userInvitations').selectAll().where('userId', '=', invited.id).execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.tokenHash, sha256(token));
  assert.ok(!JSON.stringify(rows).includes(token));

  const wrong = await anonymous('POST', '/api/auth/login', { username: invited.username, password });
  assert.equal(wrong.statusCode, 401);

  const audit = await db
    .selectFrom('auditLog')
    .select(['action', 'actorName'])
    .where('targetId', '=', invited.id)
    .execute();
  assert.deepEqual(audit, [{ action: 'user.invite', actorName: 'admin' }]);
});

test('the link tells who is invited; accepting sets the password, activates and signs in', async () => {
  const invited = await invite({ email: 'ada@example.com', username: 'ada', firstName: 'Ada' });
  const token = await tokenSentTo('ada@example.com');

  const shown = await lookUp(token);
  assert.equal(shown.statusCode, 200, shown.body);
  assert.equal(shown.json().username, 'ada');
  assert.equal(shown.json().email, 'ada@example.com');
  assert.equal(shown.json().appName, 'Weft');

  const short = await accept(token, { password: 'short' });
  assert.equal(short.statusCode, 400);
  assert.equal((await lookUp(token)).statusCode, 200); // a refused attempt does not use the link up

  const accepted = await accept(token);
  assert.equal(accepted.statusCode, 200, accepted.body);
  const cookie = accepted.cookies.find((c) => c.name === 'weft_session');
  assert.ok(cookie?.httpOnly);
  const { user, csrfToken } = accepted.json<{ user: UserBody; csrfToken: string }>();
  assert.equal(user.id, invited.id);
  assert.equal(user.status, 'active');
  assert.equal(user.active, true);
  assert.equal(user.invitationExpiresAt, null);
  assert.ok(csrfToken);
  const me = await app.inject({
    method: 'GET',
    url: '/api/me',
    headers: { cookie: `weft_session=${cookie.value}` },
  });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().username, 'ada');
  // Signed in as a sign-in does: the login history has it.
  const history = await db
    .selectFrom('loginHistory')
    .select('success')
    .where('userId', '=', invited.id)
    .execute();
  assert.deepEqual(history, [{ success: true }]);
  // And the password works from now on.
  await login(app, 'ada', password);
});

test('a used link answers 410, to the look-up and to a second accept', async () => {
  await invite({ email: 'once@example.com' });
  const token = await tokenSentTo('once@example.com');
  assert.equal((await accept(token)).statusCode, 200);
  for (const response of [await lookUp(token), await accept(token, { password: 'another-password' })]) {
    assert.equal(response.statusCode, 410, response.body);
    assert.equal(codeOf(response), 'WEFT_ERR_GONE');
    assert.match(response.json().error.message, /already accepted/);
  }
  // The second attempt changed nothing.
  await login(app, 'once@example.com', password);
});

test('two accepts of one link at once: one signs in, the other is told it was used', async () => {
  await invite({ email: 'race@example.com' });
  const token = await tokenSentTo('race@example.com');
  const answers = await Promise.all([
    accept(token, { password }),
    accept(token, { password: 'the-other-password' }),
  ]);
  assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 410]);
  const winner = answers.findIndex((answer) => answer.statusCode === 200);
  await login(app, 'race@example.com', winner === 0 ? password : 'the-other-password');
});

test('an unknown link is a 404; a malformed one a 400', async () => {
  const unknown = await lookUp('x'.repeat(43));
  assert.equal(unknown.statusCode, 404);
  assert.equal(codeOf(unknown), 'WEFT_ERR_NOT_FOUND');
  assert.equal((await accept('y'.repeat(43))).statusCode, 404);
  assert.equal((await lookUp('not a token')).statusCode, 400);
});

test('an expired link answers 410 and cannot be accepted', async () => {
  const invited = await invite({ email: 'late@example.com' });
  const token = await tokenSentTo('late@example.com');
  await db
    .updateTable('userInvitations')
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where('userId', '=', invited.id)
    .execute();
  for (const response of [await lookUp(token), await accept(token)]) {
    assert.equal(response.statusCode, 410);
    assert.match(response.json().error.message, /expired/);
  }
  assert.equal((await userByName('late@example.com'))?.status, 'invited');
  // A resend gives a link that works.
  const resent = await admin.request('POST', `/api/users/${invited.id}/invitation`);
  assert.equal(resent.statusCode, 200, resent.body);
  assert.equal((await accept(await tokenSentTo('late@example.com'))).statusCode, 200);
});

test('resending mails a new link and the old one stops working', async () => {
  const invited = await invite({ email: 'twice@example.com' });
  const first = await tokenSentTo('twice@example.com');
  const resent = await admin.request('POST', `/api/users/${invited.id}/invitation`);
  assert.equal(resent.statusCode, 200, resent.body);
  assert.equal(resent.json().status, 'invited');
  const second = await tokenSentTo('twice@example.com');
  assert.notEqual(second, first);
  const old = await accept(first);
  assert.equal(old.statusCode, 410);
  assert.match(old.json().error.message, /replaced/);
  assert.equal((await accept(second)).statusCode, 200);
  // Nothing left to resend once accepted.
  const again = await admin.request('POST', `/api/users/${invited.id}/invitation`);
  assert.equal(again.statusCode, 422);
  assert.equal(codeOf(again), 'WEFT_ERR_UNPROCESSABLE');
});

test('the invitee may choose another username; a taken one is a 409', async () => {
  await invite({ email: 'chooser@example.com' });
  const token = await tokenSentTo('chooser@example.com');
  const taken = await accept(token, { password, username: 'ADA' });
  assert.equal(taken.statusCode, 409);
  assert.equal(codeOf(taken), 'WEFT_ERR_CONFLICT');
  const chosen = await accept(token, { password, username: 'chooser' });
  assert.equal(chosen.statusCode, 200, chosen.body);
  assert.equal(chosen.json().user.username, 'chooser');
});

test('an invitation to a known address, or with a taken username, is a 409; the invitee cannot be activated by hand', async () => {
  const known = await admin.request('POST', '/api/users/invitations', { email: 'ADA@example.com' });
  assert.equal(known.statusCode, 409);
  assert.deepEqual(known.json().error.details, [{ field: 'email', reason: 'belongs to an existing user' }]);
  const username = await admin.request('POST', '/api/users/invitations', {
    email: 'new@example.com',
    username: 'ada',
  });
  assert.equal(username.statusCode, 409);
  assert.equal(username.json().error.details[0].field, 'username');
  const bad = await admin.request('POST', '/api/users/invitations', { email: 'not an address' });
  assert.equal(bad.statusCode, 400);

  const invited = await invite({ email: 'pending@example.com' });
  const activate = await admin.request('PATCH', `/api/users/${invited.id}`, { active: true });
  assert.equal(activate.statusCode, 422);
  assert.equal((await userByName('pending@example.com'))?.active, false);
});

test('only admins invite, resend and export', async () => {
  await invite({ email: 'plain@example.com', username: 'plain' });
  assert.equal((await accept(await tokenSentTo('plain@example.com'))).statusCode, 200);
  const plain = await login(app, 'plain', password);
  const invited = await invite({ email: 'someone@example.com' });
  for (const [method, url, body] of [
    ['POST', '/api/users/invitations', { email: 'sneaky@example.com' }],
    ['POST', `/api/users/${invited.id}/invitation`, undefined],
    ['GET', '/api/users/export', undefined],
  ] as const) {
    const response = await plain.request(method, url, body);
    assert.equal(response.statusCode, 403, `${method} ${url}: ${response.body}`);
  }
  assert.equal(await userByName('sneaky@example.com'), undefined);
});

test('an invitation takes a seat under the user limit', async () => {
  const seats = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('active', '=', true), eb('invitedAt', 'is not', null)]))
    .executeTakeFirstOrThrow();
  const limit = Number(seats.n) + 1;
  assert.equal((await admin.request('PATCH', '/api/settings', { maxUsers: limit })).statusCode, 200);
  try {
    const last = await invite({ email: 'last-seat@example.com' });
    const over = await admin.request('POST', '/api/users/invitations', { email: 'no-seat@example.com' });
    assert.equal(over.statusCode, 409);
    assert.equal(codeOf(over), 'WEFT_ERR_USER_LIMIT');
    // The pending invitation holds its seat against a user created by hand, too.
    const created = await admin.request('POST', '/api/users', { username: 'no-seat', password });
    assert.equal(created.statusCode, 409);
    assert.equal(codeOf(created), 'WEFT_ERR_USER_LIMIT');
    // Accepting takes no second seat.
    assert.equal((await accept(await tokenSentTo('last-seat@example.com'))).statusCode, 200);
    assert.equal((await userByName(last.username))?.status, 'active');
    assert.equal(await userByName('no-seat@example.com'), undefined);
  } finally {
    await admin.request('PATCH', '/api/settings', { maxUsers: null });
  }
});

async function parseCsv(text: string): Promise<string[][]> {
  const table = await readTable(Buffer.from(text), 'csv');
  return [table.header, ...table.rows];
}

async function exportCsv(): Promise<string[][]> {
  const response = await admin.request('GET', '/api/users/export');
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^text\/csv/);
  assert.match(
    String(response.headers['content-disposition']),
    /attachment; filename="users-\d{4}-\d\d-\d\d\.csv"/,
  );
  return await parseCsv(response.body);
}

test('the export lists every user with status, roles and groups, and never a password', async () => {
  const group = await admin.request('POST', '/api/groups', { name: 'Sales, West' });
  assert.equal(group.statusCode, 201, group.body);
  const invited = await invite({
    email: 'exported@example.com',
    firstName: 'Ex',
    groupIds: [group.json().id],
  });
  const [header, ...rows] = await exportCsv();
  assert.deepEqual(header, [
    'id',
    'username',
    'firstName',
    'lastName',
    'email',
    'title',
    'phone',
    'status',
    'active',
    'available',
    'invisible',
    'roles',
    'groups',
    'createdAt',
    'lastLoginAt',
  ]);
  const count = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(rows.length, Number(count.n));
  const column = (name: string) => header?.indexOf(name) ?? -1;
  const row = rows.find((cells) => cells[column('username')] === invited.username);
  assert.ok(row);
  assert.equal(row[column('id')], invited.id);
  assert.equal(row[column('status')], 'invited');
  assert.equal(row[column('active')], 'false');
  assert.equal(row[column('roles')], 'User');
  assert.equal(row[column('groups')], '["Sales, West"]');
  const adminRow = rows.find((cells) => cells[column('username')] === 'admin');
  assert.equal(adminRow?.[column('roles')], 'Administrator');
  assert.notEqual(adminRow?.[column('lastLoginAt')], '');
  const hashes = await db
    .selectFrom('users')
    .select('passwordHash')
    .where('passwordHash', 'is not', null)
    .execute();
  const text = rows.flat().join('\n');
  for (const { passwordHash } of hashes) assert.ok(!text.includes(String(passwordHash)));
  assert.ok(!text.includes('argon2'));
});

test('the export imports back: update mode on username restores names, roles and groups', async () => {
  const group = await admin.request('POST', '/api/groups', { name: 'Support' });
  const managers = await admin.request('POST', '/api/roles', { name: 'Managers', permissions: {} });
  assert.equal(managers.statusCode, 201, managers.body);
  await invite({ email: 'roundtrip@example.com', username: 'roundtrip' });
  assert.equal((await accept(await tokenSentTo('roundtrip@example.com'))).statusCode, 200);
  const user = (await userByName('roundtrip')) as UserBody;
  const original = {
    firstName: 'Round',
    lastName: 'Trip',
    title: 'Tester',
    roleIds: [managers.json().id],
    groupIds: [group.json().id],
  };
  assert.equal((await admin.request('PATCH', `/api/users/${user.id}`, original)).statusCode, 200);
  const file = await admin.request('GET', '/api/users/export');

  // Change the user, then import the file as it was exported.
  const changed = await admin.request('PATCH', `/api/users/${user.id}`, {
    firstName: 'Changed',
    title: null,
    roleIds: [],
    groupIds: [],
  });
  assert.equal(changed.statusCode, 200);
  const preview = await admin.request('POST', '/api/imports/preview?module=users&rows=1', file.body, {
    'content-type': 'text/csv',
  });
  assert.equal(preview.statusCode, 200, preview.body);
  const mapping = preview.json<{ mapping: Record<string, string | null> }>().mapping;
  assert.deepEqual(mapping, {
    id: 'id',
    username: 'username',
    firstName: 'firstName',
    lastName: 'lastName',
    email: 'email',
    title: 'title',
    phone: 'phone',
    status: null,
    active: 'active',
    available: 'available',
    invisible: 'invisible',
    roles: 'roles',
    groups: 'groups',
    createdAt: null,
    lastLoginAt: null,
  });
  const started = await upload(admin, { module: 'users', mode: 'update', keyField: 'username' }, file.body);
  assert.equal(started.statusCode, 202, started.body);
  const result = await finished(admin, started.json().id);
  assert.equal(result.status, 'done', JSON.stringify(result));
  assert.equal(result.failed, 0, JSON.stringify(result));
  assert.equal(result.created, 0);
  const restored = (await admin.request('GET', `/api/users/${user.id}`)).json();
  assert.equal(restored.firstName, 'Round');
  assert.equal(restored.title, 'Tester');
  assert.deepEqual(restored.roleIds, original.roleIds);
  assert.deepEqual(restored.groupIds, original.groupIds);
  // Exporting again gives the same rows as the file that was imported, apart from the invitee's timestamps.
  const again = (await exportCsv()).map((cells) => cells.slice(0, 13));
  assert.deepEqual(
    again,
    (await parseCsv(file.body)).map((cells) => cells.slice(0, 13)),
  );
});

test('an unknown role or group name in an import is a row error', async () => {
  const csv = 'username,roles,groups\r\nnew-person,Nonexistent,Support\r\n';
  const started = await upload(admin, { module: 'users' }, csv);
  assert.equal(started.statusCode, 202, started.body);
  const result = await finished(admin, started.json().id);
  assert.equal(result.failed, 1);
  const errors = (await admin.request('GET', `/api/imports/${started.json().id}/errors`)).json().items;
  assert.deepEqual(
    errors.map((error: { field: string; reason: string }) => [error.field, error.reason]),
    [['roles', 'names no role "Nonexistent"']],
  );
});

// Last: it fills this address's failure count, which sign-in shares.
test('a client that keeps presenting unknown links is refused like one that keeps failing to sign in', async () => {
  assert.equal((await admin.request('PATCH', '/api/settings', { loginMaxFailuresPerIp: 3 })).statusCode, 200);
  await db.deleteFrom('loginHistory').where('success', '=', false).execute();
  for (let attempt = 0; attempt < 3; attempt++)
    assert.equal((await lookUp(`${'z'.repeat(42)}${attempt}`)).statusCode, 404);
  const limited = await lookUp('z'.repeat(43));
  assert.equal(limited.statusCode, 429);
  assert.equal(codeOf(limited), 'WEFT_ERR_RATE_LIMITED');
  assert.ok(limited.headers['retry-after']);
  await invite({ email: 'blocked@example.com' });
  assert.equal((await accept(await tokenSentTo('blocked@example.com'))).statusCode, 429);
  const failures = await db
    .selectFrom('loginHistory')
    .select(['username', 'reason'])
    .where('success', '=', false)
    .execute();
  assert.deepEqual(failures, Array(3).fill({ username: '(invitation)', reason: 'unknown invitation' }));
});
