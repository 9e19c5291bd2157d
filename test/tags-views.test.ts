import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function create(url: string, body: unknown) {
  const response = await admin.request('POST', url, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

const eventsOf = async (recordId: string) =>
  (
    await db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('recordId', '=', recordId)
      .where('type', 'in', ['tag.added', 'tag.removed'])
      .orderBy('id')
      .execute()
  ).map((event) => `${event.type} ${(event.payload as { tag: string }).tag}`);

test('tags are added and removed on a record, each change an event and a changelog entry', async () => {
  const contact = await create('/api/records/contacts', { firstName: 'T', lastName: 'Agged' });
  const added = await admin.request('POST', `/api/records/contacts/${contact.id}/tags`, {
    tags: ['#vip', 'west'],
  });
  assert.equal(added.statusCode, 200, added.body);
  assert.deepEqual(added.json().tags, ['vip', 'west']);
  const again = await admin.request('POST', `/api/records/contacts/${contact.id}/tags`, { tags: ['vip'] });
  assert.deepEqual(again.json().tags, ['vip', 'west']);
  const removed = await admin.request('DELETE', `/api/records/contacts/${contact.id}/tags/west`);
  assert.deepEqual(removed.json().tags, ['vip']);
  assert.deepEqual(await eventsOf(contact.id), ['tag.added vip', 'tag.added west', 'tag.removed west']);
  const history = (await admin.request('GET', `/api/records/contacts/${contact.id}/changelog`)).json().items;
  assert.deepEqual(history[0].changes.tags, { before: ['vip', 'west'], after: ['vip'] });
  const tagged = encodeURIComponent(JSON.stringify({ in: ['vip', { var: 'tags' }] }));
  const list = await admin.request('GET', `/api/records/contacts?where=${tagged}`);
  assert.equal(list.statusCode, 200, list.body);
  assert.deepEqual(
    list.json().items.map((item: { id: string }) => item.id),
    [contact.id],
  );
});

test('the tag manager counts tags across modules and deletes one everywhere', async () => {
  const a = await create('/api/records/accounts', { name: 'A', tags: ['shared', 'solo'] });
  const b = await create('/api/records/opportunities', { name: 'B', tags: ['shared'] });
  const counts = (await admin.request('GET', '/api/tags')).json().items as { tag: string; count: number }[];
  assert.deepEqual(
    counts.filter((c) => c.tag === 'shared' || c.tag === 'solo'),
    [
      { tag: 'shared', count: 2 },
      { tag: 'solo', count: 1 },
    ],
  );
  const deleted = await admin.request('DELETE', '/api/tags/shared');
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.deepEqual(deleted.json(), { records: 2 });
  assert.deepEqual((await admin.request('GET', `/api/records/accounts/${a.id}`)).json().tags, ['solo']);
  assert.deepEqual((await admin.request('GET', `/api/records/opportunities/${b.id}`)).json().tags, []);
  assert.deepEqual(await eventsOf(b.id), ['tag.added shared', 'tag.removed shared']);
  assert.equal((await admin.request('DELETE', '/api/tags/shared')).statusCode, 404);
});

test('record views are logged per read, listed for admins and cleared', async () => {
  await create('/api/users', { username: 'viewer', password: 'viewer-password' });
  const viewer = await login(app, 'viewer', 'viewer-password');
  const account = await create('/api/records/accounts', { name: 'Watched' });
  assert.equal((await viewer.request('GET', `/api/records/accounts/${account.id}`)).statusCode, 200);
  await admin.request('GET', `/api/records/accounts/${account.id}`);
  const views = (await admin.request('GET', `/api/record-views?recordId=${account.id}`)).json().items;
  assert.deepEqual(
    views.map((v: { username: string }) => v.username),
    ['admin', 'viewer'],
  );
  const byViewer = (await admin.request('GET', `/api/record-views?userId=${viewer.userId}`)).json().items;
  assert.equal(byViewer.length, 1);
  assert.equal((await viewer.request('GET', '/api/record-views')).statusCode, 403);
  assert.equal((await viewer.request('DELETE', '/api/record-views')).statusCode, 403);
  const cleared = await admin.request('DELETE', '/api/record-views');
  assert.ok(cleared.json().cleared >= 2);
  assert.equal((await admin.request('GET', '/api/record-views')).json().items.length, 0);
  const viewed = await db
    .selectFrom('events')
    .select('actorId')
    .where('recordId', '=', account.id)
    .where('type', '=', 'record.viewed')
    .execute();
  assert.equal(viewed.length, 2, 'clearing the history leaves the outbox alone');
});
