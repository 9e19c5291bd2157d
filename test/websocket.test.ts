import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { closeSignedOut } from '../server/collaboration/live-hub.ts';
import { notify } from '../server/collaboration/notifications.ts';
import type { Db } from '../server/db/index.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { LiveClient, Refused } from './helpers/live-client.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db, url } = await createTestApp();
const admin = await login(app);
const alice = await signedInUser(app, db, admin, 'alice');
const bob = await signedInUser(app, db, admin, 'bob');
const dave = await signedInUser(app, db, admin, 'dave', { '*': { view: 'all' }, contacts: { view: 'none' } });

// Writes come from another pool, as they would from a worker process: only LISTEN/NOTIFY connects the two.
const workerPool = new pg.Pool({ connectionString: url, max: 1 });
// The test database is dropped (terminating this pool's connection) before this file's own after hook runs.
workerPool.on('error', () => undefined);
const worker: Db = new Kysely({
  dialect: new PostgresDialect({ pool: workerPool }),
  plugins: [new CamelCasePlugin()],
});
after(() => worker.destroy());

const address = await app.listen({ host: '127.0.0.1', port: 0 });
const wsUrl = `${address.replace(/^http/, 'ws')}/api/ws`;
async function contact(assignedTo: string, visibility = 'public'): Promise<string> {
  const body = { firstName: 'C', lastName: 'Ontact', assignedTo, visibility };
  const response = await admin.request('POST', '/api/records/contacts', body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

const open = (session: Session, headers: Record<string, string> = {}) =>
  LiveClient.connect(wsUrl, { cookie: session.cookie, ...headers });

test('ready, then notification.created when another database connection notifies the user', async () => {
  const [tab1, tab2, bobs] = [await open(alice), await open(alice), await open(bob)];
  await notify(worker, { userId: alice.userId, type: 'custom', text: 'hello alice' });
  await notify(worker, { userId: bob.userId, type: 'custom', text: 'hello bob' });
  for (const tab of [tab1, tab2]) {
    const { data } = await tab.next('notification.created');
    assert.equal(data.notification.text, 'hello alice');
    assert.equal(data.unreadCount, 1);
  }
  // Bob's first notification is his own: alice's never reached his socket.
  assert.equal((await bobs.next('notification.created')).data.notification.text, 'hello bob');
  for (const client of [tab1, tab2, bobs]) client.close();
});

test('a rolled-back write pushes nothing', async () => {
  const client = await open(alice);
  await assert.rejects(
    worker.transaction().execute(async (trx) => {
      await notify(trx, { userId: alice.userId, type: 'custom', text: 'rolled back', postToFeed: true });
      throw new Error('abort');
    }),
    /abort/,
  );
  await notify(worker, { userId: alice.userId, type: 'custom', text: 'committed' });
  // NOTIFYs arrive in commit order: had the rolled-back one been sent, it would come first.
  assert.equal((await client.next('notification.created')).data.notification.text, 'committed');
  client.close();
});

test('reading and clearing push the new unread count', async () => {
  await alice.request('DELETE', '/api/notifications');
  const client = await open(alice);
  const first = await notify(worker, { userId: alice.userId, type: 'custom', text: 'one' });
  await notify(worker, { userId: alice.userId, type: 'custom', text: 'two' });
  await alice.request('POST', `/api/notifications/${first.id}/read`);
  assert.deepEqual((await client.next('notification.read')).data, { ids: [first.id], unreadCount: 1 });
  await alice.request('POST', '/api/notifications/read-all');
  assert.deepEqual((await client.next('notification.read')).data, { all: true, unreadCount: 0 });
  await alice.request('DELETE', '/api/notifications');
  assert.deepEqual((await client.next('notification.cleared')).data, { all: true, unreadCount: 0 });
  client.close();
});

test('feed posts and comments reach exactly those who may see them', async () => {
  const [alices, bobs, daves, admins] = [
    await open(alice),
    await open(bob),
    await open(dave),
    await open(admin),
  ];
  const marker = async (text: string) => (await alice.request('POST', '/api/feed', { text })).json();

  const secret = (
    await alice.request('POST', '/api/feed', {
      text: 'for bob',
      targetUserId: bob.userId,
      visibility: 'private',
    })
  ).json();
  await alice.request('POST', '/api/feed', {
    text: 'contact news',
    module: 'contacts',
    recordId: await contact(alice.userId),
  });
  await alice.request('POST', '/api/feed', {
    text: 'private contact news',
    module: 'contacts',
    recordId: await contact(alice.userId, 'private'),
  });
  const everyone = await marker('for everyone');

  const cases: [LiveClient, string, string[]][] = [
    [alices, 'alice', ['for bob', 'contact news', 'private contact news', 'for everyone']],
    [bobs, 'bob', ['for bob', 'contact news', 'for everyone']],
    [daves, 'dave', ['for everyone']],
    [admins, 'admin', ['for bob', 'contact news', 'private contact news', 'for everyone']],
  ];
  for (const [client, who, expected] of cases) {
    const seen: string[] = [];
    for (const _ of expected) seen.push((await client.next('feed.post.created')).data.text);
    assert.deepEqual(seen, expected, who);
  }

  await bob.request('POST', `/api/feed/${secret.id}/comments`, { text: 'thanks' });
  await bob.request('POST', `/api/feed/${everyone.id}/comments`, { text: 'hi all' });
  assert.equal((await daves.next('feed.comment.created')).data.text, 'hi all');
  const comment = (await alices.next('feed.comment.created')).data;
  assert.deepEqual([comment.text, comment.postId, comment.authorName], ['thanks', secret.id, 'bob']);
  // Alice is also notified of the comment on her post.
  assert.equal((await alices.next('notification.created')).data.notification.type, 'comment');
  for (const client of [alices, bobs, daves, admins]) client.close();
});

test('a row too large for NOTIFY arrives as a hint to fetch it', async () => {
  const client = await open(bob);
  const text = 'é'.repeat(5000); // 10,000 bytes of UTF-8
  const created = (await alice.request('POST', '/api/feed', { text })).json();
  const { data } = await client.next('feed.post.created');
  assert.deepEqual(data, { id: created.id, fetch: `/api/feed/${created.id}` });
  assert.equal((await bob.request('GET', data.fetch)).json().text, text);
  const comment = (await alice.request('POST', `/api/feed/${created.id}/comments`, { text })).json();
  const hint = (await client.next('feed.comment.created')).data;
  assert.deepEqual(hint, { id: comment.id, postId: created.id, fetch: `/api/feed/${created.id}` });
  client.close();
});

test('handshakes: anonymous and foreign origins are refused; own origin and bearer tokens accepted', async () => {
  const token = (await alice.request('POST', '/api/auth/tokens', { name: 'ws' })).json().token;
  const host = new URL(address).host;
  const cases: [string, Record<string, string>, number | 'open'][] = [
    ['anonymous', {}, 401],
    ['anonymous from a foreign page', { origin: 'https://evil.example' }, 401],
    ['cookie from a foreign page', { cookie: alice.cookie, origin: 'https://evil.example' }, 403],
    ['cookie from a look-alike host', { cookie: alice.cookie, origin: `http://${host}.evil.example` }, 403],
    ['cookie from an opaque origin', { cookie: alice.cookie, origin: 'null' }, 403],
    ['cookie from our own page', { cookie: alice.cookie, origin: `http://${host}` }, 'open'],
    ['cookie without an origin (not a browser)', { cookie: alice.cookie }, 'open'],
    ['bearer token', { authorization: `Bearer ${token}` }, 'open'],
    ['revoked-looking token', { authorization: 'Bearer weft_nope' }, 401],
  ];
  for (const [name, headers, expected] of cases) {
    const outcome = await LiveClient.connect(wsUrl, headers).then(
      (client) => {
        client.close();
        return 'open' as const;
      },
      (error: unknown) => (error instanceof Refused ? error.status : Promise.reject(error)),
    );
    assert.equal(outcome, expected, name);
  }
});

test('the LISTEN connection comes back after it drops, telling sockets to resync', async () => {
  const client = await open(alice);
  const killed = await sql<{ pid: number }>`
    select pg_terminate_backend(pid) as pid from pg_stat_activity
    where application_name = 'weft-live' and datname = current_database()`.execute(worker);
  assert.equal(killed.rows.length, 1);
  await client.next('live.resync');
  await notify(worker, { userId: alice.userId, type: 'custom', text: 'after the drop' });
  assert.equal((await client.next('notification.created')).data.notification.text, 'after the drop');
  client.close();
});

test('presence: an open socket keeps its user online; a signed-out session loses its socket', async () => {
  const carol = await signedInUser(app, db, admin, 'carol');
  const erin = await signedInUser(app, db, admin, 'erin');
  const client = await open(carol);
  const longAgo = sql<Date>`now() - interval '50 minutes'`;
  await db.updateTable('sessions').set({ lastSeenAt: longAgo }).where('userId', '=', carol.userId).execute();
  await db
    .updateTable('sessions')
    .set({ lastSeenAt: sql<Date>`now() - interval '2 hours'` })
    .where('userId', '=', erin.userId)
    .execute();
  await bob.request('PATCH', '/api/me', { invisible: true });

  await app.live.heartbeat(app.db, app.settings);
  const session = await db
    .selectFrom('sessions')
    .select(sql<boolean>`last_seen_at > now() - interval '1 minute'`.as('fresh'))
    .where('userId', '=', carol.userId)
    .executeTakeFirstOrThrow();
  assert.equal(session.fresh, true);
  const online = (await admin.request('GET', '/api/presence'))
    .json()
    .items.map((u: { username: string }) => u.username);
  assert.ok(online.includes('carol'));
  assert.ok(!online.includes('erin'), 'no socket and an idle session: offline');
  assert.ok(!online.includes('bob'), 'invisible');
  await bob.request('PATCH', '/api/me', { invisible: false });

  // A socket opened after that heartbeat: it owes no pong, so the next heartbeat judges it on its session alone.
  const fresh = await open(carol);
  await carol.request('POST', '/api/auth/logout');
  await app.live.heartbeat(app.db, app.settings);
  assert.equal(await fresh.closed, closeSignedOut);
  client.close();
});

test('heartbeat re-checks credentials and roles: a revoked token loses its socket; a new role applies at once', async () => {
  const token = (await bob.request('POST', '/api/auth/tokens', { name: 'script' })).json();
  const [script, daves] = [
    await LiveClient.connect(wsUrl, { authorization: `Bearer ${token.token}` }),
    await open(dave),
  ];
  assert.equal((await bob.request('DELETE', `/api/auth/tokens/${token.id}`)).statusCode, 204);
  const role = await db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', 'dave-role')
    .executeTakeFirstOrThrow();
  const widened = await admin.request('PATCH', `/api/roles/${role.id}`, {
    permissions: { '*': { view: 'all' } },
  });
  assert.equal(widened.statusCode, 200);

  await app.live.heartbeat(app.db, app.settings);
  assert.equal(await script.closed, closeSignedOut);
  await alice.request('POST', '/api/feed', {
    text: 'contacts, now for dave',
    module: 'contacts',
    recordId: await contact(alice.userId),
  });
  assert.equal((await daves.next('feed.post.created')).data.text, 'contacts, now for dave');
  daves.close();
});
