import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

// Issue 18: names and existence of records a user may not view do not leak through links.
const { app, db } = await createTestApp();
const admin = await login(app);

async function created(session: Session, url: string, body: unknown) {
  const response = await session.request('POST', url, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

const ownContacts = { view: 'own', create: 'own', update: 'own', delete: 'none' } as const;
const own = await signedInUser(app, db, admin, 'own-contacts', {
  contacts: ownContacts,
  accounts: { view: 'own', create: 'none', update: 'none', delete: 'none' },
});
const noAccounts = await signedInUser(app, db, admin, 'no-accounts', { contacts: ownContacts });

test('a linked record the viewer may not view shows as restricted in reads, lists and where results', async () => {
  const secret = await created(admin, '/api/records/accounts', { name: 'Secret Corp' });
  // The role cannot create accounts: the admin makes one assigned to the user.
  const mine = await created(admin, '/api/records/accounts', { name: 'Mine Ltd', assignedTo: own.userId });
  for (const viewer of [own, noAccounts]) {
    const contact = await created(admin, '/api/records/contacts', {
      firstName: 'Hidden',
      lastName: 'Link',
      company: secret.id,
      assignedTo: viewer.userId,
    });
    const read = await viewer.request('GET', `/api/records/contacts/${contact.id}`);
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json()._display.company, 'restricted');
    const list = await viewer.request('GET', '/api/records/contacts?columns=firstName,company');
    const item = list.json().items.find((i: { id: string }) => i.id === contact.id);
    assert.equal(item._display.company, 'restricted');
    const where = encodeURIComponent(JSON.stringify({ '==': [{ var: 'lastName' }, 'Link'] }));
    const found = await viewer.request('GET', `/api/records/contacts?where=${where}`);
    assert.equal(found.statusCode, 200, found.body);
    for (const row of found.json().items) assert.notEqual(row._display.company, 'Secret Corp');
    // The admin still reads the name.
    const adminRead = await admin.request('GET', `/api/records/contacts/${contact.id}`);
    assert.equal(adminRead.json()._display.company, 'Secret Corp');
  }
  // A visible linked account keeps its name.
  const visible = await created(own, '/api/records/contacts', {
    firstName: 'Visible',
    lastName: 'Link',
    company: mine.id,
  });
  assert.equal(visible._display.company, 'Mine Ltd');
});

test('linking to an id the user cannot view answers exactly as linking to a missing one', async () => {
  const secret = await created(admin, '/api/records/accounts', { name: 'Other Corp' });
  for (const viewer of [own, noAccounts]) {
    const hidden = await viewer.request('POST', '/api/records/contacts', {
      firstName: 'A',
      lastName: 'B',
      company: secret.id,
    });
    const missing = await viewer.request('POST', '/api/records/contacts', {
      firstName: 'A',
      lastName: 'B',
      company: randomUUID(),
    });
    assert.equal(hidden.statusCode, 400, hidden.body);
    assert.equal(missing.statusCode, 400, missing.body);
    assert.deepEqual(hidden.json(), missing.json());
    // The same on update.
    const contact = await created(viewer, '/api/records/contacts', { firstName: 'C', lastName: 'D' });
    const patchHidden = await viewer.request('PATCH', `/api/records/contacts/${contact.id}`, {
      company: secret.id,
    });
    const patchMissing = await viewer.request('PATCH', `/api/records/contacts/${contact.id}`, {
      company: randomUUID(),
    });
    assert.equal(patchHidden.statusCode, 400, patchHidden.body);
    assert.deepEqual(patchHidden.json(), patchMissing.json());
  }
  // The admin may link it.
  const ok = await admin.request('POST', '/api/records/contacts', {
    firstName: 'A',
    lastName: 'B',
    company: secret.id,
  });
  assert.equal(ok.statusCode, 201, ok.body);
});
