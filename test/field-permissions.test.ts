import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

const everything = { view: 'all', create: 'all', update: 'all', delete: 'all' } as const;
const user = await signedInUser(app, db, admin, 'clerk', { '*': everything });
const roleId = (
  await db
    .selectFrom('userRoles')
    .innerJoin('users', 'users.id', 'userRoles.userId')
    .select('roleId')
    .where('users.username', '=', 'clerk')
    .executeTakeFirstOrThrow()
).roleId;

/** A value that must never reach the clerk, wherever it could leak. */
const secret = '555-0199-SECRET';

const rules = await admin.request('PUT', `/api/roles/${roleId}/field-permissions`, {
  rules: [
    { module: 'contacts', field: 'phone', access: 'hidden' },
    { module: 'contacts', field: 'leadSource', access: 'readOnly' },
  ],
});
assert.equal(rules.statusCode, 200, rules.body);

const created = await admin.request('POST', '/api/records/contacts', {
  firstName: 'Hidden',
  lastName: 'Phone',
  phone: secret,
  leadSource: 'Web',
  tags: ['watch'],
});
assert.equal(created.statusCode, 201, created.body);
const contact = created.json() as { id: string };
// A change to the hidden field, so that the changelog holds it.
await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { phone: `${secret}-2`, title: 'Boss' });

test('rules name real fields; admins only', async () => {
  const bad = await admin.request('PUT', `/api/roles/${roleId}/field-permissions`, {
    rules: [{ module: 'contacts', field: 'nosuch', access: 'hidden' }],
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, '/rules/0/field');
  assert.equal((await user.request('GET', `/api/roles/${roleId}/field-permissions`)).statusCode, 403);
  const read = await admin.request('GET', `/api/roles/${roleId}/field-permissions`);
  assert.deepEqual(read.json().items, [
    { module: 'contacts', field: 'leadSource', access: 'readOnly' },
    { module: 'contacts', field: 'phone', access: 'hidden' },
  ]);
});

test('a hidden field is absent from reads and lists; the admin still sees it', async () => {
  const one = (await user.request('GET', `/api/records/contacts/${contact.id}`)).json();
  assert.equal('phone' in one, false);
  assert.equal(one.leadSource, 'Web', 'read-only is still shown');
  const page = (await user.request('GET', '/api/records/contacts?columns=firstName,lastName')).json();
  assert.equal(page.items.length, 1);
  assert.equal(
    (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json().phone,
    `${secret}-2`,
  );
});

test('filtering, sorting, choosing or searching a hidden field is refused or finds nothing', async () => {
  const where = encodeURIComponent(JSON.stringify({ '==': [{ var: 'phone' }, `${secret}-2`] }));
  for (const query of [`where=${where}`, 'sort=phone', 'columns=firstName,phone', 'sort=-phone']) {
    const refused = await user.request('GET', `/api/records/contacts?${query}`);
    assert.equal(refused.statusCode, 400, `${query}: ${refused.body}`);
  }
  assert.equal((await user.request('GET', `/api/records/contacts/count?where=${where}`)).statusCode, 400);
  // Phone is searchable for the admin, not for the clerk.
  const search = `q=${encodeURIComponent('0199-SECRET')}`;
  assert.equal((await admin.request('GET', `/api/records/contacts?${search}`)).json().items.length, 1);
  assert.equal((await user.request('GET', `/api/records/contacts?${search}`)).json().items.length, 0);
});

test('hidden and read-only fields cannot be written, one by one or in bulk', async () => {
  for (const values of [{ phone: '1' }, { leadSource: 'Google' }]) {
    const refused = await user.request('PATCH', `/api/records/contacts/${contact.id}`, values);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.details[0].field, Object.keys(values)[0]);
  }
  const create = await user.request('POST', '/api/records/contacts', {
    firstName: 'N',
    lastName: 'N',
    leadSource: 'Web',
  });
  assert.equal(create.statusCode, 403);
  const bulk = await user.request('POST', '/api/records/contacts/bulk', {
    action: 'update',
    target: { ids: [contact.id] },
    values: { leadSource: 'Google' },
  });
  assert.equal(bulk.json().succeeded, 0, bulk.body);
  assert.equal(bulk.json().failed[0].error.code, 'WEFT_ERR_FORBIDDEN');
  const allowed = await user.request('PATCH', `/api/records/contacts/${contact.id}`, { title: 'Chief' });
  assert.equal(allowed.statusCode, 200, allowed.body);
  assert.equal('phone' in allowed.json(), false, 'the answer to a write is redacted too');
  const row = await db
    .selectFrom('changelog')
    .select('changes')
    .where('recordId', '=', contact.id)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  assert.deepEqual(Object.keys(row.changes as object), ['title']);
});

test('no GET route a clerk can reach answers the hidden value', async () => {
  const routes = app.registeredRoutes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method]).includes('GET') ? [route.url] : [],
  );
  const filled = [...new Set(routes)]
    .filter((url) => url.startsWith('/api/'))
    .map((url) =>
      url
        .replace(':module', 'contacts')
        .replace(':id', contact.id)
        .replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000'),
    );
  assert.ok(filled.includes(`/api/records/contacts/${contact.id}`));
  const leaks: string[] = [];
  let answered = 0;
  for (const url of filled) {
    for (const path of [
      url,
      `${url}${url.includes('?') ? '&' : '?'}recordId=${contact.id}&module=contacts`,
    ]) {
      const response = await user.request('GET', path);
      if (response.statusCode === 200) answered += 1;
      if (response.body.includes('0199-SECRET')) leaks.push(`${path} → ${response.statusCode}`);
    }
  }
  assert.deepEqual(leaks, []);
  assert.ok(answered > 10, `only ${answered} routes answered: the walk is not reaching them`);
  // The export (a stream) and the record's changelog, explicitly.
  const csv = await user.request('GET', '/api/exports/contacts');
  assert.equal(csv.statusCode, 200, csv.body);
  assert.ok(!csv.body.includes('0199-SECRET'));
  assert.ok(!csv.body.split('\n')[0]?.includes('phone'));
  const history = (await user.request('GET', `/api/records/contacts/${contact.id}/changelog`)).json().items;
  assert.ok(history.length >= 2);
  assert.ok(!JSON.stringify(history).includes('phone'));
});

