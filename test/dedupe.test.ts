import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function create(module: string, body: Record<string, unknown>) {
  const response = await admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string } & Record<string, unknown>;
}
const get = async (module: string, id: string) => admin.request('GET', `/api/records/${module}/${id}`);

const jonathan = await create('contacts', {
  firstName: 'Jonathan',
  lastName: 'Smith',
  email: 'js@example.test',
  phone: '+1 (555) 010-2000',
  title: 'CTO',
});
const jonathon = await create('contacts', {
  firstName: 'Jonathon',
  lastName: 'Smith',
  email: 'JS@Example.test',
  title: 'Chief Technology Officer',
  tags: ['imported'],
});
const smyth = await create('contacts', { firstName: 'Jon', lastName: 'Smyth', phone: '555.010.2000' });
const other = await create('contacts', {
  firstName: 'Zed',
  lastName: 'Otherwise',
  email: 'zed@example.test',
});

test('duplicates by exact email, by phone digits, and by similar names; admins only', async () => {
  const groups = async (query: string) => {
    const response = await admin.request('GET', `/api/dedupe/duplicates?module=contacts&${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return (response.json().items as { rules: string[]; records: { id: string }[] }[]).map((group) => ({
      rules: group.rules,
      ids: group.records.map((record) => record.id).sort(),
    }));
  };
  assert.deepEqual(await groups('rules=email'), [
    { rules: ['email'], ids: [jonathan.id, jonathon.id].sort() },
  ]);
  assert.deepEqual(await groups('rules=phone'), [{ rules: ['phone'], ids: [jonathan.id, smyth.id].sort() }]);
  const byName = await groups('rules=name&threshold=0.5');
  assert.equal(byName.length, 1);
  assert.ok(byName[0]?.ids.includes(jonathan.id) && byName[0]?.ids.includes(jonathon.id));
  assert.ok(!byName[0]?.ids.includes(other.id));
  // All rules: one group of the three Smiths (linked through email and phone), not Zed.
  const all = await groups('rules=email,phone,name');
  assert.deepEqual(
    all.map((group) => group.ids),
    [[jonathan.id, jonathon.id, smyth.id].sort()],
  );
  assert.equal(
    (await admin.request('GET', '/api/dedupe/duplicates?module=contacts&rules=fax')).statusCode,
    400,
  );
  const user = await signedInUser(app, db, admin, 'not-an-admin');
  assert.equal((await user.request('GET', '/api/dedupe/duplicates?module=contacts')).statusCode, 403);
});

test('merge moves tasks, cases, feed posts and list memberships to the survivor; revert restores every one', async () => {
  const task = await create('tasks', {
    subject: 'Call Jonathon',
    associationType: 'contacts',
    associationId: jonathon.id,
  });
  const kase = await create('cases', { name: 'Broken login', contactId: jonathon.id });
  const post = await admin.request('POST', '/api/feed', {
    text: 'Met Jonathon',
    module: 'contacts',
    recordId: jonathon.id,
  });
  assert.equal(post.statusCode, 201, post.body);
  const postId = post.json().id as string;
  const comment = await admin.request('POST', `/api/feed/${postId}/comments`, { text: 'Nice' });
  assert.equal(comment.statusCode, 201, comment.body);
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Tech leads',
    kind: 'static',
  });
  const listId = list.json().id as string;
  assert.equal(
    (await admin.request('POST', `/api/lists/${listId}/members`, { recordIds: [jonathon.id] })).statusCode <
      300,
    true,
  );

  const refused = await admin.request('POST', '/api/dedupe/merges', {
    module: 'contacts',
    survivorId: jonathan.id,
    mergedIds: [jonathon.id],
    choices: { title: other.id },
  });
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().error.details[0].field, '/choices/title');

  // The post above and the posts Weft wrote about the record itself ("Contact … created", issue 20).
  const postsAbout = (
    await db.selectFrom('feedPosts').select('id').where('recordId', '=', jonathon.id).execute()
  ).length;
  assert.ok(postsAbout >= 1);
  const merged = await admin.request('POST', '/api/dedupe/merges', {
    module: 'contacts',
    survivorId: jonathan.id,
    mergedIds: [jonathon.id],
    choices: { title: jonathon.id, tags: jonathon.id },
  });
  assert.equal(merged.statusCode, 201, merged.body);
  assert.deepEqual(merged.json().moved, { feedPosts: postsAbout, listMembers: 1, links: 2, processes: 0 });
  const mergeId = merged.json().mergeId as string;

  assert.equal((await get('contacts', jonathon.id)).statusCode, 404);
  const survivor = (await get('contacts', jonathan.id)).json();
  assert.equal(survivor.title, 'Chief Technology Officer');
  assert.deepEqual(survivor.tags, ['imported']);
  assert.equal(survivor.email, 'js@example.test', 'fields not chosen keep the survivor’s value');
  assert.equal((await get('tasks', task.id)).json().associationId, jonathan.id);
  assert.equal((await get('cases', kase.id)).json().contactId, jonathan.id);
  const postAfter = await db
    .selectFrom('feedPosts')
    .select('recordId')
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
  assert.equal(postAfter.recordId, jonathan.id);
  const members = async () =>
    (await db.selectFrom('listMembers').select('recordId').where('listId', '=', listId).execute())
      .map((m) => m.recordId)
      .sort();
  assert.deepEqual(await members(), [jonathan.id]);

  const log = (await admin.request('GET', '/api/dedupe/merges?module=contacts')).json().items;
  assert.equal(log.length, 1);
  assert.equal(log[0].mergedBy, 'admin');

  const reverted = await admin.request('POST', `/api/dedupe/merges/${mergeId}/revert`);
  assert.equal(reverted.statusCode, 200, reverted.body);
  const back = (await get('contacts', jonathon.id)).json();
  assert.equal(back.firstName, 'Jonathon');
  assert.equal(back.title, 'Chief Technology Officer');
  assert.deepEqual(back.tags, ['imported']);
  const restored = (await get('contacts', jonathan.id)).json();
  assert.equal(restored.title, 'CTO');
  assert.deepEqual(restored.tags, []);
  assert.equal((await get('tasks', task.id)).json().associationId, jonathon.id);
  assert.equal((await get('cases', kase.id)).json().contactId, jonathon.id);
  const postBack = await db
    .selectFrom('feedPosts')
    .select('recordId')
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
  assert.equal(postBack.recordId, jonathon.id);
  assert.equal(
    (await db.selectFrom('feedComments').select('id').where('postId', '=', postId).execute()).length,
    1,
  );
  assert.deepEqual(await members(), [jonathon.id]);
  const again = await admin.request('POST', `/api/dedupe/merges/${mergeId}/revert`);
  assert.equal(again.statusCode, 409);
});

test('locate missing records: assigned to nobody or to a user who is gone', async () => {
  const orphan = await create('contacts', { firstName: 'No', lastName: 'Owner', assignedTo: null });
  const response = await admin.request('GET', '/api/dedupe/missing-records?module=contacts');
  assert.equal(response.statusCode, 200, response.body);
  const items = response.json().items as { id: string; reason: string }[];
  assert.deepEqual(
    items.map((item) => [item.id, item.reason]),
    [[orphan.id, 'assigned to nobody']],
  );
});
