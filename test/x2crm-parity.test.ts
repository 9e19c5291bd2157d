import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db, admin, publish, finished, create } = await engineTestApp();

const opts = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }]));

async function runsOf(flowId: string) {
  await eventually(async () => {
    const pending = await db.selectFrom('events').select('id').where('dispatchedAt', 'is', null).execute();
    return pending.length === 0;
  }, 'every event to be dispatched');
  return db
    .selectFrom('flowRuns')
    .select(['id', 'recordId', 'status'])
    .where('flowId', '=', flowId)
    .execute();
}

test('usernames resolve at import, X2CRM list ids are bound before publishing', async () => {
  const file = {
    version: '7.1',
    flowName: 'Hot leads',
    trigger: { type: 'RecordCreateTrigger', modelClass: 'Contacts', options: [] },
    items: [
      { id: 1, type: 'X2FlowRecordReassign', options: opts({ user: 'admin' }) },
      { id: 2, type: 'X2FlowCreateNotif', options: opts({ user: 'ghost', text: 'New lead' }) },
      { id: 3, type: 'X2FlowRecordListAdd', options: opts({ listId: '12' }) },
      { id: 4, type: 'X2FlowRecordCreateAction', options: opts({ subject: 'Call {firstName}' }) },
    ],
  };
  const imported = await admin.request('POST', '/api/flows/import', file);
  assert.equal(imported.statusCode, 201, imported.body);
  const body = imported.json();
  const flowId = body.flow.id as string;
  assert.deepEqual(body.usersNotFound, ['ghost']);
  assert.deepEqual(
    body.bindings.map((b: { ref: string; nodeIds: string[] }) => [b.ref, b.nodeIds]),
    [
      ['x2crm:user:ghost', ['n2']],
      ['x2crm:list:12', ['n3']],
    ],
  );
  const codes = body.problems.map((p: { code: string; nodeId: string }) => `${p.code} ${p.nodeId}`);
  assert.deepEqual(codes, ['import.binding n2', 'import.binding n3']);
  const draft = (await admin.request('GET', `/api/flows/${flowId}`)).json().draft;
  assert.equal(draft.nodes[0].params.assignee, admin.userId, 'admin is the Weft user admin');
  assert.deepEqual(draft.nodes[3].params, {
    subject: 'Call {{record.firstName}}',
    onRecord: true,
    copyFromRecord: true,
  });

  const refused = await admin.request('POST', `/api/flows/${flowId}/publish`);
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.body, /X2CRM list 12: choose the Weft list/);

  const list = await admin.request('POST', '/api/lists', { module: 'contacts', name: 'Hot', kind: 'static' });
  assert.equal(list.statusCode, 201, list.body);
  const listId = list.json().id as string;
  const wrong = await admin.request('POST', `/api/flows/${flowId}/bindings`, {
    values: { 'x2crm:list:12': admin.userId, 'x2crm:list:99': listId },
  });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(
    wrong.json().error.details.map((d: { field: string }) => d.field),
    ['/values/x2crm:list:12', '/values/x2crm:list:99'],
  );
  const bound = await admin.request('POST', `/api/flows/${flowId}/bindings`, {
    values: { 'x2crm:list:12': listId, 'x2crm:user:ghost': admin.userId },
  });
  assert.equal(bound.statusCode, 200, bound.body);
  assert.deepEqual(bound.json().bindings, []);
  assert.deepEqual(bound.json().problems, []);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);

  // It runs: reassigned, notified, on the list, and a task on the contact with its priority.
  const contact = await create('contacts', { firstName: 'Hana', lastName: 'Hot' });
  const [run] = await eventually(async () => {
    const runs = await runsOf(flowId);
    return runs.length === 1 ? runs : undefined;
  }, 'the run');
  assert.ok(run);
  assert.equal((await finished(run.id)).status, 'succeeded');
  const member = await db.selectFrom('listMembers').select('recordId').where('listId', '=', listId).execute();
  assert.deepEqual(
    member.map((m) => m.recordId),
    [contact.id],
  );
  const tasks = await admin.request(
    'GET',
    `/api/records/tasks?where=${encodeURIComponent(JSON.stringify({ '==': [{ var: 'associationId' }, contact.id] }))}`,
  );
  assert.equal(tasks.statusCode, 200, tasks.body);
  assert.deepEqual(
    tasks.json().items.map((t: { subject: string; assignedTo: string }) => [t.subject, t.assignedTo]),
    [['Call Hana', admin.userId]],
  );
});

