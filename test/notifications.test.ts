import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { notify } from '../server/collaboration/notifications.ts';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const alice = await signedInUser(app, db, admin, 'alice');
const bob = await signedInUser(app, db, admin, 'bob');

interface Notification {
  id: string;
  text: string;
  read: boolean;
  postId: string | null;
  module: string | null;
  recordId: string | null;
}

const unread = async (as: typeof alice) =>
  (await as.request('GET', '/api/notifications/unread-count')).json<{ unreadCount: number }>().unreadCount;
const list = async (as: typeof alice, query = '') =>
  (await as.request('GET', `/api/notifications${query}`)).json<{ items: Notification[] }>().items;

test('a user sees, reads and clears only their own notifications', async () => {
  const recordId = randomUUID();
  const forAlice = await notify(db, {
    userId: alice.userId,
    type: 'assignment',
    text: 'A contact was assigned to you',
    module: 'contacts',
    recordId,
  });
  await notify(db, { userId: bob.userId, type: 'custom', text: 'for bob' });

  const alices = await list(alice);
  assert.deepEqual(
    alices.map((n) => n.text),
    ['A contact was assigned to you'],
  );
  assert.equal(alices[0]?.module, 'contacts');
  assert.equal(alices[0]?.recordId, recordId);
  assert.deepEqual(
    (await list(bob)).map((n) => n.text),
    ['for bob'],
  );
  assert.deepEqual(
    (await list(admin)).map((n) => n.text),
    [],
  );

  // Another user's notification is as good as missing, for admins too.
  for (const as of [bob, admin]) {
    assert.equal((await as.request('POST', `/api/notifications/${forAlice.id}/read`)).statusCode, 404);
    assert.equal((await as.request('DELETE', `/api/notifications/${forAlice.id}`)).statusCode, 404);
  }
  assert.equal((await bob.request('DELETE', '/api/notifications')).statusCode, 204);
  assert.equal((await bob.request('POST', '/api/notifications/read-all')).statusCode, 200);
  assert.deepEqual(
    (await list(alice)).map((n) => [n.text, n.read]),
    [['A contact was assigned to you', false]],
  );
  assert.equal(await unread(alice), 1);
  await alice.request('DELETE', '/api/notifications');
});

test('unread counts follow reading one, reading all and clearing', async () => {
  const ids: string[] = [];
  for (const text of ['one', 'two', 'three', 'four']) {
    ids.push((await notify(db, { userId: alice.userId, type: 'custom', text })).id);
  }
  assert.equal(await unread(alice), 4);
  const read = await alice.request('POST', `/api/notifications/${ids[0]}/read`);
  assert.deepEqual(read.json(), { unreadCount: 3 });
  assert.deepEqual(
    (await list(alice, '?unread=true')).map((n) => n.text),
    ['four', 'three', 'two'],
  );
  assert.deepEqual(
    (await list(alice, '?unread=false')).map((n) => n.text),
    ['one'],
  );
  assert.equal((await alice.request('DELETE', `/api/notifications/${ids[1]}`)).statusCode, 204);
  assert.equal((await alice.request('DELETE', `/api/notifications/${ids[1]}`)).statusCode, 404);
  assert.equal(await unread(alice), 2);
  assert.deepEqual((await alice.request('POST', '/api/notifications/read-all')).json(), { unreadCount: 0 });
  assert.deepEqual(
    (await list(alice)).map((n) => [n.text, n.read]),
    [
      ['four', true],
      ['three', true],
      ['one', true],
    ],
  );
  assert.equal((await alice.request('DELETE', '/api/notifications')).statusCode, 204);
  assert.deepEqual(await list(alice), []);
});

test('the list is newest first and keyset-paged', async () => {
  for (let i = 1; i <= 5; i++) await notify(db, { userId: bob.userId, type: 'custom', text: `n${i}` });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Notification[]; nextCursor: string | null } = (
      await bob.request('GET', `/api/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    ).json();
    assert.ok(page.items.length <= 2);
    seen.push(...page.items.map((n) => n.text));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, ['n5', 'n4', 'n3', 'n2', 'n1']);
  await bob.request('DELETE', '/api/notifications');
});

test('postToFeed also posts the notification privately on the user’s feed', async () => {
  const text = `flow says hi ${randomUUID()}`;
  const notification = await notify(db, { userId: alice.userId, type: 'workflow', text, postToFeed: true });
  assert.ok(notification.postId);
  const post = await alice.request('GET', `/api/feed/${notification.postId}`);
  assert.equal(post.statusCode, 200);
  assert.deepEqual(
    (({ type, text, visibility, targetUserId, authorId }) => ({
      type,
      text,
      visibility,
      targetUserId,
      authorId,
    }))(post.json()),
    { type: 'notification', text, visibility: 'private', targetUserId: alice.userId, authorId: null },
  );
  assert.equal((await bob.request('GET', `/api/feed/${notification.postId}`)).statusCode, 404);
  assert.equal((await admin.request('GET', `/api/feed/${notification.postId}`)).statusCode, 200);
  await alice.request('DELETE', '/api/notifications');
});

test("notify takes part in the caller's transaction and refuses an unknown user", async () => {
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await notify(trx, { userId: alice.userId, type: 'custom', text: 'never', postToFeed: true });
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  assert.equal(await unread(alice), 0);
  assert.equal(
    (await db.selectFrom('feedPosts').select('id').where('text', '=', 'never').execute()).length,
    0,
  );
  for (const userId of [randomUUID(), '{{record.assignedTo}}']) {
    await assert.rejects(notify(db, { userId, type: 'custom', text: 'x' }), {
      code: 'WEFT_ERR_VALIDATION',
      details: [{ field: 'userId', reason: 'is not an existing user' }],
    });
  }
});

test('routes validate their input', async () => {
  assert.equal((await alice.request('POST', '/api/notifications/not-a-uuid/read')).statusCode, 400);
  assert.equal((await alice.request('GET', '/api/notifications?unread=maybe')).statusCode, 400);
  assert.equal((await alice.request('GET', '/api/notifications?cursor=nonsense')).statusCode, 400);
});
