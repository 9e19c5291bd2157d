import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import { createPost, purgeExpiredPosts } from '../server/collaboration/feed.ts';
import { queues, startSystemWorkers } from '../server/queue.ts';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db, url } = await createTestApp();
const admin = await login(app);
const alice = await signedInUser(app, db, admin, 'alice');
const bob = await signedInUser(app, db, admin, 'bob');
const carol = await signedInUser(app, db, admin, 'carol');
// Sees every module but contacts.
const dave = await signedInUser(app, db, admin, 'dave', { '*': { view: 'all' }, contacts: { view: 'none' } });
const sessions = { admin, alice, bob, carol, dave };

interface Post {
  id: string;
  text: string;
  pinned: boolean;
  commentCount: number;
  authorName: string | null;
}

async function post(as: typeof alice, body: Record<string, unknown>): Promise<Post> {
  const response = await as.request('POST', '/api/feed', body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

async function record(module: string, body: Record<string, unknown>): Promise<string> {
  const response = await admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

async function feedTexts(as: typeof alice, query = '') {
  const response = await as.request('GET', `/api/feed?limit=500${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: Post[] }>().items.map((item) => item.text);
}

test('visibility: private posts reach only their author, the user whose feed they are on, and admins', async () => {
  const marker = randomUUID();
  await post(alice, { text: `${marker} public` });
  await post(alice, { text: `${marker} private to bob`, targetUserId: bob.userId, visibility: 'private' });
  await post(alice, { text: `${marker} private note`, visibility: 'private' });
  await createPost(db, {
    type: 'workflow',
    text: `${marker} flow to carol`,
    targetUserId: carol.userId,
    visibility: 'private',
  });
  const cases: [keyof typeof sessions, string[]][] = [
    ['alice', ['public', 'private to bob', 'private note']],
    ['bob', ['public', 'private to bob']],
    ['carol', ['public', 'flow to carol']],
    ['dave', ['public']],
    ['admin', ['public', 'private to bob', 'private note', 'flow to carol']],
  ];
  for (const [who, expected] of cases) {
    const seen = (await feedTexts(sessions[who], `&q=${marker}`)).map((text) =>
      text.slice(marker.length + 1),
    );
    assert.deepEqual(seen.sort(), [...expected].sort(), who);
  }
  const hidden = (await alice.request('GET', `/api/feed?q=${marker}%20private%20note`)).json().items[0];
  assert.equal((await bob.request('GET', `/api/feed/${hidden.id}`)).statusCode, 404);
  assert.equal((await alice.request('GET', `/api/feed/${hidden.id}`)).statusCode, 200);
  assert.equal((await admin.request('GET', `/api/feed/${hidden.id}`)).statusCode, 200);
});

test('posts about a record reach only those who may view the record', async () => {
  const erin = await signedInUser(app, db, admin, 'erin', { '*': { view: 'own' } });
  const contact = (assignedTo: string, visibility = 'public') =>
    record('contacts', { firstName: 'C', lastName: assignedTo.slice(0, 8), assignedTo, visibility });
  const marker = randomUUID();
  const about: [string, string][] = [
    ['alice public', await contact(alice.userId)],
    ['alice private', await contact(alice.userId, 'private')],
    ['bob public', await contact(bob.userId)],
    ['erin public', await contact(erin.userId)],
    ['gone', randomUUID()],
  ];
  for (const [text, recordId] of about) {
    await createPost(db, { type: 'record-created', text: `${marker} ${text}`, module: 'contacts', recordId });
  }
  const cases: [string, typeof alice, string[]][] = [
    ['alice (view all)', alice, ['alice public', 'alice private', 'bob public', 'erin public']],
    ['bob (view all, not the private one)', bob, ['alice public', 'bob public', 'erin public']],
    ['dave (no contacts)', dave, []],
    ['erin (own records)', erin, ['erin public']],
    ['admin', admin, ['alice public', 'alice private', 'bob public', 'erin public', 'gone']],
  ];
  for (const [who, session, expected] of cases) {
    const seen = (await feedTexts(session, `&q=${marker}`)).map((text) => text.slice(marker.length + 1));
    assert.deepEqual(seen.sort(), [...expected].sort(), who);
  }

  const [privateId, bobsId] = [about[1]?.[1], about[2]?.[1]];
  const writes: [string, typeof alice, Record<string, unknown>, number][] = [
    ['a module the role may not view', dave, { module: 'contacts', recordId: bobsId }, 403],
    ["another's private record", bob, { module: 'contacts', recordId: privateId }, 404],
    ["a record outside one's scope", erin, { module: 'contacts', recordId: bobsId }, 404],
    ['a missing record', alice, { module: 'contacts', recordId: randomUUID() }, 404],
    ['an unknown module', alice, { module: 'nosuch', recordId: bobsId }, 400],
    ['a visible record', bob, { module: 'contacts', recordId: bobsId }, 201],
  ];
  for (const [what, session, body, status] of writes) {
    const response = await session.request('POST', '/api/feed', { text: 'about it', ...body });
    assert.equal(response.statusCode, status, what);
  }
});

test('pinned posts come first, and keyset pages walk the whole feed once in order', async () => {
  const marker = randomUUID();
  const [first, second, third] = [
    await post(bob, { text: `${marker} 1` }),
    await post(bob, { text: `${marker} 2` }),
    await post(bob, { text: `${marker} 3` }),
  ];
  assert.ok(first && second && third);
  assert.equal((await bob.request('POST', `/api/feed/${first.id}/pin`)).statusCode, 403);
  const pinned = await admin.request('POST', `/api/feed/${first.id}/pin`);
  assert.equal(pinned.statusCode, 200);
  assert.equal(pinned.json().pinned, true);
  assert.deepEqual(await feedTexts(carol, `&q=${marker}`), [`${marker} 1`, `${marker} 3`, `${marker} 2`]);

  const walked: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Post[]; nextCursor: string | null } = (
      await carol.request('GET', `/api/feed?q=${marker}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
    ).json();
    walked.push(...page.items.map((item) => item.text));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(walked, [`${marker} 1`, `${marker} 3`, `${marker} 2`]);

  assert.equal((await admin.request('DELETE', `/api/feed/${first.id}/pin`)).statusCode, 200);
  assert.deepEqual(await feedTexts(carol, `&q=${marker}`), [`${marker} 3`, `${marker} 2`, `${marker} 1`]);
  const audited = await db.selectFrom('auditLog').select('action').where('targetId', '=', first.id).execute();
  assert.deepEqual(audited.map((row) => row.action).sort(), ['feed.post.pin', 'feed.post.unpin']);
});

test('filters: authors, types, record, whose feed', async () => {
  const recordId = await record('accounts', { name: 'Acme' });
  const marker = randomUUID();
  await post(alice, { text: `${marker} a`, module: 'accounts', recordId });
  await post(bob, { text: `${marker} b`, targetUserId: carol.userId });
  await createPost(db, { type: 'record-created', text: `${marker} c`, module: 'accounts', recordId });
  await createPost(db, { type: 'workflow', text: `${marker} d` });
  const cases: [string, string[]][] = [
    [`&authorIds=${alice.userId}`, ['a']],
    [`&authorIds=${alice.userId}&authorIds=${bob.userId}`, ['b', 'a']],
    ['&types=workflow', ['d']],
    ['&types=workflow&types=record-created', ['d', 'c']],
    [`&module=accounts&recordId=${recordId}`, ['c', 'a']],
    ['&module=accounts', ['c', 'a']],
    [`&targetUserId=${carol.userId}`, ['b']],
    [`&types=post&module=accounts&recordId=${recordId}`, ['a']],
  ];
  for (const [query, expected] of cases) {
    const texts = await feedTexts(admin, `&q=${marker}${query}`);
    assert.deepEqual(
      texts.map((text) => text.slice(marker.length + 1)),
      expected,
      query,
    );
  }
});

test('bad input is a 400 naming the field', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ text: '' }, 'text'],
    [{ text: 'x', module: 'contacts' }, 'recordId'],
    [{ text: 'x', visibility: 'secret' }, 'visibility'],
    [{ text: 'x', type: 'workflow' }, 'type'],
    [{ text: 'x', targetUserId: randomUUID() }, 'targetUserId'],
  ];
  for (const [body, field] of cases) {
    const response = await alice.request('POST', '/api/feed', body);
    assert.equal(response.statusCode, 400, JSON.stringify(body));
    const fields = response.json().error.details.map((problem: { field: string }) => problem.field);
    assert.deepEqual(fields, [field], JSON.stringify(body));
  }
  const query = await alice.request('GET', `/api/feed?recordId=${randomUUID()}`);
  assert.equal(query.statusCode, 400);
  assert.deepEqual(query.json().error.details, [{ field: 'module', reason: 'is required with recordId' }]);
  assert.equal((await alice.request('GET', '/api/feed?types=nope')).statusCode, 400);
  assert.equal((await alice.request('GET', '/api/feed?cursor=garbage')).statusCode, 400);
});