test('forms draw the module as the clerk may use it: hidden fields absent, read-only ones marked', async () => {
  const module = (await user.request('GET', '/api/modules/contacts')).json() as {
    fields: { name: string; readOnly: boolean }[];
  };
  assert.equal(
    module.fields.some((field) => field.name === 'phone'),
    false,
  );
  assert.equal(module.fields.find((field) => field.name === 'leadSource')?.readOnly, true);
  assert.equal(module.fields.find((field) => field.name === 'title')?.readOnly, false);
  const all = (await admin.request('GET', '/api/modules/contacts')).json() as { fields: { name: string }[] };
  assert.ok(all.fields.some((field) => field.name === 'phone'));
});

test('an import offers no hidden or read-only field to map to', async () => {
  const { csvOf } = await import('./helpers/imports.ts');
  const file = csvOf([
    ['firstName', 'lastName', 'phone', 'leadSource'],
    ['Ida', 'Import', '1234', 'Web'],
  ]);
  // The same targets decide which mapping a started import accepts (checkMapping).
  const mine = await user.request('POST', '/api/imports/preview?module=contacts', file, {
    'content-type': 'text/csv',
  });
  assert.equal(mine.statusCode, 200, mine.body);
  const fields = (mine.json().fields as { name: string }[]).map((field) => field.name);
  assert.ok(fields.includes('firstName'));
  assert.ok(!fields.includes('phone') && !fields.includes('leadSource'));
  assert.equal(mine.json().mapping.phone ?? null, null);
  const admins = await admin.request('POST', '/api/imports/preview?module=contacts', file, {
    'content-type': 'text/csv',
  });
  assert.equal(admins.json().mapping.phone, 'phone');
});
