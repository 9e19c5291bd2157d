import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Flow } from '../schemas/flow.ts';
import { processSubmission } from '../server/forms/form-process.ts';
import type { Session } from './helpers/app.ts';
import { engineTestApp, eventually, type StepSpec, straightFlow } from './helpers/engine.ts';
import { csvOf, imported, startWorker } from './helpers/imports.ts';
import { LiveClient } from './helpers/live-client.ts';
import { signedInUser } from './helpers/people.ts';

/**
 * Issue 20 with the engine running: the "post to activity feed" action's options, a flow's
 * notification reaching the bell and the feed, assignment notifications from every source
 * (issue 16), and "assign by lead routing" on demand.
 */

const { app, db, admin, publish, runOn, create, workers } = await engineTestApp();
const bob = await signedInUser(app, db, admin, 'bob');
const carol = await signedInUser(app, db, admin, 'carol');

const manual = (name: string, steps: StepSpec[], module = 'contacts') =>
  publish(straightFlow(name, { type: 'trigger.manual', params: { module } }, steps));

interface Notification {
  id: string;
  type: string;
  text: string;
  module: string | null;
  recordId: string | null;
  postId: string | null;
}

const notifications = async (as: Session) =>
  (await as.request('GET', '/api/notifications?limit=100')).json<{ items: Notification[] }>().items;

/** Every pending event dispatched (assignment notifications go with the dispatch). */
async function dispatched() {
  await eventually(async () => {
    await workers.dispatch();
    const pending = await db
      .selectFrom('events')
      .select('id')
      .where('dispatchedAt', 'is', null)
      .executeTakeFirst();
    return pending === undefined;
  }, 'every event dispatched');
}

