/**
 * All data out and in carries the people: roles (permissions and field-level permissions),
 * groups and users (profile, roles, groups), with records still assigned to the same people
 * on the other side. No password or password hash is in the archive.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import JSZip from 'jszip';
import { finished, importTestApp } from './helpers/imports.ts';

const source = await importTestApp();
const target = await importTestApp();
const password = 'sams-secret-password';

const role = await source.admin.request('POST', '/api/roles', {
  name: 'Field sales',
  description: 'On the road',
  permissions: { contacts: { view: 'own', create: 'own', update: 'own' } },
});
assert.equal(role.statusCode, 201, role.body);
const roleId = role.json().id as string;
const rules = await source.admin.request('PUT', `/api/roles/${roleId}/field-permissions`, {
  rules: [{ module: 'contacts', field: 'phone', access: 'hidden' }],
});
assert.equal(rules.statusCode, 200, rules.body);
const sam = await source.admin.request('POST', '/api/users', {
  username: 'sam',
  password,
  firstName: 'Sam',
  lastName: 'Road',
  title: 'Rep',
  roleIds: [roleId],
});
assert.equal(sam.statusCode, 201, sam.body);
const group = await source.admin.request('POST', '/api/groups', {
  name: 'North',
  memberIds: [sam.json().id],
});
assert.equal(group.statusCode, 201, group.body);
for (const body of [
  { firstName: 'Sams', lastName: 'Contact', assignedTo: sam.json().id },
  { firstName: 'Norths', lastName: 'Contact', assignedTo: group.json().id },
]) {
  const created = await source.admin.request('POST', '/api/records/contacts', body);
  assert.equal(created.statusCode, 201, created.body);
}

async function archive(query = '') {
  const response = await source.admin.request('GET', `/api/all-data${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return JSZip.loadAsync(response.rawPayload);
}
const upload = (mode: string, body: Buffer) =>
  target.admin.request('POST', `/api/all-data?mode=${mode}`, body, { 'content-type': 'application/zip' });

test('the archive holds users, roles and groups, and no password or hash', async () => {
  const zip = await archive();
  const manifest = JSON.parse((await zip.file('manifest.json')?.async('string')) ?? '{}');
  assert.deepEqual(manifest.users, {
    file: 'users.csv',
    records: 2,
    roles: 'roles.json',
    groups: 'groups.json',
  });
  const users = (await zip.file('users.csv')?.async('string')) ?? '';
  assert.match(users, /\bsam\b/);
  assert.doesNotMatch(users.split('\n')[0] ?? '', /password|hash/i);
  const hashes = await source.db.selectFrom('users').select('passwordHash').execute();
  for (const name of Object.keys(zip.files)) {
    const text = (await zip.file(name)?.async('string')) ?? '';
    for (const { passwordHash } of hashes)
      if (passwordHash) assert.ok(!text.includes(passwordHash), `${name} holds a password hash`);
    assert.ok(!text.includes(password), `${name} holds a password`);
  }
  const roles = JSON.parse((await zip.file('roles.json')?.async('string')) ?? '[]');
  const field = roles.find((r: { name: string }) => r.name === 'Field sales');
  assert.deepEqual(field.fieldAccess, [{ module: 'contacts', field: 'phone', access: 'hidden' }]);
  // Chosen modules only: no people.
  const chosen = await archive('?modules=contacts');
  assert.deepEqual(Object.keys(chosen.files).sort(), ['contacts.csv', 'manifest.json']);
  const withUsers = await archive('?modules=contacts,users');
  assert.ok(withUsers.file('users.csv'));
});

test('round trip: users, roles, groups and assignments arrive; new users must have their password reset', async () => {
  const file = await (await archive()).generateAsync({ type: 'nodebuffer' });
  const first = await upload('skip', file);
  assert.equal(first.statusCode, 202, first.body);
  const answer = first.json();
  assert.deepEqual(answer.people.roles.created, 1);
  assert.deepEqual(answer.people.groups, { created: 1, skipped: 0 });
  assert.deepEqual(answer.people.users.needPassword, ['sam']);
  assert.equal(answer.people.users.skipped, 1, 'the importing admin is left alone');
  for (const job of answer.imports) assert.equal((await finished(target.admin, job.importId)).status, 'done');

  const users = (await target.admin.request('GET', '/api/users?limit=50')).json().items as Array<{
    id: string;
    username: string;
    title: string | null;
  }>;
  const samHere = users.find((user) => user.username === 'sam');
  assert.ok(samHere);
  assert.equal(samHere.title, 'Rep');
  const roleHere = await target.db
    .selectFrom('roles')
    .selectAll()
    .where('name', '=', 'Field sales')
    .executeTakeFirstOrThrow();
  assert.deepEqual(roleHere.permissions, { contacts: { view: 'own', create: 'own', update: 'own' } });
  assert.deepEqual(
    await target.db
      .selectFrom('roleFieldPermissions')
      .select(['module', 'field', 'access'])
      .where('roleId', '=', roleHere.id)
      .execute(),
    [{ module: 'contacts', field: 'phone', access: 'hidden' }],
  );
  const roleOfSam = await target.db
    .selectFrom('userRoles')
    .select('roleId')
    .where('userId', '=', samHere.id)
    .execute();
  assert.deepEqual(roleOfSam, [{ roleId: roleHere.id }]);
  const groupHere = await target.db
    .selectFrom('groups')
    .select('id')
    .where('name', '=', 'North')
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    await target.db.selectFrom('groupMembers').select('userId').where('groupId', '=', groupHere.id).execute(),
    [{ userId: samHere.id }],
  );
  const contacts = (await target.admin.request('GET', '/api/records/contacts?limit=10&sort=firstName')).json()
    .items as Array<{ firstName: string; assignedTo: string }>;
  assert.deepEqual(
    contacts.map((c) => [c.firstName, c.assignedTo]),
    [
      ['Norths', groupHere.id],
      ['Sams', samHere.id],
    ],
  );
  // The source password does not sign in here: no secret travelled.
  const signIn = await target.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'sam', password },
  });
  assert.equal(signIn.statusCode, 401);

  // Overwrite: a changed title in the archive updates the user in place.
  const zip = await archive();
  zip.file(
    'users.csv',
    ((await zip.file('users.csv')?.async('string')) ?? '').replace(',Rep,', ',Lead rep,'),
  );
  const again = await upload('overwrite', await zip.generateAsync({ type: 'nodebuffer' }));
  assert.equal(again.statusCode, 202, again.body);
  assert.equal(again.json().people.users.updated, 1);
  for (const job of again.json().imports) await finished(target.admin, job.importId);
  const samAfter = (await target.admin.request('GET', `/api/users/${samHere.id}`)).json();
  assert.equal(samAfter.title, 'Lead rep');
  assert.equal(
    (await target.db.selectFrom('users').select('id').where('username', '=', 'sam').execute()).length,
    1,
  );
});
