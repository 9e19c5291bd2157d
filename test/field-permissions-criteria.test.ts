/**
 * Field-level permissions where criteria and flows meet them: a user may not filter or sort on
 * a field hidden from their roles (list, count, bulk, a dynamic list's criteria, a shared
 * list's members) — a 400 naming the parameter and the field — and a flow's feed post about a
 * record does not carry a hidden field's value to anyone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db, admin, publish, runOn, create } = await engineTestApp();
const clerk = await signedInUser(app, db, admin, 'clerk', {
  '*': { view: 'all', create: 'all', update: 'all', delete: 'all' },
});
const roleId = (
  await db
    .selectFrom('userRoles')
    .innerJoin('users', 'users.id', 'userRoles.userId')
    .select('roleId')
    .where('users.username', '=', 'clerk')
    .executeTakeFirstOrThrow()
).roleId;
const rules = await admin.request('PUT', `/api/roles/${roleId}/field-permissions`, {
  rules: [{ module: 'contacts', field: 'phone', access: 'hidden' }],
});
assert.equal(rules.statusCode, 200, rules.body);
const secret = '555-0142-HIDDEN';
const contact = await create('contacts', { firstName: 'Vera', lastName: 'Secret', phone: secret });

const onPhone = { '==': [{ var: 'phone' }, secret] };
const encoded = encodeURIComponent(JSON.stringify(onPhone));

function refusedNaming(
  response: { statusCode: number; body: string; json: () => { error: { details: unknown } } },
  field: string,
) {
  assert.equal(response.statusCode, 400, response.body);
  const details = response.json().error.details as { field: string; reason: string }[];
  assert.ok(
    details.some((d) => d.field === field && /"phone"/.test(d.reason) && /hidden/.test(d.reason)),
    response.body,
  );
}

test('filtering or sorting records on a hidden field is a 400 naming the field', async () => {
  refusedNaming(await clerk.request('GET', `/api/records/contacts?where=${encoded}`), 'where');
  refusedNaming(await clerk.request('GET', '/api/records/contacts?sort=-phone'), 'sort');
  refusedNaming(await clerk.request('GET', '/api/records/contacts?sort=lastName,phone'), 'sort');
  refusedNaming(await clerk.request('GET', `/api/records/contacts/count?where=${encoded}`), 'where');
  const nested = encodeURIComponent(
    JSON.stringify({
      and: [{ '!=': [{ var: 'firstName' }, 'x'] }, { in: ['0142', { var: ['phone', ''] }] }],
    }),
  );
  refusedNaming(await clerk.request('GET', `/api/records/contacts?where=${nested}`), 'where');
  refusedNaming(
    await clerk.request('POST', '/api/records/contacts/bulk', {
      action: 'addTags',
      target: { where: onPhone },
      tags: ['found'],
    }),
    '/target/where',
  );
  // The admin may; a visible field is fine for the clerk.
  assert.equal((await admin.request('GET', `/api/records/contacts?where=${encoded}`)).json().items.length, 1);
  assert.equal((await clerk.request('GET', '/api/records/contacts?sort=-lastName')).statusCode, 200);
});

test("a dynamic list's criteria may not read a hidden field; a shared one that does is refused to the clerk", async () => {
  refusedNaming(
    await clerk.request('POST', '/api/lists', {
      module: 'contacts',
      name: 'Phones',
      kind: 'dynamic',
      criteria: onPhone,
    }),
    'criteria',
  );
  const mine = await clerk.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Veras',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'firstName' }, 'Vera'] },
  });
  assert.equal(mine.statusCode, 201, mine.body);
  refusedNaming(
    await clerk.request('PATCH', `/api/lists/${mine.json().id}`, { criteria: onPhone }),
    'criteria',
  );
  refusedNaming(await clerk.request('GET', `/api/lists/${mine.json().id}/records?sort=phone`), 'sort');

  const shared = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'By phone',
    kind: 'dynamic',
    visibility: 'public',
    criteria: onPhone,
  });
  assert.equal(shared.statusCode, 201, shared.body);
  assert.equal((await admin.request('GET', `/api/lists/${shared.json().id}/records`)).json().items.length, 1);
  refusedNaming(await clerk.request('GET', `/api/lists/${shared.json().id}/records`), 'criteria');
});

test("a flow's feed post about a record masks a hidden field's value for every reader", async () => {
  const flowId = await publish(
    straightFlow('Phone post', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['post', 'feed.post', { text: 'Call {{record.firstName}} on {{record.phone}}', author: 'owner' }],
    ]),
  );
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const stored = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('recordId', '=', String(contact.id))
    .where('text', 'like', 'Call %')
    .executeTakeFirstOrThrow();
  assert.equal(stored.text, 'Call Vera on •••');
  for (const reader of [clerk, admin]) {
    const feed = await reader.request('GET', `/api/feed?module=contacts&recordId=${contact.id}&limit=50`);
    assert.equal(feed.statusCode, 200, feed.body);
    assert.ok(!feed.body.includes(secret));
    assert.ok(feed.body.includes('Call Vera on •••'));
  }
});
