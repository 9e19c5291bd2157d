import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

test('a module that is not editable refuses field changes until the flag is on', async () => {
  const created = await admin.request('POST', '/api/modules', {
    name: 'assets',
    label: 'Assets',
    editable: false,
  });
  assert.equal(created.statusCode, 201, created.body);
  const field = { name: 'serial', label: 'Serial', type: 'text' };
  const refused = await admin.request('POST', '/api/modules/assets/fields', field);
  assert.equal(refused.statusCode, 422, refused.body);
  assert.match(refused.json().error.message, /Assets is not editable/);
  assert.equal((await admin.request('PATCH', '/api/modules/assets', { editable: true })).statusCode, 200);
  assert.equal((await admin.request('POST', '/api/modules/assets/fields', field)).statusCode, 201);
});

test('deleting a custom module that holds records needs their number', async () => {
  for (const name of ['Laptop', 'Phone'])
    assert.equal((await admin.request('POST', '/api/records/assets', { name })).statusCode, 201);
  const unconfirmed = await admin.request('DELETE', '/api/modules/assets');
  assert.equal(unconfirmed.statusCode, 409);
  assert.equal(
    unconfirmed.json().error.message,
    'Assets holds 2 records; confirm with 2 to delete them with the module',
  );
  assert.equal((await admin.request('DELETE', '/api/modules/assets?confirm=3')).statusCode, 409);
  assert.equal((await admin.request('DELETE', '/api/modules/assets?confirm=2')).statusCode, 204);
  assert.equal((await admin.request('GET', '/api/modules/assets')).statusCode, 404);
});

test("transfer all of one user's records to another, keeping the user", async () => {
  const leaving = await signedInUser(app, db, admin, 'leaving');
  const staying = await signedInUser(app, db, admin, 'staying');
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Owned',
    lastName: 'Contact',
    assignedTo: leaving.userId,
  });
  const account = await admin.request('POST', '/api/records/accounts', {
    name: 'Owned',
    assignedTo: leaving.userId,
  });
  const moved = await admin.request('POST', `/api/users/${leaving.userId}/transfer`, {
    reassignTo: staying.userId,
  });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(moved.json().reassigned.records >= 2, true, moved.body);
  for (const [module, id] of [
    ['contacts', contact.json().id],
    ['accounts', account.json().id],
  ])
    assert.equal(
      (await admin.request('GET', `/api/records/${module}/${id}`)).json().assignedTo,
      staying.userId,
    );
  assert.equal(
    (await admin.request('GET', `/api/users/${leaving.userId}`)).statusCode,
    200,
    'the user stays',
  );
  const self = await admin.request('POST', `/api/users/${leaving.userId}/transfer`, {
    reassignTo: leaving.userId,
  });
  assert.equal(self.statusCode, 400);
  assert.equal(
    (await leaving.request('POST', `/api/users/${staying.userId}/transfer`, { reassignTo: leaving.userId }))
      .statusCode,
    403,
  );
});

test('a module that is not searchable refuses a search of its records', async () => {
  assert.equal(
    (await admin.request('POST', '/api/modules', { name: 'secrets', label: 'Secrets', searchable: false }))
      .statusCode,
    201,
  );
  assert.equal((await admin.request('POST', '/api/records/secrets', { name: 'Vault' })).statusCode, 201);
  const refused = await admin.request('GET', '/api/records/secrets?q=Vault');
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().error.details[0].field, 'q');
  assert.equal((await admin.request('GET', '/api/records/secrets')).json().items.length, 1);
  assert.equal((await admin.request('PATCH', '/api/modules/secrets', { searchable: true })).statusCode, 200);
  assert.equal((await admin.request('GET', '/api/records/secrets?q=Vault')).json().items.length, 1);
});
