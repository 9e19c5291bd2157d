import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';

const { app } = await createTestApp();
const admin = await login(app);
const password = 'a-password-for-groups';
const nobody = '00000000-0000-4000-8000-000000000000';

async function created<T = Record<string, unknown> & { id: string }>(url: string, body: unknown): Promise<T> {
  const response = await admin.request('POST', url, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}
const newUser = (username: string, extra: Record<string, unknown> = {}) =>
  created<{ id: string; roleIds: string[]; groupIds: string[]; isAdmin: boolean }>('/api/users', {
    username,
    password,
    ...extra,
  });
const fieldsOf = (response: { json: () => { error: { details?: { field: string }[] } } }) =>
  (response.json().error.details ?? []).map((problem) => problem.field);
const groupIdsOf = async (userId: string): Promise<string[]> =>
  (await admin.request('GET', `/api/users/${userId}`)).json().groupIds;

// Two plain users shared by the file: hashing passwords is the slow part of these tests.
const ann = await newUser('ann');
const ben = await newUser('ben');
const plain = await login(app, 'ann', password);

test('groups: create with members, read, list with q', async () => {
  const group = await created<{ id: string; name: string; memberIds: string[] }>('/api/groups', {
    name: 'Sales East',
    description: 'East coast',
    memberIds: [ann.id, ben.id],
  });
  assert.equal(group.name, 'Sales East');
  assert.deepEqual(group.memberIds, [ann.id, ben.id].sort());
  assert.deepEqual(await groupIdsOf(ann.id), [group.id]);
  assert.deepEqual((await admin.request('GET', `/api/groups/${group.id}`)).json(), group);
  const found = (await plain.request('GET', '/api/groups?q=east')).json();
  assert.deepEqual(
    found.items.map((item: { id: string }) => item.id),
    [group.id],
  );
  assert.equal((await admin.request('GET', `/api/groups/${nobody}`)).statusCode, 404);
});

test('groups: a duplicate name is a 409 naming name, on create and on rename', async () => {
  await created('/api/groups', { name: 'Support' });
  const other = await created('/api/groups', { name: 'Support 2' });
  const again = await admin.request('POST', '/api/groups', { name: 'Support' });
  assert.equal(again.statusCode, 409);
  assert.deepEqual(fieldsOf(again), ['name']);
  const rename = await admin.request('PATCH', `/api/groups/${other.id}`, { name: 'Support' });
  assert.equal(rename.statusCode, 409);
  assert.deepEqual(fieldsOf(rename), ['name']);
  assert.equal((await admin.request('GET', `/api/groups/${other.id}`)).json().name, 'Support 2');
});

test('groups: unknown users are a 400 naming the field that holds them', async () => {
  const create = await admin.request('POST', '/api/groups', { name: 'Ghosts', memberIds: [ann.id, nobody] });
  assert.equal(create.statusCode, 400, create.body);
  assert.deepEqual(fieldsOf(create), ['memberIds']);
  assert.equal((await admin.request('GET', '/api/groups?q=Ghosts')).json().items.length, 0);

  const group = await created<{ id: string }>('/api/groups', { name: 'Real' });
  const patch = await admin.request('PATCH', `/api/groups/${group.id}`, { memberIds: [nobody] });
  assert.equal(patch.statusCode, 400);
  assert.deepEqual(fieldsOf(patch), ['memberIds']);
  const add = await admin.request('POST', `/api/groups/${group.id}/members`, { userIds: [ann.id, nobody] });
  assert.equal(add.statusCode, 400);
  assert.deepEqual(fieldsOf(add), ['userIds']);
  assert.deepEqual((await admin.request('GET', `/api/groups/${group.id}`)).json().memberIds, []);
  const notUuid = await admin.request('POST', `/api/groups/${group.id}/members`, { userIds: ['ann'] });
  assert.equal(notUuid.statusCode, 400);
  assert.deepEqual(fieldsOf(notUuid), ['userIds.0']);
  const none = await admin.request('POST', `/api/groups/${group.id}/members`, { userIds: [] });
  assert.equal(none.statusCode, 400);
});

test('groups: add and remove members, replace them, rename, delete', async () => {
  const group = await created<{ id: string }>('/api/groups', { name: 'Partners' });
  const members = (method: string, userIds: string[]) =>
    admin.request(method, `/api/groups/${group.id}/members`, { userIds });

  const added = await members('POST', [ann.id]);
  assert.equal(added.statusCode, 200);
  assert.deepEqual(added.json().memberIds, [ann.id]);
  // Adding someone already in is not an error.
  assert.deepEqual((await members('POST', [ann.id, ben.id])).json().memberIds, [ann.id, ben.id].sort());
  assert.ok((await groupIdsOf(ben.id)).includes(group.id));

  const removed = await members('DELETE', [ann.id]);
  assert.equal(removed.statusCode, 200);
  assert.deepEqual(removed.json().memberIds, [ben.id]);
  assert.ok(!(await groupIdsOf(ann.id)).includes(group.id));

  const replaced = await admin.request('PATCH', `/api/groups/${group.id}`, {
    name: 'Partners EU',
    description: null,
    memberIds: [ann.id],
  });
  assert.equal(replaced.statusCode, 200);
  assert.equal(replaced.json().name, 'Partners EU');
  assert.deepEqual(replaced.json().memberIds, [ann.id]);

  assert.equal((await admin.request('DELETE', `/api/groups/${group.id}`)).statusCode, 204);
  assert.equal((await admin.request('GET', `/api/groups/${group.id}`)).statusCode, 404);
  assert.ok(!(await groupIdsOf(ann.id)).includes(group.id));
  assert.equal((await admin.request('DELETE', `/api/groups/${group.id}`)).statusCode, 404);
  assert.equal((await members('POST', [ann.id])).statusCode, 404);
});

test('groups: a non-admin may read them but not change them', async () => {
  const group = await created<{ id: string }>('/api/groups', { name: 'Locked' });
  assert.equal((await plain.request('GET', '/api/groups')).statusCode, 200);
  assert.equal((await plain.request('GET', `/api/groups/${group.id}`)).statusCode, 200);
  const attempts: [string, string, unknown][] = [
    ['POST', '/api/groups', { name: 'Mine' }],
    ['PATCH', `/api/groups/${group.id}`, { name: 'Taken over' }],
    ['POST', `/api/groups/${group.id}/members`, { userIds: [ann.id] }],
    ['DELETE', `/api/groups/${group.id}/members`, { userIds: [ann.id] }],
    ['DELETE', `/api/groups/${group.id}`, undefined],
  ];
  for (const [method, url, body] of attempts) {
    const response = await plain.request(method, url, body);
    assert.equal(response.statusCode, 403, `${method} ${url}`);
  }
  assert.deepEqual((await admin.request('GET', `/api/groups/${group.id}`)).json().memberIds, []);
  assert.equal((await admin.request('GET', '/api/groups?q=Mine')).json().items.length, 0);
});

test('roles: create with a permission matrix, read, list, change, delete', async () => {
  const permissions = { '*': { view: 'all' }, contacts: { create: 'all', update: 'groups', delete: 'own' } };
  const role = await created<{ id: string; permissions: unknown; isAdmin: boolean; userCount: number }>(
    '/api/roles',
    { name: 'Sales rep', description: 'Sells', permissions },
  );
  assert.deepEqual(role.permissions, permissions);
  assert.equal(role.isAdmin, false);
  assert.equal(role.userCount, 0);
  assert.deepEqual((await admin.request('GET', `/api/roles/${role.id}`)).json(), role);
  const listed = (await admin.request('GET', '/api/roles?q=sales')).json().items;
  assert.deepEqual(
    listed.map((item: { id: string }) => item.id),
    [role.id],
  );

  const narrower = { contacts: { view: 'own' } };
  const changed = await admin.request('PATCH', `/api/roles/${role.id}`, { permissions: narrower });
  assert.equal(changed.statusCode, 200);
  assert.deepEqual(changed.json().permissions, narrower);
  assert.equal(changed.json().description, 'Sells');

  assert.equal((await admin.request('DELETE', `/api/roles/${role.id}`)).statusCode, 204);
  assert.equal((await admin.request('GET', `/api/roles/${role.id}`)).statusCode, 404);
  assert.equal((await admin.request('PATCH', `/api/roles/${role.id}`, { name: 'x' })).statusCode, 404);
});

test('roles: a duplicate name is a 409 naming name', async () => {
  await created('/api/roles', { name: 'Auditor' });
  const again = await admin.request('POST', '/api/roles', { name: 'Auditor' });
  assert.equal(again.statusCode, 409);
  assert.deepEqual(fieldsOf(again), ['name']);
});

const badMatrices: [string, unknown, string][] = [
  ['an unknown scope', { contacts: { view: 'everything' } }, 'permissions.contacts.view'],
  ['an unknown action', { contacts: { archive: 'all' } }, 'permissions.contacts.archive'],
  ['a scope that is not a string', { '*': { delete: true } }, 'permissions.*.delete'],
  ['a row that is not an object', { contacts: 'all' }, 'permissions.contacts'],
  ['a module name with spaces', { 'my contacts': { view: 'all' } }, 'permissions'],
];
for (const [what, permissions, field] of badMatrices) {
  test(`roles: a matrix with ${what} is a 400 naming ${field}`, async () => {
    const response = await admin.request('POST', '/api/roles', { name: `Bad ${what}`, permissions });
    assert.equal(response.statusCode, 400, response.body);
    assert.ok(fieldsOf(response).includes(field), response.body);
    assert.equal(
      (await admin.request('GET', `/api/roles?q=${encodeURIComponent(what)}`)).json().items.length,
      0,
    );
  });
}

test("users' roleIds and groupIds: set on create, replaced on edit, checked, and reflected in /api/me", async () => {
  const viewer = await created<{ id: string }>('/api/roles', {
    name: 'Viewer',
    permissions: { '*': { view: 'own' }, accounts: { view: 'all' } },
  });
  const editor = await created<{ id: string }>('/api/roles', {
    name: 'Editor',
    permissions: { contacts: { view: 'groups', update: 'groups' } },
  });
  const team = await created<{ id: string }>('/api/groups', { name: 'Team' });
  const user = await newUser('carl', { roleIds: [viewer.id, editor.id], groupIds: [team.id] });
  assert.deepEqual(user.roleIds, [viewer.id, editor.id].sort());
  assert.deepEqual(user.groupIds, [team.id]);
  assert.equal(user.isAdmin, false);
  assert.deepEqual((await admin.request('GET', `/api/groups/${team.id}`)).json().memberIds, [user.id]);
  assert.equal((await admin.request('GET', `/api/roles/${editor.id}`)).json().userCount, 1);

  const carl = await login(app, 'carl', password);
  const me = (await carl.request('GET', '/api/me')).json();
  assert.equal(me.permissions.contacts.view, 'groups');
  assert.equal(me.permissions.contacts.update, 'groups');
  assert.equal(me.permissions.accounts.view, 'all');
  assert.equal(me.permissions['*'].view, 'own');

  const edited = await admin.request('PATCH', `/api/users/${user.id}`, {
    roleIds: [viewer.id],
    groupIds: [],
  });
  assert.equal(edited.statusCode, 200);
  assert.deepEqual(edited.json().roleIds, [viewer.id]);
  assert.deepEqual(edited.json().groupIds, []);
  const after = (await carl.request('GET', '/api/me')).json();
  assert.equal(after.permissions.contacts?.update ?? 'none', 'none');

  for (const [field, body] of [
    ['roleIds', { roleIds: [nobody] }],
    ['groupIds', { groupIds: [nobody] }],
  ] as const) {
    const response = await admin.request('PATCH', `/api/users/${user.id}`, body);
    assert.equal(response.statusCode, 400, field);
    assert.deepEqual(fieldsOf(response), [field]);
  }
  assert.deepEqual((await admin.request('GET', `/api/users/${user.id}`)).json().roleIds, [viewer.id]);

  // Deleting a role takes it away from its users.
  assert.equal((await admin.request('DELETE', `/api/roles/${viewer.id}`)).statusCode, 204);
  assert.deepEqual((await admin.request('GET', `/api/users/${user.id}`)).json().roleIds, []);
});

test('roles: "role is admin" makes its users administrators, and taking it back takes that away', async () => {
  const boss = await created<{ id: string }>('/api/roles', { name: 'Bosses', isAdmin: true });
  const dana = await newUser('dana', { roleIds: [boss.id] });
  assert.equal(dana.isAdmin, true);
  const session = await login(app, 'dana', password);
  assert.equal((await session.request('GET', '/api/roles')).statusCode, 200);
  assert.equal((await session.request('POST', '/api/groups', { name: 'Dana made this' })).statusCode, 201);

  const demoted = await admin.request('PATCH', `/api/roles/${boss.id}`, { isAdmin: false });
  assert.equal(demoted.statusCode, 200);
  assert.equal(demoted.json().isAdmin, false);
  assert.equal((await session.request('GET', '/api/roles')).statusCode, 403);
  assert.equal((await session.request('GET', '/api/me')).json().isAdmin, false);
});

test('roles: a non-admin can neither read nor change them', async () => {
  const role = await created<{ id: string }>('/api/roles', { name: 'Hidden' });
  const attempts: [string, string, unknown][] = [
    ['GET', '/api/roles', undefined],
    ['GET', `/api/roles/${role.id}`, undefined],
    ['POST', '/api/roles', { name: 'Mine', isAdmin: true }],
    ['PATCH', `/api/roles/${role.id}`, { isAdmin: true }],
    ['DELETE', `/api/roles/${role.id}`, undefined],
  ];
  for (const [method, url, body] of attempts) {
    assert.equal((await plain.request(method, url, body)).statusCode, 403, `${method} ${url}`);
  }
  assert.equal((await admin.request('GET', `/api/roles/${role.id}`)).json().isAdmin, false);
});

test('group and role lists page with cursors; a forged cursor is a 400, not a 500', async () => {
  for (const url of ['/api/groups', '/api/roles']) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const body: { items: { id: string }[]; nextCursor: string | null } = (
        await admin.request('GET', `${url}?limit=2${query}`)
      ).json();
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor);
    assert.ok(seen.length > 2, url);
    assert.equal(new Set(seen).size, seen.length);
    for (const forged of [['Sales', 'not-a-uuid'], [1, 2], ['Sales']]) {
      const encoded = Buffer.from(JSON.stringify(forged)).toString('base64url');
      const response = await admin.request('GET', `${url}?cursor=${encoded}`);
      assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(forged)}: ${response.body}`);
    }
  }
});
