import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { login, type Session } from './helpers/app.ts';
import { engineTestApp, straightFlow } from './helpers/engine.ts';

// Issue 18, scoping: every place that resolves an id a caller gives must check the caller may
// see what it names. A record the caller may not view answers exactly as a record that does
// not exist (the same status and body, the id aside): no name, no existence, no effect.
// With the engine's workers, as deployed: a macro run enqueues its steps.
const { app, db, admin } = await engineTestApp();

async function created(session: Session, url: string, body: unknown) {
  const response = await session.request('POST', url, body);
  assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
  return response.json();
}

const role = await admin.request('POST', '/api/roles', {
  name: 'own-records',
  permissions: {
    contacts: { view: 'own', create: 'own', update: 'own', delete: 'none' },
    accounts: { view: 'own', create: 'own', update: 'own', delete: 'none' },
  },
});
assert.equal(role.statusCode, 201, role.body);
const roleId = role.json().id as string;
const user = await (async () => {
  const made = await admin.request('POST', '/api/users', {
    username: 'scoped',
    password: 'scoped-password-123',
    roleIds: [roleId],
  });
  assert.equal(made.statusCode, 201, made.body);
  return login(app, 'scoped', 'scoped-password-123');
})();

// What the user may not see: an account of the admin's. What the user owns: an account and a contact.
const hidden = (await created(admin, '/api/records/accounts', { name: 'Hidden Corp' })).id as string;
const mine = (await created(user, '/api/records/accounts', { name: 'Mine Ltd' })).id as string;
const list = (await created(user, '/api/lists', { module: 'accounts', name: 'Mine', kind: 'static' }))
  .id as string;
const process = (
  await created(admin, '/api/processes', {
    name: 'Accounts pipeline',
    modules: ['accounts'],
    stages: [
      { id: 'new', name: 'New' },
      { id: 'won', name: 'Won' },
    ],
  })
).id as string;
const macro = (
  await created(admin, '/api/flows', {
    name: 'Tag',
    definition: straightFlow(
      'Tag',
      { type: 'trigger.macro', params: { module: 'accounts', roles: [roleId] } },
      [['tag', 'record.tags', { action: 'add', tags: ['hot'] }]],
    ),
  })
).id as string;
assert.equal((await admin.request('POST', `/api/flows/${macro}/publish`)).statusCode, 200);
assert.equal((await admin.request('POST', `/api/flows/${macro}/activate`)).statusCode, 200);

// Things of other kinds the caller may not see: a list on a module its role cannot view, a
// feed post about the hidden record; and their counterparts it may see. (Process definitions
// are listed to every user by design; their boards refuse a module the role cannot view with
// 403, which names nothing the list does not show.)
const hiddenList = (
  await created(admin, '/api/lists', { module: 'opportunities', name: 'Deals', kind: 'static' })
).id as string;
const hiddenPost = (
  await created(admin, '/api/feed', { text: 'Secret deal', module: 'accounts', recordId: hidden })
).id as string;
const ownPost = (await created(user, '/api/feed', { text: 'Mine', module: 'accounts', recordId: mine }))
  .id as string;

interface Place {
  name: string;
  method: string;
  url: (id: string) => string;
  body?: (id: string) => unknown;
  /** What the caller may not see, and its own counterpart (default: the hidden and the own account). */
  hidden?: string;
  own?: string;
}

