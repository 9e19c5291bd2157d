import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, type StepSpec, straightFlow } from './helpers/engine.ts';

const { db, admin, publish, runOn, create } = await engineTestApp();

const onContacts = { type: 'trigger.manual', params: { module: 'contacts' } };
const manual = (name: string, steps: StepSpec[], module = 'contacts') =>
  publish(
    straightFlow(name, module === 'contacts' ? onContacts : { ...onContacts, params: { module } }, steps),
  );

const eventsOf = async (recordId: string) =>
  db
    .selectFrom('events')
    .select(['type', 'payload'])
    .where('recordId', '=', recordId)
    .where('type', '!=', 'record.viewed')
    .orderBy('id')
    .execute();

test('record.create: related by a link field (fixed and polymorphic), its output used by a later step', async () => {
  const flowId = await manual('Open a case', [
    [
      'case',
      'record.create',
      {
        module: 'cases',
        values: { name: 'Call {{record.lastName}}', impact: '3 - Moderate' },
        relateBy: 'contactId',
      },
    ],
    [
      'task',
      'record.create',
      {
        module: 'tasks',
        values: { subject: 'About case {{steps.case.output.id}}' },
        relateBy: 'associationId',
      },
    ],
    [
      'post',
      'feed.post',
      { text: 'Opened {{steps.case.output.record.name}} ({{steps.case.output.module}})' },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Ada', lastName: 'Lovelace' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const caseId = String(run.steps[0]?.output?.id);
  const created = (await admin.request('GET', `/api/records/cases/${caseId}`)).json();
  assert.equal(created.name, 'Call Lovelace');
  assert.equal(created.contactId, contact.id);
  const task = (await admin.request('GET', `/api/records/tasks/${run.steps[1]?.output?.id}`)).json();
  assert.deepEqual(
    [task.subject, task.associationType, task.associationId],
    [`About case ${caseId}`, 'contacts', contact.id],
  );
  const post = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('type', '=', 'workflow')
    .executeTakeFirst();
  assert.equal(post?.text, 'Opened Call Lovelace (cases)');
  // Written through the records service: a changelog row in the flow's name, and the event.
  const log = await db
    .selectFrom('changelog')
    .select(['action', 'actorName'])
    .where('recordId', '=', caseId)
    .execute();
  assert.deepEqual(log, [{ action: 'create', actorName: 'workflow:Open a case' }]);
  assert.deepEqual(
    (await eventsOf(caseId)).map((event) => event.type),
    ['record.created'],
  );
});

test('a bad value fails the step once, as a user error naming the field', async () => {
  const cases: [string, StepSpec, RegExp][] = [
    [
      'bad email',
      [
        's',
        'record.create',
        { module: 'contacts', values: { firstName: 'A', lastName: 'B', email: 'nope' } },
      ],
      /email/,
    ],
    [
      'bad dropdown value',
      ['s', 'record.create', { module: 'cases', values: { name: 'A', impact: 'Huge' } }],
      /impact/,
    ],
    [
      'not a link field',
      ['s', 'record.create', { module: 'cases', values: { name: 'A' }, relateBy: 'name' }],
      /name is not a link field/,
    ],
    [
      'link to another module',
      ['s', 'record.create', { module: 'opportunities', values: { name: 'A' }, relateBy: 'accountName' }],
      /relateBy/,
    ],
    ['bad due date', ['s', 'task.create', { subject: 'x', dueDate: 'someday' }], /dueDate/],
    [
      'unknown comment author',
      ['s', 'record.comment', { text: 'x', authorId: '{{record.title}}' }],
      /authorId/,
    ],
    ['malformed list id', ['s', 'list.add', { listId: '{{record.lastName}}' }], /listId/],
    ['tags to add missing', ['s', 'record.tags', { action: 'add', tags: ['  '] }], /tags/],
  ];
  // Values chosen in the designer are checked at publish (see below); these reach the step
  // through templates, so only the step can refuse them.
  const contact = await create('contacts', {
    firstName: 'Bad',
    lastName: 'Values',
    title: '00000000-0000-4000-8000-000000000000',
  });
  for (const [name, step, message] of cases) {
    const run = await runOn(await manual(`Fails: ${name}`, [step]), String(contact.id));
    assert.equal(run.status, 'failed', name);
    const [failed] = run.steps;
    assert.equal(failed?.status, 'failed', name);
    assert.equal(failed?.attempt, 1, `${name}: a user error is not retried`);
    assert.equal(failed?.error?.owner, 'user', name);
    assert.match(String(failed?.error?.message), message, name);
  }
});

test('a field the module does not have is a publish problem naming it, not a failure at run time', async () => {
  const flow = straightFlow('Unknown field', onContacts, [
    ['s', 'record.create', { module: 'accounts', values: { name: 'A', shoeSize: 3 } }],
  ]);
  const created = await admin.request('POST', '/api/flows', { name: flow.name, definition: flow });
  assert.equal(created.statusCode, 201, created.body);
  const published = await admin.request('POST', `/api/flows/${created.json().id}/publish`);
  assert.equal(published.statusCode, 400);
  assert.match(published.body, /shoeSize/);
});

test('record.delete: the current record, logged and emitted', async () => {
  const flowId = await manual('Delete it', [['gone', 'record.delete', {}]], 'accounts');
  const account = await create('accounts', { name: 'Doomed' });
  const run = await runOn(flowId, String(account.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.deepEqual(run.steps[0]?.output, { module: 'accounts', id: account.id });
  assert.equal((await admin.request('GET', `/api/records/accounts/${account.id}`)).statusCode, 404);
  assert.deepEqual(
    (await eventsOf(String(account.id))).map((event) => event.type),
    ['record.created', 'record.deleted'],
  );
});

test('record.tags: add, remove and clear go through the tags service and emit tag events', async () => {
  const edit = await manual('Tag it', [
    ['add', 'record.tags', { action: 'add', tags: ['#vip', '{{record.leadSource}}', 'hot'] }],
    ['remove', 'record.tags', { action: 'remove', tags: ['hot'] }],
  ]);
  const clear = await manual('Untag it', [['clear', 'record.tags', { action: 'clear' }]]);
  const contact = await create('contacts', {
    firstName: 'Tag',
    lastName: 'Me',
    leadSource: 'Web',
    tags: ['old'],
  });
  const edited = await runOn(edit, String(contact.id));
  assert.equal(edited.status, 'succeeded', JSON.stringify(edited.steps));
  assert.deepEqual(
    edited.steps.map((step) => step.output?.tags),
    [
      ['old', 'vip', 'Web', 'hot'],
      ['old', 'vip', 'Web'],
    ],
  );
  const cleared = await runOn(clear, String(contact.id));
  // The changed field comes back as `record` too: later steps of the run see it there.
  assert.deepEqual(cleared.steps[0]?.output, { tags: [], record: { tags: [] } });
  const tagEvents = (await eventsOf(String(contact.id)))
    .filter((event) => event.type.startsWith('tag.'))
    .map((event) => `${event.type} ${(event.payload as { tag: string }).tag}`);
  assert.deepEqual(tagEvents, [
    'tag.added old',
    'tag.added vip',
    'tag.added Web',
    'tag.added hot',
    'tag.removed hot',
    'tag.removed old',
    'tag.removed vip',
    'tag.removed Web',
  ]);
});

test('task.create: on the current record, due "in 3 days", assigned like the record by default', async () => {
  const flowId = await manual('Follow up', [
    [
      'task',
      'task.create',
      {
        subject: 'Call {{record.firstName}}',
        description: 'From a flow',
        dueDate: 'in 3 days',
        priority: 'High',
      },
    ],
    [
      'standalone',
      'task.create',
      { subject: 'Review', dueDate: '2031-01-02T10:00:00Z', onRecord: false, assignedTo: '' },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Grace', lastName: 'Hopper' });
  const before = Date.now();
  const run = await runOn(flowId, String(contact.id));
  const after = Date.now();
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const task = (await admin.request('GET', `/api/records/tasks/${run.steps[0]?.output?.id}`)).json();
  assert.deepEqual(
    [
      task.subject,
      task.description,
      task.priority,
      task.associationType,
      task.associationId,
      task.assignedTo,
    ],
    ['Call Grace', 'From a flow', 'High', 'contacts', contact.id, contact.assignedTo],
  );
  const due = Date.parse(task.dueDate);
  const days3 = 3 * 86_400_000;
  assert.ok(due >= before + days3 - 1000 && due <= after + days3 + 1000, task.dueDate);
  const standalone = (await admin.request('GET', `/api/records/tasks/${run.steps[1]?.output?.id}`)).json();
  assert.deepEqual([standalone.associationType, standalone.associationId], [null, null]);
  assert.equal(Date.parse(standalone.dueDate), Date.parse('2031-01-02T10:00:00Z'));
});

test('record.comment: a feed post of type comment on the record, by the chosen author', async () => {
  const flowId = await manual('Comment', [
    ['note', 'record.comment', { text: 'Spoke to {{record.firstName}}', authorId: admin.userId }],
  ]);
  const contact = await create('contacts', { firstName: 'Alan', lastName: 'Turing' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const feed = (
    await admin.request('GET', `/api/feed?module=contacts&recordId=${contact.id}&types=comment`)
  ).json();
  assert.deepEqual(
    feed.items.map((post: Record<string, unknown>) => [post.id, post.type, post.text, post.authorId]),
    [[run.steps[0]?.output?.postId, 'comment', 'Spoke to Alan', admin.userId]],
  );
});

test('vars.set: later steps read the variables, and the run keeps them', async () => {
  const flowId = await manual('Variables', [
    ['set', 'vars.set', { values: { greeting: 'Hello {{record.firstName}}', score: 3 } }],
    ['again', 'vars.set', { values: { greeting: '{{vars.greeting}}!' } }],
    ['post', 'feed.post', { text: '{{vars.greeting}} ({{vars.score}})' }],
  ]);
  const contact = await create('contacts', { firstName: 'Linus', lastName: 'T' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const post = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('text', 'like', 'Hello Linus%')
    .execute();
  assert.deepEqual(post, [{ text: 'Hello Linus! (3)' }]);
  const stored = await db
    .selectFrom('flowRuns')
    .select('output')
    .where('id', '=', run.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual((stored.output as { vars: unknown }).vars, { greeting: 'Hello Linus!', score: 3 });
});

test('record.switchRelated: the contact’s account becomes the current record for the steps after it', async () => {
  const flowId = await manual('To the account', [
    ['account', 'record.switchRelated', { link: 'company', module: 'accounts' }],
    [
      'touch',
      'record.update',
      { values: { description: 'Has contact {{steps.account.output.record.name}}' } },
    ],
    ['tag', 'record.tags', { action: 'add', tags: ['{{record.module}}'] }],
  ]);
  const account = await create('accounts', { name: 'Analytical Engines' });
  const contact = await create('contacts', {
    firstName: 'Charles',
    lastName: 'Babbage',
    company: account.id,
  });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const after = (await admin.request('GET', `/api/records/accounts/${account.id}`)).json();
  assert.equal(after.description, 'Has contact Analytical Engines');
  assert.deepEqual(after.tags, ['accounts']);
  const untouched = (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json();
  assert.deepEqual(untouched.tags, []);

  const lonely = await create('contacts', { firstName: 'No', lastName: 'Account' });
  const failed = await runOn(flowId, String(lonely.id));
  assert.equal(failed.status, 'failed');
  assert.match(String(failed.steps[0]?.error?.message), /company of this contacts record is empty/);
  assert.equal(failed.steps[0]?.attempt, 1);
});

test('records.find feeds a forEach: each open task of the contact is deleted, the done one stays', async () => {
  const flowId = await publish({
    name: 'Close out',
    trigger: onContacts,
    nodes: [
      {
        id: 'find',
        type: 'records.find',
        params: {
          module: 'tasks',
          where: {
            and: [
              { '==': [{ var: 'associationId' }, '{{record.id}}'] },
              { '==': [{ var: 'complete' }, false] },
            ],
          },
          sort: 'subject',
          limit: 10,
        },
        position: { x: 0, y: 100 },
      },
      {
        id: 'each',
        type: 'control.forEach',
        params: { items: '{{steps.find.output.items}}', as: 'task' },
        position: { x: 0, y: 200 },
      },
      {
        id: 'drop',
        type: 'record.delete',
        params: { module: 'tasks', recordId: '{{vars.task.id}}' },
        position: { x: 0, y: 300 },
      },
      {
        id: 'post',
        type: 'feed.post',
        params: { text: 'Closed {{steps.each.output.count}} of {{steps.find.output.count}}' },
        position: { x: 0, y: 400 },
      },
    ],
    edges: [
      { source: 'trigger', target: 'find' },
      { source: 'find', target: 'each' },
      { source: 'each', sourceHandle: 'each', target: 'drop' },
      { source: 'drop', target: 'each' },
      { source: 'each', sourceHandle: 'done', target: 'post' },
    ],
  });
  const contact = await create('contacts', { firstName: 'Many', lastName: 'Tasks' });
  const other = await create('contacts', { firstName: 'Other', lastName: 'Person' });
  const on = (record: Record<string, unknown>) => ({ associationType: 'contacts', associationId: record.id });
  await create('tasks', { subject: 'a', ...on(contact) });
  await create('tasks', { subject: 'b', ...on(contact) });
  const done = await create('tasks', { subject: 'c', complete: true, ...on(contact) });
  const elsewhere = await create('tasks', { subject: 'd', ...on(other) });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.deepEqual(
    run.steps.map((step) => `${step.nodeId}:${step.status}`),
    ['find:done', 'drop:done', 'drop:done', 'post:done'],
  );
  assert.deepEqual(
    ((run.steps[0]?.output?.items ?? []) as Record<string, unknown>[]).map((task) => [
      task.subject,
      task.module,
    ]),
    [
      ['a', 'tasks'],
      ['b', 'tasks'],
    ],
  );
  const left = (await admin.request('GET', '/api/records/tasks?limit=50')).json();
  const mine = left.items.filter((task: { associationId: unknown }) =>
    [contact.id, other.id].includes(task.associationId),
  );
  assert.deepEqual(mine.map((task: { id: string }) => task.id).sort(), [done.id, elsewhere.id].sort());
  const post = await db.selectFrom('feedPosts').select('text').where('text', 'like', 'Closed%').execute();
  assert.deepEqual(post, [{ text: 'Closed 2 of 2' }]);
});

test('list.add / list.remove: the current record joins and leaves a static list', async () => {
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Flow list',
    kind: 'static',
  });
  assert.equal(list.statusCode, 201, list.body);
  const listId = list.json().id;
  const add = await manual('Join', [['join', 'list.add', { listId }]]);
  const remove = await manual('Leave', [['leave', 'list.remove', { listId }]]);
  const contact = await create('contacts', { firstName: 'On', lastName: 'List' });
  const members = async () =>
    (await db.selectFrom('listMembers').select('recordId').where('listId', '=', listId).execute()).map(
      (row) => row.recordId,
    );
  const joined = await runOn(add, String(contact.id));
  assert.deepEqual(joined.steps[0]?.output, { members: 1 });
  assert.deepEqual(await members(), [contact.id]);
  const left = await runOn(remove, String(contact.id));
  assert.deepEqual(left.steps[0]?.output, { members: 0 });
  assert.deepEqual(await members(), []);
  const account = await create('accounts', { name: 'Not a contact' });
  const wrongModule = await runOn(
    await manual('Join from accounts', [['join', 'list.add', { listId }]], 'accounts'),
    String(account.id),
  );
  assert.equal(wrongModule.status, 'failed');
  assert.match(String(wrongModule.steps[0]?.error?.message), /recordIds names no contacts record/);
});

test('the node catalogue offers the record actions with form-ready schemas', async () => {
  const { items } = (await admin.request('GET', '/api/nodes')).json();
  const byType = new Map(items.map((item: { type: string }) => [item.type, item]));
  const types = [
    'record.create',
    'record.delete',
    'record.tags',
    'task.create',
    'record.comment',
    'vars.set',
  ].concat(['record.switchRelated', 'list.add', 'list.remove', 'records.find']);
  for (const type of types) {
    const node = byType.get(type) as
      | { params: { properties: Record<string, { title?: string }> } }
      | undefined;
    assert.ok(node, type);
    for (const [name, property] of Object.entries(node.params.properties))
      assert.ok(property.title, `${type}.${name} has a title`);
  }
});
