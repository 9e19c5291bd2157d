import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login, type Session } from './helpers/app.ts';

const { app } = await createTestApp();
const admin = await login(app);

async function create(session: Session, url: string, body: unknown) {
  const response = await session.request('POST', url, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

const ids = async (session: Session, url: string) => {
  const response = await session.request('GET', url);
  assert.equal(response.statusCode, 200, response.body);
  return response
    .json()
    .items.map((item: { id: string }) => item.id)
    .sort();
};

const role = await create(admin, '/api/roles', {
  name: 'Own contacts',
  permissions: { contacts: { view: 'own', create: 'own', update: 'own', delete: 'own' } },
});
await create(admin, '/api/users', { username: 'owner', password: 'owner-password', roleIds: [role.id] });
const owner = await login(app, 'owner', 'owner-password');
const web = await create(admin, '/api/records/contacts', {
  firstName: 'W',
  lastName: 'Eb',
  leadSource: 'Web',
});
const phone = await create(admin, '/api/records/contacts', {
  firstName: 'P',
  lastName: 'Hone',
  leadSource: 'Other',
});
const mine = await create(owner, '/api/records/contacts', {
  firstName: 'M',
  lastName: 'Ine',
  leadSource: 'Web',
});

test('a static list holds chosen records; its records page follows the reader scope', async () => {
  const list = await create(admin, '/api/lists', {
    module: 'contacts',
    name: 'Chosen',
    kind: 'static',
    recordIds: [web.id, mine.id],
  });
  assert.deepEqual(await ids(admin, `/api/lists/${list.id}/records`), [web.id, mine.id].sort());
  assert.deepEqual(await ids(owner, `/api/lists/${list.id}/records`), [mine.id]);
  const added = await admin.request('POST', `/api/lists/${list.id}/members`, { recordIds: [phone.id] });
  assert.deepEqual(added.json(), { members: 3 });
  const removed = await admin.request('DELETE', `/api/lists/${list.id}/members`, { recordIds: [web.id] });
  assert.deepEqual(removed.json(), { members: 2 });
  assert.deepEqual(await ids(admin, `/api/lists/${list.id}/records`), [phone.id, mine.id].sort());
  assert.equal(
    (await owner.request('POST', `/api/lists/${list.id}/members`, { recordIds: [mine.id] })).statusCode,
    403,
  );
  const unseen = await create(owner, '/api/lists', { module: 'contacts', name: 'Mine', kind: 'static' });
  const refused = await owner.request('POST', `/api/lists/${unseen.id}/members`, { recordIds: [web.id] });
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().error.details[0].field, 'recordIds');
  assert.equal((await admin.request('DELETE', `/api/records/contacts/${phone.id}`)).statusCode, 204);
  assert.deepEqual(await ids(admin, `/api/lists/${list.id}/records`), [mine.id]);
});

test('a dynamic list is a saved filter evaluated when read', async () => {
  const list = await create(admin, '/api/lists', {
    module: 'contacts',
    name: 'Web leads',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  });
  assert.deepEqual(await ids(admin, `/api/lists/${list.id}/records`), [web.id, mine.id].sort());
  const later = await create(admin, '/api/records/contacts', {
    firstName: 'L',
    lastName: 'Ater',
    leadSource: 'Web',
  });
  assert.deepEqual(await ids(admin, `/api/lists/${list.id}/records`), [web.id, mine.id, later.id].sort());
  assert.deepEqual(await ids(owner, `/api/lists/${list.id}/records`), [mine.id]);
  const bad = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Broken',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'nope' }, 1] },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'criteria');
  const members = await admin.request('POST', `/api/lists/${list.id}/members`, { recordIds: [web.id] });
  assert.equal(members.statusCode, 400);
  const renamed = await admin.request('PATCH', `/api/lists/${list.id}`, { name: 'Web' });
  assert.equal(renamed.json().name, 'Web');
});

test('private lists are their owner’s; lists follow their owner on deletion', async () => {
  const hidden = await create(owner, '/api/lists', {
    module: 'contacts',
    name: 'Secret',
    kind: 'static',
    visibility: 'private',
  });
  await create(admin, '/api/users', { username: 'other', password: 'other-password', roleIds: [role.id] });
  const other = await login(app, 'other', 'other-password');
  assert.equal((await other.request('GET', `/api/lists/${hidden.id}`)).statusCode, 404);
  assert.ok(!(await ids(other, '/api/lists')).includes(hidden.id));
  assert.equal((await admin.request('GET', `/api/lists/${hidden.id}`)).statusCode, 200);
  const deleted = await admin.request('DELETE', `/api/users/${owner.userId}`, { reassignTo: other.userId });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal((await other.request('GET', `/api/lists/${hidden.id}`)).json().ownerId, other.userId);
  assert.equal((await other.request('DELETE', `/api/lists/${hidden.id}`)).statusCode, 204);
});
