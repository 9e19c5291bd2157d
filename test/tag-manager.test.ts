import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function create(module: string, body: unknown) {
  const response = await admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string };
}
const tagsOf = async (module: string, id: string) =>
  (await admin.request('GET', `/api/records/${module}/${id}`)).json().tags as string[];
const counts = async () =>
  Object.fromEntries(
    ((await admin.request('GET', '/api/tags')).json().items as { tag: string; count: number }[]).map((c) => [
      c.tag,
      c.count,
    ]),
  );
const tagEvents = async (recordId: string) =>
  (
    await db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('recordId', '=', recordId)
      .where('type', 'in', ['tag.added', 'tag.removed'])
      .orderBy('id')
      .execute()
  ).map((event) => `${event.type} ${(event.payload as { tag: string }).tag}`);

test('rename a tag everywhere; renaming onto a tag in use merges them', async () => {
  const a = await create('contacts', { firstName: 'A', lastName: 'A', tags: ['lead', 'hot'] });
  const b = await create('accounts', { name: 'B', tags: ['lead'] });
  const renamed = await admin.request('POST', '/api/tags/lead/rename', { to: 'prospect' });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.deepEqual(renamed.json(), { records: 2, merged: false });
  assert.deepEqual(await tagsOf('contacts', a.id), ['hot', 'prospect']);
  assert.deepEqual(await tagsOf('accounts', b.id), ['prospect']);
  assert.deepEqual(await tagEvents(b.id), ['tag.added lead', 'tag.removed lead', 'tag.added prospect']);
  const history = (await admin.request('GET', `/api/records/accounts/${b.id}/changelog`)).json().items;
  assert.deepEqual(history[0].changes.tags, { before: ['lead'], after: ['prospect'] });

  const merged = await admin.request('POST', '/api/tags/hot/rename', { to: '#prospect' });
  assert.deepEqual(merged.json(), { records: 1, merged: true });
  assert.deepEqual(await tagsOf('contacts', a.id), ['prospect'], 'one prospect, not two');
  assert.equal((await admin.request('POST', '/api/tags/nosuch/rename', { to: 'x' })).statusCode, 404);
  const empty = await admin.request('POST', '/api/tags/prospect/rename', { to: '#' });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error.details[0].field, 'to');
});

test('merge several tags into one, counted after', async () => {
  const c = await create('contacts', { firstName: 'C', lastName: 'C', tags: ['west', 'w'] });
  const d = await create('opportunities', { name: 'D', tags: ['west-coast'] });
  const merged = await admin.request('POST', '/api/tags/merge', {
    tags: ['w', 'west-coast', 'west'],
    into: 'west',
  });
  assert.equal(merged.statusCode, 200, merged.body);
  assert.deepEqual(merged.json(), { records: 2 });
  assert.deepEqual(await tagsOf('contacts', c.id), ['west']);
  assert.deepEqual(await tagsOf('opportunities', d.id), ['west']);
  const after = await counts();
  assert.equal(after.west, 2);
  assert.equal(after.w, undefined);
  const only = await admin.request('POST', '/api/tags/merge', { tags: ['west'], into: 'west' });
  assert.equal(only.statusCode, 400);
});

test('delete all needs the number of tags shown, and only admins manage tags', async () => {
  const user = await signedInUser(app, db, admin, 'plain-user');
  assert.equal((await user.request('POST', '/api/tags/west/rename', { to: 'x' })).statusCode, 403);
  assert.equal((await user.request('DELETE', '/api/tags?confirm=0')).statusCode, 403);
  const shown = Object.keys(await counts()).length;
  assert.ok(shown >= 2);
  const unconfirmed = await admin.request('DELETE', '/api/tags');
  assert.equal(unconfirmed.statusCode, 400);
  const stale = await admin.request('DELETE', `/api/tags?confirm=${shown + 1}`);
  assert.equal(stale.statusCode, 400);
  assert.match(stale.json().error.message, new RegExp(`There are ${shown} tags`));
  const deleted = await admin.request('DELETE', `/api/tags?confirm=${shown}`);
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal(deleted.json().tags, shown);
  assert.deepEqual(await counts(), {});
});
