import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { purgeExpiredPosts } from '../server/collaboration/feed.ts';
import { notify } from '../server/collaboration/notifications.ts';
import { postSystemEvent } from '../server/collaboration/system-posts.ts';
import { SettingsService } from '../server/platform/settings.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

/** Issue 20: the posts Weft writes by itself, their switches and retention, and notifications copied to the feed. */

const { app, db } = await createTestApp();
const admin = await login(app);
const alice = await signedInUser(app, db, admin, 'alice');
// Sees tasks and accounts, not contacts.
const dave = await signedInUser(app, db, admin, 'dave', { '*': { view: 'all' }, contacts: { view: 'none' } });

interface Post {
  id: string;
  type: string;
  text: string;
  authorId: string | null;
  module: string | null;
  recordId: string | null;
  targetUserId: string | null;
  visibility: string;
}

async function posts(as: Session, query: string): Promise<Post[]> {
  const response = await as.request('GET', `/api/feed?limit=200&${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: Post[] }>().items;
}

async function create(module: string, body: Record<string, unknown>): Promise<string> {
  const response = await admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

const settings = (patch: Record<string, unknown>) =>
  admin.request('PATCH', '/api/settings', patch).then((response) => {
    assert.equal(response.statusCode, 200, response.body);
  });

test('a record created, updated (naming the fields) and deleted tells the feed, on the record and by its author', async () => {
  const last = `Lovelace-${randomUUID().slice(0, 8)}`;
  const id = await create('contacts', { firstName: 'Ada', lastName: last, assignedTo: alice.userId });
  const update = await admin.request('PATCH', `/api/records/contacts/${id}`, {
    leadSource: 'Web',
    title: 'CTO',
  });
  assert.equal(update.statusCode, 200, update.body);
  // A write that changes nothing is no write, and no post.
  await admin.request('PATCH', `/api/records/contacts/${id}`, { title: 'CTO' });

  const onRecord = await posts(admin, `module=contacts&recordId=${id}`);
  assert.deepEqual(
    onRecord.map((post) => [post.type, post.text, post.authorId]),
    [
      ['record-updated', `Contact “Ada ${last}” updated: Title, Lead Source`, admin.userId],
      ['record-created', `Contact “Ada ${last}” created`, admin.userId],
    ],
  );
  // The feed's type filter covers them; a user who may not view contacts sees none of them.
  const created = await posts(admin, 'types=record-created');
  assert.ok(created.some((post) => post.recordId === id));
  assert.equal(
    (await posts(dave, 'types=record-created&types=record-updated')).filter((p) => p.recordId === id).length,
    0,
  );

  assert.equal((await admin.request('DELETE', `/api/records/contacts/${id}`)).statusCode, 204);
  const deleted = (await posts(admin, 'types=record-deleted')).find((post) => post.text.includes(last));
  assert.ok(deleted, 'a record-deleted post');
  // It outlives the record, so it is about no record: private to its author, the assignee and admins.
  assert.deepEqual(
    [deleted.module, deleted.recordId, deleted.visibility, deleted.targetUserId],
    [null, null, 'private', alice.userId],
  );
  assert.ok((await posts(alice, 'types=record-deleted')).some((post) => post.id === deleted.id));
  assert.ok(!(await posts(dave, 'types=record-deleted')).some((post) => post.id === deleted.id));
});

test('a task turned complete is a task-completed post, not an update', async () => {
  const id = await create('tasks', { subject: 'Call Ada back' });
  await admin.request('PATCH', `/api/records/tasks/${id}`, { complete: true });
  assert.deepEqual(
    (await posts(admin, `module=tasks&recordId=${id}`)).map((post) => [post.type, post.text]),
    [
      ['task-completed', 'Task “Call Ada back” completed'],
      ['record-created', 'Task “Call Ada back” created'],
    ],
  );
  // Dave may view tasks: he sees it.
  assert.ok((await posts(dave, 'types=task-completed')).some((post) => post.recordId === id));
});

test('each type is switched off by an administrator, from the next write on', async () => {
  await settings({ feedSystemPosts: { 'record-updated': false, 'record-created': false } });
  const id = await create('accounts', { name: `Quiet ${randomUUID()}` });
  await admin.request('PATCH', `/api/records/accounts/${id}`, { website: 'https://example.org' });
  assert.deepEqual(await posts(admin, `module=accounts&recordId=${id}`), []);
  await settings({ feedSystemPosts: { 'record-created': false } });
  await admin.request('PATCH', `/api/records/accounts/${id}`, { website: 'https://example.com' });
  assert.deepEqual(
    (await posts(admin, `module=accounts&recordId=${id}`)).map((post) => post.type),
    ['record-updated'],
  );
  const refused = await admin.request('PATCH', '/api/settings', { feedSystemPosts: { post: false } });
  assert.equal(refused.statusCode, 400, 'people’s own posts are not a system type');
  await settings({ feedSystemPosts: {} });
});

test('postSystemEvent: other features post typed system posts (web lead, process stage), unless switched off', async () => {
  const id = await create('contacts', { firstName: 'Web', lastName: 'Lead' });
  const lead = await postSystemEvent(db, {
    type: 'web-lead',
    text: 'New web lead from the Contact us form',
    module: 'contacts',
    recordId: id,
  });
  assert.equal(lead?.type, 'web-lead');
  await settings({ feedSystemPosts: { process: false } });
  assert.equal(
    await postSystemEvent(db, {
      type: 'process',
      text: 'Stage done',
      module: 'contacts',
      recordId: id,
    }),
    null,
  );
  await settings({ feedSystemPosts: {} });
  const stage = await postSystemEvent(db, {
    type: 'process',
    text: 'Sales: stage 2 “Qualified” completed',
    actorId: alice.userId,
    module: 'contacts',
    recordId: id,
  });
  assert.deepEqual(
    (await posts(admin, `module=contacts&recordId=${id}&types=web-lead&types=process`)).map((p) => [
      p.type,
      p.authorId,
    ]),
    [
      ['process', alice.userId],
      ['web-lead', null],
    ],
  );
  assert.ok(stage);
});

test('retention by type applies to system posts', async () => {
  const marker = randomUUID();
  const keep = await create('accounts', { name: `Kept ${marker}` });
  const old = await create('accounts', { name: `Old ${marker}` });
  await sql`update feed_posts set created_at = now() - interval '10 days'
    where record_id = ${old}::uuid or record_id = ${keep}::uuid`.execute(db);
  await sql`update feed_posts set created_at = now() where record_id = ${keep}::uuid`.execute(db);
  await settings({ feedRetentionDaysByType: { 'record-created': 5 } });
  assert.ok((await purgeExpiredPosts(db, app.settings)) >= 1);
  assert.deepEqual(
    (await posts(admin, `q=${marker}`)).map((post) => post.text),
    [`Account “Kept ${marker}” created`],
  );
  await settings({ feedRetentionDaysByType: {} });
});

test('a setting changed by another process applies at once (settings token, no cache of seconds)', async () => {
  const other = new SettingsService(db);
  assert.equal((await app.settings.get()).flowChainDepth, 5);
  await other.update(db, { flowChainDepth: 2 });
  assert.equal((await app.settings.get()).flowChainDepth, 2);
  // A direct write, as another process's transaction commits it.
  await sql`update settings set value = '7'::jsonb where key = 'flowChainDepth'`.execute(db);
  assert.equal((await app.settings.get()).flowChainDepth, 7);
  await sql`delete from settings where key = 'flowChainDepth'`.execute(db);
  assert.equal((await app.settings.get()).flowChainDepth, 5);
});

test('a notification is also posted, privately, on its recipient’s feed; clearing it keeps the post', async () => {
  const text = `You have a visitor ${randomUUID()}`;
  const notification = await notify(db, { userId: alice.userId, type: 'custom', text });
  assert.ok(notification.postId, 'copied to the feed');
  const copy = (await posts(alice, 'types=notification')).find((post) => post.text === text);
  assert.deepEqual(
    [copy?.id, copy?.visibility, copy?.targetUserId],
    [notification.postId, 'private', alice.userId],
  );
  // Private: not on dave's feed.
  assert.ok(!(await posts(dave, 'types=notification')).some((post) => post.text === text));
  assert.equal((await alice.request('DELETE', `/api/notifications/${notification.id}`)).statusCode, 204);
  assert.ok((await posts(alice, 'types=notification')).some((post) => post.text === text));
});

test('a user may turn the feed copy of their notifications off; an admin may turn it off for everyone', async () => {
  assert.deepEqual((await alice.request('GET', '/api/notifications/preferences')).json(), {
    postToFeed: true,
    assignments: true,
  });
  const bad = await alice.request('PATCH', '/api/notifications/preferences', { postToFeed: 'no' });
  assert.equal(bad.statusCode, 400);
  const off = await alice.request('PATCH', '/api/notifications/preferences', { postToFeed: false });
  assert.deepEqual(off.json(), { postToFeed: false, assignments: true });
  const quiet = await notify(db, { userId: alice.userId, type: 'custom', text: 'not on my feed' });
  assert.equal(quiet.postId, null);
  await alice.request('PATCH', '/api/notifications/preferences', { postToFeed: true });

  await settings({ feedSystemPosts: { notification: false } });
  assert.equal(
    (await notify(db, { userId: alice.userId, type: 'custom', text: 'nobody copies' })).postId,
    null,
  );
  await settings({ feedSystemPosts: {} });
  // Dave's preferences are his own.
  assert.equal((await dave.request('GET', '/api/notifications/preferences')).json().postToFeed, true);
  await alice.request('DELETE', '/api/notifications');
});

test('the feed filters by a user’s own feed (written by them or on their feed) and by a date range', async () => {
  const marker = randomUUID();
  const own = await alice.request('POST', '/api/feed', { text: `${marker} by alice` });
  assert.equal(own.statusCode, 201, own.body);
  await admin.request('POST', '/api/feed', { text: `${marker} on alice's feed`, targetUserId: alice.userId });
  await admin.request('POST', '/api/feed', { text: `${marker} elsewhere` });
  assert.deepEqual(
    (await posts(admin, `userId=${alice.userId}&q=${marker}`)).map((post) => post.text).sort(),
    [`${marker} by alice`, `${marker} on alice's feed`],
  );
  await sql`update feed_posts set created_at = '2020-01-02T00:00:00Z' where text = ${`${marker} elsewhere`}`.execute(
    db,
  );
  const range = (from: string, to: string) =>
    posts(admin, `q=${marker}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  assert.deepEqual(
    (await range('2020-01-01T00:00:00Z', '2020-01-03T00:00:00Z')).map((post) => post.text),
    [`${marker} elsewhere`],
  );
  assert.equal((await range('2020-01-03T00:00:00Z', '2999-01-01T00:00:00Z')).length, 2);
  const bad = await admin.request('GET', '/api/feed?from=yesterday');
  assert.equal(bad.statusCode, 400);
});

test('profile: my login locations, each address with its rough place, newest first', async () => {
  await db
    .insertInto('loginHistory')
    .values([
      { username: 'alice', userId: alice.userId, success: true, ip: '8.8.4.4', userAgent: 'x' },
      { username: 'alice', userId: alice.userId, success: true, ip: '10.1.2.3', userAgent: 'x' },
      { username: 'alice', userId: alice.userId, success: false, ip: '9.9.9.9', userAgent: 'x' },
    ])
    .execute();
  const response = await alice.request('GET', '/api/me/login-locations');
  assert.equal(response.statusCode, 200, response.body);
  const items = response.json<{ items: { ip: string; place: string; signIns: number }[] }>().items;
  const byIp = Object.fromEntries(items.map((item) => [item.ip, item.place]));
  assert.equal(byIp['8.8.4.4'], 'Internet');
  assert.equal(byIp['10.1.2.3'], 'Local network');
  assert.equal(byIp['9.9.9.9'], undefined, 'failed attempts are not where I signed in');
  // Only my own: dave's list does not hold alice's addresses.
  const daves = (await dave.request('GET', '/api/me/login-locations')).json<{ items: { ip: string }[] }>()
    .items;
  assert.ok(!daves.some((item) => item.ip === '8.8.4.4'));
});

test("a user's login locations: to administrators and to themselves only", async () => {
  assert.equal((await admin.request('GET', `/api/users/${alice.userId}/login-locations`)).statusCode, 200);
  assert.equal((await alice.request('GET', `/api/users/${alice.userId}/login-locations`)).statusCode, 200);
  const refused = await dave.request('GET', `/api/users/${alice.userId}/login-locations`);
  assert.equal(refused.statusCode, 403);
  const missing = await admin.request('GET', `/api/users/${randomUUID()}/login-locations`);
  assert.equal(missing.statusCode, 404);
});