/** Every place that takes a record id from the caller (in the path, a query or a body). */
const places: Place[] = [
  { name: 'record read', method: 'GET', url: (id) => `/api/records/accounts/${id}` },
  {
    name: 'record update',
    method: 'PATCH',
    url: (id) => `/api/records/accounts/${id}`,
    body: () => ({ name: 'X' }),
  },
  { name: 'record history', method: 'GET', url: (id) => `/api/records/accounts/${id}/changelog` },
  {
    name: 'tagging a record',
    method: 'POST',
    url: (id) => `/api/records/accounts/${id}/tags`,
    body: () => ({ tags: ['leak'] }),
  },
  { name: 'a record’s processes', method: 'GET', url: (id) => `/api/records/accounts/${id}/processes` },
  {
    name: 'a record’s captured emails',
    method: 'GET',
    url: (id) => `/api/inbound-mail/records/accounts/${id}/emails`,
  },
  {
    name: 'a record’s campaign emails',
    method: 'GET',
    url: (id) => `/api/marketing/records/accounts/${id}/emails`,
  },
  {
    name: 'a feed post on a record',
    method: 'POST',
    url: () => '/api/feed',
    body: (id) => ({ text: 'about it', module: 'accounts', recordId: id }),
  },
  { name: 'a record’s feed', method: 'GET', url: (id) => `/api/feed?module=accounts&recordId=${id}` },
  {
    name: 'adding a record to a list',
    method: 'POST',
    url: () => `/api/lists/${list}/members`,
    body: (id) => ({ recordIds: [id] }),
  },
  {
    name: 'a record in a process',
    method: 'GET',
    url: (id) => `/api/processes/${process}/records/${id}?module=accounts`,
  },
  {
    name: 'starting a stage on a record',
    method: 'POST',
    url: (id) => `/api/processes/${process}/records/${id}/stages`,
    body: () => ({ module: 'accounts', stageId: 'new', action: 'start' }),
  },
  {
    name: 'moving a record in a process',
    method: 'POST',
    url: (id) => `/api/processes/${process}/records/${id}/move`,
    body: () => ({ module: 'accounts', toStageId: 'won' }),
  },
  {
    name: 'running a macro on a record',
    method: 'POST',
    url: () => `/api/macros/${macro}/run`,
    body: (id) => ({ recordIds: [id] }),
  },
  {
    name: 'bulk update of records',
    method: 'POST',
    url: () => '/api/records/accounts/bulk',
    body: (id) => ({ action: 'addTags', target: { ids: [id] }, tags: ['bulk'] }),
  },
  {
    name: 'a list on a module the caller may not view',
    method: 'GET',
    url: (id) => `/api/lists/${id}`,
    hidden: hiddenList,
    own: list,
  },
  {
    name: 'the records of such a list',
    method: 'GET',
    url: (id) => `/api/lists/${id}/records`,
    hidden: hiddenList,
    own: list,
  },
  {
    name: 'a feed post about a hidden record',
    method: 'GET',
    url: (id) => `/api/feed/${id}`,
    hidden: hiddenPost,
    own: ownPost,
  },
  {
    name: 'commenting on such a post',
    method: 'POST',
    url: (id) => `/api/feed/${id}/comments`,
    body: () => ({ text: 'leak?' }),
    hidden: hiddenPost,
    own: ownPost,
  },
];

/** The answer with the id itself taken out, so a hidden and a missing id compare. */
const shape = (reply: { statusCode: number; body: string }, id: string) => ({
  status: reply.statusCode,
  body: reply.body.replaceAll(id, '<id>'),
});

for (const place of places) {
  test(`${place.name}: a record the caller may not view answers as a missing one`, async () => {
    const ask = (id: string) =>
      user.request(place.method, place.url(id), place.body ? (place.body(id) as object) : undefined);
    const missing = randomUUID();
    const secret = place.hidden ?? hidden;
    const onHidden = shape(await ask(secret), secret);
    const onMissing = shape(await ask(missing), missing);
    assert.ok(onHidden.status < 500, `${onHidden.status} ${onHidden.body}`);
    assert.deepEqual(onHidden, onMissing, 'hidden and missing answer alike');
    assert.ok(!onHidden.body.includes('Hidden Corp'), 'the name does not leak');
    // The place works at all: on the caller's own record it answers 2xx (so the refusal is the scope's).
    const onMine = await ask(place.own ?? mine);
    assert.ok(onMine.statusCode < 300, `on an own record: ${onMine.statusCode} ${onMine.body}`);
  });
}

test('nothing was written on the hidden record', async () => {
  const read = await admin.request('GET', `/api/records/accounts/${hidden}`);
  assert.equal(read.json().name, 'Hidden Corp');
  assert.deepEqual(read.json().tags ?? [], [], 'no tag was added');
  const lists = await db
    .selectFrom('listMembers')
    .select('recordId')
    .where('recordId', '=', hidden)
    .execute();
  assert.deepEqual(lists, [], 'not added to a list');
});