test('authors edit and delete their posts; others may not; admins may, audited', async () => {
  const mine = await post(alice, { text: 'original' });
  assert.equal((await bob.request('PATCH', `/api/feed/${mine.id}`, { text: 'hijacked' })).statusCode, 403);
  const edited = await alice.request('PATCH', `/api/feed/${mine.id}`, { text: 'edited' });
  assert.equal(edited.statusCode, 200);
  assert.equal(edited.json().text, 'edited');
  assert.ok(edited.json().updatedAt);
  assert.equal((await bob.request('DELETE', `/api/feed/${mine.id}`)).statusCode, 403);
  assert.equal((await admin.request('DELETE', `/api/feed/${mine.id}`)).statusCode, 204);
  assert.equal((await alice.request('GET', `/api/feed/${mine.id}`)).statusCode, 404);
  const audit = await db.selectFrom('auditLog').select('action').where('targetId', '=', mine.id).execute();
  assert.deepEqual(
    audit.map((row) => row.action),
    ['feed.post.delete'],
  );
});

test('comments: anyone who sees the post comments; its author is notified; deletion rules', async () => {
  const mine = await post(alice, { text: 'comment on me' });
  const secret = await post(alice, { text: 'secret', visibility: 'private' });
  const comment = await bob.request('POST', `/api/feed/${mine.id}/comments`, { text: 'nice' });
  assert.equal(comment.statusCode, 201);
  assert.equal(comment.json().authorName, 'bob');
  const carolsComment = await carol.request('POST', `/api/feed/${mine.id}/comments`, { text: 'me too' });
  assert.equal(
    (await carol.request('POST', `/api/feed/${secret.id}/comments`, { text: 'x' })).statusCode,
    404,
  );

  const detail = (await carol.request('GET', `/api/feed/${mine.id}`)).json();
  assert.equal(detail.commentCount, 2);
  assert.deepEqual(
    detail.comments.map((c: { text: string }) => c.text),
    ['nice', 'me too'],
  );
  const notifications = (await alice.request('GET', '/api/notifications')).json().items;
  assert.equal(notifications.filter((n: { postId: string }) => n.postId === mine.id).length, 2);
  assert.equal(notifications[0].type, 'comment');

  const bobsId = comment.json().id;
  assert.equal((await carol.request('DELETE', `/api/feed/${mine.id}/comments/${bobsId}`)).statusCode, 403);
  assert.equal((await alice.request('DELETE', `/api/feed/${mine.id}/comments/${bobsId}`)).statusCode, 204);
  assert.equal((await alice.request('DELETE', `/api/feed/${mine.id}/comments/${bobsId}`)).statusCode, 404);
  assert.equal(
    (await carol.request('DELETE', `/api/feed/${mine.id}/comments/${carolsComment.json().id}`)).statusCode,
    204,
  );
  assert.equal((await carol.request('GET', `/api/feed/${mine.id}`)).json().commentCount, 0);
});

