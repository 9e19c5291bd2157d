import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

// Issue 18: small refusals and round trips — each of these answered wrongly before.
const { app, db } = await createTestApp();
const admin = await login(app);

test('routing criteria round-trip exactly: save, reload, save again', async () => {
  const criteria = {
    and: [
      { '==': [{ var: 'leadSource' }, 'Web'] },
      { in: [{ var: 'lastName' }, ['A', 'B']] },
    ],
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