test('a flow with no steps imports as a draft with the problem named, and publishes once fixed', async () => {
  const imported = await admin.request('POST', '/api/flows/import', {
    version: '7.1',
    flowName: 'Empty',
    trigger: { type: 'RecordUpdateTrigger', modelClass: 'Contacts', options: [] },
    items: [{ id: 1, type: 'X2FlowCreateReminder', options: [] }],
  });
  assert.equal(imported.statusCode, 201);
  const { flow, problems } = imported.json();
  const named = problems.find((p: { code: string }) => p.code === 'import.incomplete');
  assert.match(named?.message ?? '', /None of the X2CRM flow's 1 step/);
  const refused = await admin.request('POST', `/api/flows/${flow.id}/publish`);
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /has a Weft counterpart/);
  const fixed = straightFlow('Empty', flow.draft?.trigger ?? imported.json().flow.draft.trigger, [
    ['post', 'feed.post', { text: 'changed' }],
  ]);
  const saved = await admin.request('PUT', `/api/flows/${flow.id}/draft`, fixed);
  assert.equal(saved.statusCode, 200, saved.body);
  assert.deepEqual(saved.json().problems, []);
  assert.equal((await admin.request('POST', `/api/flows/${flow.id}/publish`)).statusCode, 200);
});

test('an X2CRM trigger with no Weft counterpart names its reason and waits for a trigger', async () => {
  const imported = await admin.request('POST', '/api/flows/import', {
    version: '7.1',
    flowName: 'Calls',
    trigger: { type: 'VoipInboundTrigger', modelClass: 'Contacts', options: [] },
    items: [{ id: 1, type: 'X2FlowRecordTag', options: opts({ action: 'add', tags: 'called' }) }],
  });
  const body = imported.json();
  assert.match(body.unmapped[0].reason, /telephony/);
  assert.match(body.problems[0].message, /VoipInboundTrigger has no Weft counterpart/);
  assert.equal((await admin.request('POST', `/api/flows/${body.flow.id}/publish`)).statusCode, 400);
});

test('task marked incomplete: only the update that turns complete off', async () => {
  const flowId = await publish(
    straightFlow('Reopened', { type: 'trigger.taskUncompleted', params: {} }, [
      ['post', 'feed.post', { text: 'Reopened {{record.subject}}' }],
    ]),
  );
  const task = await create('tasks', { subject: 'Ship', complete: true });
  const patch = (values: Record<string, unknown>) =>
    admin.request('PATCH', `/api/records/tasks/${task.id}`, values);
  assert.equal((await patch({ subject: 'Ship it' })).statusCode, 200);
  assert.equal((await runsOf(flowId)).length, 0);
  assert.equal((await patch({ complete: false })).statusCode, 200);
  assert.equal((await runsOf(flowId)).length, 1);
  assert.equal((await patch({ complete: true })).statusCode, 200);
  assert.equal((await runsOf(flowId)).length, 1, 'completing is not reopening');
});

test('macros: users of the chosen roles list and run them; others do not see them', async () => {
  const user = await signedInUser(app, db, admin, 'macro-user');
  const other = await signedInUser(app, db, admin, 'no-macros', {
    contacts: { view: 'all', create: 'all', update: 'all', delete: 'none' },
  });
  const userRole = await db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', 'User')
    .executeTakeFirstOrThrow();
  const flowId = await publish(
    straightFlow(
      'Tag as hot',
      { type: 'trigger.macro', params: { module: 'contacts', roles: [userRole.id] } },
      [['tag', 'record.tags', { action: 'add', tags: ['hot'] }]],
    ),
  );
  const contact = await create('contacts', { firstName: 'Mac', lastName: 'Ro', visibility: 'public' });

  const listed = await user.request('GET', '/api/macros?module=contacts');
  assert.equal(listed.statusCode, 200, listed.body);
  assert.deepEqual(
    listed.json().items.map((m: { name: string }) => m.name),
    ['Tag as hot'],
  );
  assert.deepEqual((await other.request('GET', '/api/macros')).json().items, []);
  assert.equal(
    (await other.request('POST', `/api/macros/${flowId}/run`, { recordIds: [contact.id] })).statusCode,
    404,
  );
  assert.equal(
    (await user.request('POST', `/api/flows/${flowId}/run`, { recordIds: [contact.id] })).statusCode,
    403,
  );

  const started = await user.request('POST', `/api/macros/${flowId}/run`, { recordIds: [contact.id] });
  assert.equal(started.statusCode, 202, started.body);
  const [runId] = started.json().runIds;
  assert.equal((await finished(runId)).status, 'succeeded');
  const tags = (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json().tags;
  assert.deepEqual(tags, ['hot']);
});