test("a post on a user's feed notifies them, not when it is their own", async () => {
  const before = (await carol.request('GET', '/api/notifications/unread-count')).json().unreadCount;
  const onCarol = await post(bob, { text: 'hi carol', targetUserId: carol.userId });
  await post(carol, { text: 'my own', targetUserId: carol.userId });
  const after = (await carol.request('GET', '/api/notifications?unread=true')).json().items;
  assert.equal(after.length, before + 1);
  assert.equal(after[0].type, 'profile-post');
  assert.equal(after[0].postId, onCarol.id);
  assert.equal(after[0].text, 'bob posted on your feed');
});

test("createPost takes part in the caller's transaction", async () => {
  const text = `rolled back ${randomUUID()}`;
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await createPost(trx, { type: 'workflow', text, targetUserId: alice.userId, notifyTarget: true });
      throw new Error('the step failed');
    }),
    /the step failed/,
  );
  assert.deepEqual(await feedTexts(admin, `&q=${encodeURIComponent(text)}`), []);
  const committed = await db.transaction().execute((trx) => createPost(trx, { type: 'workflow', text }));
  assert.equal(committed.authorId, null);
  assert.deepEqual(await feedTexts(admin, `&q=${encodeURIComponent(text)}`), [text]);
});

test('retention deletes unpinned posts older than their type keeps them', async () => {
  const marker = randomUUID();
  const old = async (type: 'post' | 'workflow', text: string, pinned = false) => {
    const created = await createPost(db, { type, text: `${marker} ${text}` });
    await db
      .updateTable('feedPosts')
      .set({ createdAt: sql<Date>`now() - interval '40 days'`, pinned })
      .where('id', '=', created.id)
      .execute();
  };
  await old('post', 'old post');
  await old('post', 'old pinned', true);
  await old('workflow', 'old workflow');
  await createPost(db, { type: 'post', text: `${marker} new post` });

  const refused = await admin.request('PATCH', '/api/settings', { feedRetentionDaysByType: { nope: 1 } });
  assert.equal(refused.statusCode, 400);
  const patch = { feedRetentionDays: 30, feedRetentionDaysByType: { workflow: null } };
  assert.equal((await admin.request('PATCH', '/api/settings', patch)).statusCode, 200);
  assert.ok((await purgeExpiredPosts(db, app.settings)) >= 1);
  assert.deepEqual(
    (await feedTexts(admin, `&q=${marker}`)).sort(),
    [`${marker} new post`, `${marker} old pinned`, `${marker} old workflow`].sort(),
  );
  await admin.request('PATCH', '/api/settings', { feedRetentionDays: null, feedRetentionDaysByType: {} });
});

test('the system workers schedule the retention job nightly', async () => {
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss', max: 2 });
  await boss.start();
  try {
    await startSystemWorkers(boss, db, app.settings);
    const schedule = await boss.getSchedule(queues.purgeFeed);
    assert.equal(schedule?.cron, '17 3 * * *');
  } finally {
    await boss.stop({ graceful: false });
  }
});
