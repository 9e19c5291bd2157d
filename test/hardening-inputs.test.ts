import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

// Issue 18: small refusals and round trips — each of these answered wrongly before.
const { app, db } = await createTestApp();
const admin = await login(app);

test('routing criteria round-trip exactly: save, reload, save again', async () => {
  const criteria = {
    and: [{ '==': [{ var: 'leadSource' }, 'Web'] }, { in: [{ var: 'lastName' }, ['A', 'B']] }],
  };
  const body = {
    enabled: true,
    mode: 'customRoundRobin',
    rules: [
      { criteria, kind: 'users', userIds: [admin.userId] },
      { criteria: true, kind: 'users', userIds: [admin.userId] },
    ],
  };
  const saved = await admin.request('PUT', '/api/routing/contacts', body);
  assert.equal(saved.statusCode, 200, saved.body);
  assert.deepEqual(saved.json().rules[0].criteria, criteria);
  const reloaded = (await admin.request('GET', '/api/routing/contacts')).json();
  assert.deepEqual(reloaded.rules[0].criteria, criteria);
  assert.equal(reloaded.rules[1].criteria, true);
  const { module: _module, updatedAt: _updatedAt, ...settings } = reloaded;
  const again = await admin.request('PUT', '/api/routing/contacts', settings);
  assert.equal(again.statusCode, 200, again.body);
  assert.deepEqual(again.json().rules, reloaded.rules);
  const list = (await admin.request('GET', '/api/routing')).json();
  const contacts = (list.items ?? list).find((item: { module: string }) => item.module === 'contacts');
  assert.deepEqual(contacts.rules[0].criteria, criteria);
});

test('field names shadowing Object.prototype members are refused, and the module keeps working', async () => {
  const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString'];
  for (const name of names) {
    const added = await admin.request('POST', '/api/modules/contacts/fields', {
      name,
      label: name,
      type: 'text',
    });
    assert.equal(added.statusCode, 400, `${name}: ${added.body}`);
    assert.equal(added.json().error.details[0].field, 'name');
  }
  const module = await admin.request('POST', '/api/modules', {
    name: 'gadgets',
    label: 'Gadgets',
    fields: [{ name: 'valueOf', label: 'Value', type: 'number' }],
  });
  assert.equal(module.statusCode, 400, module.body);
  // __proto__ fails the name pattern already; still a 400, never a 500.
  const proto = await admin.request('POST', '/api/modules/contacts/fields', {
    name: '__proto__',
    label: 'Proto',
    type: 'text',
  });
  assert.equal(proto.statusCode, 400, proto.body);
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Still',
    lastName: 'Works',
  });
  assert.equal(contact.statusCode, 201, contact.body);
});

test('a custom module named like a built-in import target is refused, created or imported', async () => {
  const created = await admin.request('POST', '/api/modules', { name: 'users', label: 'Users' });
  assert.equal(created.statusCode, 400, created.body);
  assert.equal(created.json().error.details[0].field, 'name');
  const file = (await admin.request('GET', '/api/modules/contacts/export')).json();
  const imported = await admin.request('POST', '/api/modules/import', {
    ...file,
    module: { ...file.module, name: 'users', label: 'Users' },
  });
  assert.equal(imported.statusCode, 400, imported.body);
  const modules = (await admin.request('GET', '/api/modules')).json();
  assert.ok(!(modules.items ?? modules).some((m: { name: string }) => m.name === 'users'));
});

test('non-admins read only the settings they need', async () => {
  const user = await signedInUser(app, db, admin, 'settings-reader');
  const read = await user.request('GET', '/api/settings');
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(Object.keys(read.json()).sort(), ['appName', 'logoUrl', 'sessionTimeoutMinutes']);
  const full = (await admin.request('GET', '/api/settings')).json();
  for (const key of ['smtpHost', 'httpAllowList', 'loginMaxFailuresPerUser']) assert.ok(key in full, key);
});

test('lists on modules a role cannot view are hidden and cannot be created', async () => {
  const user = await signedInUser(app, db, admin, 'no-accounts-lists', {
    contacts: { view: 'all', create: 'all', update: 'all', delete: 'none' },
  });
  const hidden = await admin.request('POST', '/api/lists', {
    name: 'Key accounts',
    module: 'accounts',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'name' }, 'Acme'] },
    visibility: 'public',
  });
  assert.equal(hidden.statusCode, 201, hidden.body);
  const shown = await admin.request('POST', '/api/lists', {
    name: 'All contacts',
    module: 'contacts',
    kind: 'static',
    visibility: 'public',
  });
  assert.equal(shown.statusCode, 201, shown.body);
  const names = (await user.request('GET', '/api/lists')).json().items.map((l: { name: string }) => l.name);
  assert.ok(names.includes('All contacts'));
  assert.ok(!names.includes('Key accounts'));
  assert.equal((await user.request('GET', `/api/lists/${hidden.json().id}`)).statusCode, 404);
  const create = await user.request('POST', '/api/lists', {
    name: 'Mine',
    module: 'accounts',
    kind: 'static',
  });
  assert.equal(create.statusCode, 403, create.body);
});