test('feed.post: type, author (owner, assignee, a chosen user), whose feed, and notify', async () => {
  const flowId = await manual('Post variants', [
    ['note', 'feed.post', { text: 'A note by the owner', type: 'note', author: 'owner' }],
    [
      'social',
      'feed.post',
      {
        text: 'To the assignee',
        type: 'post',
        author: 'user',
        authorUserId: carol.userId,
        feed: 'assignee',
        notify: true,
      },
    ],
    [
      'private',
      'feed.post',
      {
        text: 'By the assignee, on carol’s feed',
        author: 'assignee',
        feed: 'user',
        targetUserId: carol.userId,
        visibility: 'private',
      },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Post', lastName: 'Target', assignedTo: bob.userId });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const rows = await db
    .selectFrom('feedPosts')
    .select(['text', 'type', 'authorId', 'targetUserId', 'visibility', 'module', 'recordId'])
    .where('recordId', '=', String(contact.id))
    .where('type', 'in', ['note', 'post', 'workflow'])
    .orderBy('seq')
    .execute();
  assert.deepEqual(
    rows.map((row) => [row.text, row.type, row.authorId, row.targetUserId, row.visibility]),
    [
      ['A note by the owner', 'note', admin.userId, null, 'public'],
      ['To the assignee', 'post', carol.userId, bob.userId, 'public'],
      ['By the assignee, on carol’s feed', 'workflow', bob.userId, carol.userId, 'private'],
    ],
  );
  // notify: bob (whose feed it is on) is told; carol, on whose feed bob's post went without notify, is not.
  assert.ok((await notifications(bob)).some((n) => n.type === 'profile-post' && n.text.startsWith('carol')));
  assert.ok(!(await notifications(carol)).some((n) => n.type === 'profile-post'));

  // A user that does not exist is refused at publishing; one a template names at run time
  // (here a username held in the record's title) fails the step, naming the param.
  const refused = await admin.request(
    'POST',
    '/api/flows/validate',
    straightFlow('Unknown author', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['p', 'feed.post', { text: 'x', author: 'user', authorUserId: 'nobody-here' }],
    ]),
  );
  assert.match(JSON.stringify(refused.json()), /authorUserId/);
  const bad = await manual('Author from the record', [
    ['p', 'feed.post', { text: 'x', author: 'user', authorUserId: '{{record.title}}' }],
  ]);
  const named = await create('contacts', { firstName: 'Named', lastName: 'Author', title: 'carol' });
  assert.equal((await runOn(bad, String(named.id))).status, 'succeeded', 'a username is taken for its user');
  const nobody = await create('contacts', { firstName: 'No', lastName: 'Author', title: 'nobody-here' });
  const failed = await runOn(bad, String(nobody.id));
  assert.equal(failed.status, 'failed');
  assert.match(failed.steps[0]?.error?.message ?? '', /authorId.*not an existing user/);
  await bob.request('DELETE', '/api/notifications');
});

test('a flow notifies a user: the bell, the feed (privately) and the record’s own posts show it', async () => {
  const text = `Call this lead back ${randomUUID().slice(0, 6)}`;
  const flowId = await manual('Notify bob', [['tell', 'notification.create', { userId: bob.userId, text }]]);
  const contact = await create('contacts', {
    firstName: 'Grace',
    lastName: 'Hopper',
    assignedTo: bob.userId,
  });
  assert.equal((await runOn(flowId, String(contact.id))).status, 'succeeded');
  const [note] = (await notifications(bob)).filter((n) => n.text === text);
  assert.ok(note?.postId, 'the notification names its feed post');
  assert.equal((await bob.request('GET', '/api/notifications/unread-count')).json().unreadCount >= 1, true);
  const onRecord = (
    await bob.request('GET', `/api/feed?module=contacts&recordId=${contact.id}&types=notification`)
  ).json<{ items: { id: string; text: string }[] }>().items;
  // (The record's assignment to bob is one of bob's notifications on the record too.)
  assert.deepEqual(
    onRecord.filter((post) => post.text === text).map((post) => post.id),
    [note.postId],
  );
  // Private to bob: carol sees neither it on the record nor in her feed.
  const carolSees = (await carol.request('GET', '/api/feed?types=notification')).json<{
    items: { text: string }[];
  }>();
  assert.ok(!carolSees.items.some((post) => post.text === text));
  await bob.request('DELETE', '/api/notifications');
});

test('assignment notifications: by a person, a flow, routing; not one’s own; muted by preference', async () => {
  await bob.request('DELETE', '/api/notifications');
  // A person (the admin) assigns a new record to bob.
  const byPerson = await create('contacts', {
    firstName: 'Alan',
    lastName: 'Turing',
    assignedTo: bob.userId,
  });
  // Bob's own record assigned to himself: no notification.
  const own = await bob.request('POST', '/api/records/contacts', { firstName: 'Own', lastName: 'Record' });
  assert.equal(own.statusCode, 201, own.body);
  // A flow reassigns a record to bob.
  const target = await create('contacts', { firstName: 'Moved', lastName: 'ByFlow' });
  const flowId = await manual('Give to bob', [['a', 'record.assign', { to: 'user', assignee: bob.userId }]]);
  assert.equal((await runOn(flowId, String(target.id))).status, 'succeeded');
  await dispatched();
  const texts = (await notifications(bob)).filter((n) => n.type === 'assignment');
  assert.deepEqual(
    texts.map((n) => [n.text, n.recordId]).sort(),
    [
      ['Contact “Alan Turing” was assigned to you', byPerson.id],
      ['Contact “Moved ByFlow” was assigned to you', target.id],
    ].sort(),
  );
  // Muted: nothing more.
  await bob.request('PATCH', '/api/notifications/preferences', { assignments: false });
  await create('contacts', { firstName: 'Muted', lastName: 'One', assignedTo: bob.userId });
  await dispatched();
  assert.equal((await notifications(bob)).filter((n) => n.type === 'assignment').length, 2);
  await bob.request('PATCH', '/api/notifications/preferences', { assignments: true });

  // Lead routing assigns a new record to carol (the only user in the rotation).
  const routing = await admin.request('PUT', '/api/routing/accounts', {
    enabled: true,
    mode: 'singleUser',
    singleUserId: carol.userId,
  });
  assert.equal(routing.statusCode, 200, routing.body);
  const routed = await create('accounts', { name: 'Routed Inc' });
  assert.equal(routed.assignedTo, carol.userId);
  await dispatched();
  assert.ok(
    (await notifications(carol)).some((n) => n.type === 'assignment' && n.recordId === routed.id),
    'routing notifies',
  );
  await admin.request('PUT', '/api/routing/accounts', { enabled: false, mode: 'freeForAll' });
  await bob.request('DELETE', '/api/notifications');
  await carol.request('DELETE', '/api/notifications');
});

test('assign by lead routing applies the rules on demand with routing off, and fails clearly when they give nobody', async () => {
  const configured = await admin.request('PUT', '/api/routing/opportunities', {
    enabled: false,
    mode: 'singleUser',
    singleUserId: carol.userId,
  });
  assert.equal(configured.statusCode, 200, configured.body);
  const flow: Flow = {
    name: 'Route on demand',
    trigger: { type: 'trigger.manual', params: { module: 'opportunities' } },
    nodes: [
      { id: 'route', type: 'record.assign', params: { to: 'routing' }, position: { x: 0, y: 100 } },
      { id: 'done', type: 'feed.post', params: { text: 'routed' }, position: { x: 0, y: 200 } },
      {
        id: 'nobody',
        type: 'feed.post',
        params: { text: 'nobody to route to' },
        position: { x: 200, y: 200 },
      },
    ],
    edges: [
      { source: 'trigger', target: 'route' },
      { source: 'route', target: 'done' },
      { source: 'route', sourceHandle: 'error', target: 'nobody' },
    ],
  };
  const flowId = await publish(flow);
  // Created with routing off: assigned to its creator, as any unrouted record.
  const deal = await create('opportunities', { name: 'Big deal' });
  assert.equal(deal.assignedTo, admin.userId);
  const run = await runOn(flowId, String(deal.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.equal(run.steps.find((step) => step.nodeId === 'route')?.output?.assignedTo, carol.userId);
  assert.equal(
    (await admin.request('GET', `/api/records/opportunities/${deal.id}`)).json().assignedTo,
    carol.userId,
  );

  // Free for all gives nobody: the step fails with the reason and the error handle takes over.
  await admin.request('PUT', '/api/routing/opportunities', { enabled: false, mode: 'freeForAll' });
  const other = await create('opportunities', { name: 'Nobody’s deal' });
  const unrouted = await runOn(flowId, String(other.id));
  const step = unrouted.steps.find((candidate) => candidate.nodeId === 'route');
  assert.equal(step?.status, 'failed');
  assert.match(step?.error?.message ?? '', /Lead routing for opportunities found nobody .*free for all/);
  assert.ok(
    unrouted.steps.some((candidate) => candidate.nodeId === 'nobody' && candidate.status === 'done'),
    JSON.stringify(unrouted),
  );
  assert.equal(
    (await admin.request('GET', `/api/records/opportunities/${other.id}`)).json().assignedTo,
    admin.userId,
  );

  // Without an error handle the run fails, saying why.
  const strict = await manual('Route strictly', [['r', 'record.assign', { to: 'routing' }]], 'opportunities');
  const failed = await runOn(strict, String(other.id));
  assert.equal(failed.status, 'failed');
  assert.match(failed.steps[0]?.error?.message ?? '', /found nobody/);
});

test('an import that assigns records: a few are named one by one, many make one notification', async () => {
  await startWorker(app, db);
  await carol.request('DELETE', '/api/notifications');
  const few = await imported(
    admin,
    { module: 'accounts' },
    csvOf([
      ['name', 'assignedTo'],
      ['Imported One', carol.userId],
      ['Imported Two', carol.userId],
    ]),
  );
  assert.equal(few.created, 2);
  await dispatched();
  assert.deepEqual((await notifications(carol)).map((n) => n.text).sort(), [
    'Account “Imported One” was assigned to you',
    'Account “Imported Two” was assigned to you',
  ]);
  await carol.request('DELETE', '/api/notifications');
  const rows = Array.from({ length: 8 }, (_, i) => [`Bulk ${i}`, carol.userId]);
  await imported(admin, { module: 'accounts' }, csvOf([['name', 'assignedTo'], ...rows]));
  await dispatched();
  assert.deepEqual(
    (await notifications(carol)).map((n) => n.text),
    ['8 accounts were assigned to you'],
  );
  await carol.request('DELETE', '/api/notifications');
});

test('record writes announce their posts to open feeds once per dispatched batch (modules only)', async () => {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = await LiveClient.connect(`${address.replace('http', 'ws')}/api/ws`, {
    cookie: carol.cookie,
  });
  try {
    await create('accounts', { name: 'Announced Ltd' });
    await dispatched();
    for (;;) {
      const message = await client.next('feed.post.created');
      if (message.data.system !== true) continue;
      assert.deepEqual(message.data, { system: true, modules: ['accounts'] });
      break;
    }
  } finally {
    client.close();
  }
});

test('a web form lead is a web-lead post on its contact, unless switched off', async () => {
  const form = await admin.request('POST', '/api/forms', {
    name: 'Contact us',
    kind: 'lead',
    settings: {
      fields: [
        { name: 'firstName', label: 'First name', required: true },
        { name: 'lastName', label: 'Last name', required: true },
        { name: 'email', label: 'Email', required: true },
      ],
      minFillSeconds: 0,
    },
  });
  assert.equal(form.statusCode, 201, form.body);
  const formId = form.json().id as string;
  const submitAndProcess = async (email: string, ip: string) => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/public/forms/${formId}/submit`,
      payload: { firstName: 'Lin', lastName: 'Webb', email },
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
    });
    assert.ok(response.statusCode < 400, response.body);
    const row = await db
      .selectFrom('webFormSubmissions')
      .select('id')
      .where('formId', '=', formId)
      .orderBy('receivedAt', 'desc')
      .executeTakeFirstOrThrow();
    await processSubmission(db, app.boss ?? null, app.settings, row.id);
    return (
      await db
        .selectFrom('webFormSubmissions')
        .select('contactId')
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow()
    ).contactId as string;
  };
  const contactId = await submitAndProcess('lin@example.com', '10.9.0.1');
  const posts = (
    await admin.request('GET', `/api/feed?module=contacts&recordId=${contactId}&types=web-lead`)
  ).json<{ items: { text: string }[] }>().items;
  assert.deepEqual(
    posts.map((post) => post.text),
    ['Web lead from the form “Contact us”: Lin Webb'],
  );
  await admin.request('PATCH', '/api/settings', { feedSystemPosts: { 'web-lead': false } });
  const quiet = await submitAndProcess('lin.two@example.com', '10.9.0.2');
  assert.equal(
    (await admin.request('GET', `/api/feed?module=contacts&recordId=${quiet}&types=web-lead`)).json().items
      .length,
    0,
  );
  await admin.request('PATCH', '/api/settings', { feedSystemPosts: {} });
});
