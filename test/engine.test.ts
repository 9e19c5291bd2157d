import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Flow } from '../schemas/flow.ts';
import { engineTestApp, eventually } from './helpers/engine.ts';

const { db, admin, workers, publish } = await engineTestApp();

async function finishedRuns(flowId: string, count = 1) {
  return eventually(async () => {
    const runs = await db.selectFrom('flowRuns').selectAll().where('flowId', '=', flowId).execute();
    const settled = runs.filter((run) => ['succeeded', 'failed', 'cancelled'].includes(run.status));
    return settled.length >= count ? settled : undefined;
  }, `${count} finished run(s) of flow ${flowId}`);
}

const webLeadFlow: Flow = {
  name: 'Route web leads',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  nodes: [
    {
      id: 'isWeb',
      type: 'control.if',
      params: { condition: { '==': [{ var: 'record.leadSource' }, 'Web'] } },
      position: { x: 0, y: 100 },
    },
    {
      id: 'assign',
      type: 'record.assign',
      params: { to: 'user', assignee: '{{user.id}}' },
      position: { x: -100, y: 200 },
    },
    {
      id: 'post',
      type: 'feed.post',
      params: { text: 'New web lead {{record.firstName}} {{record.lastName}}' },
      position: { x: -100, y: 300 },
    },
    {
      id: 'other',
      type: 'feed.post',
      params: { text: 'Lead from elsewhere: {{record.firstName}}' },
      position: { x: 100, y: 200 },
    },
  ],
  edges: [
    { source: 'trigger', target: 'isWeb' },
    { source: 'isWeb', sourceHandle: 'true', target: 'assign' },
    { source: 'assign', target: 'post' },
    { source: 'isWeb', sourceHandle: 'false', target: 'other' },
  ],
};

test('publishing refuses a flow with problems and names the node', async () => {
  const broken: Flow = {
    ...webLeadFlow,
    name: 'Broken',
    edges: webLeadFlow.edges.filter((edge) => edge.sourceHandle !== 'false'),
  };
  const created = await admin.request('POST', '/api/flows', { name: 'Broken', definition: broken });
  const response = await admin.request('POST', `/api/flows/${created.json().id}/publish`);
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().error.code, 'WEFT_ERR_FLOW_INVALID');
  assert.ok(
    response
      .json()
      .error.details.some((problem: { nodeId?: string; code: string }) => problem.nodeId === 'isWeb'),
  );
  const validate = await admin.request('POST', '/api/flows/validate', broken);
  assert.ok(validate.json().problems.length > 0);
});

test('a created contact runs the published flow: branch, assign, feed post, run history', async () => {
  const flowId = await publish(webLeadFlow);
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    leadSource: 'Web',
  });
  assert.equal(contact.statusCode, 201, contact.body);
  const [run] = await finishedRuns(flowId);
  assert.equal(run?.status, 'succeeded', JSON.stringify(run?.error));
  const detail = (await admin.request('GET', `/api/runs/${run?.id}`)).json();
  assert.deepEqual(
    detail.steps.map((step: { nodeId: string; status: string }) => `${step.nodeId}:${step.status}`),
    ['assign:done', 'post:done'],
  );
  const posts = await db
    .selectFrom('feedPosts')
    .select(['text', 'recordId'])
    .where('type', '=', 'workflow')
    .execute();
  assert.deepEqual(posts, [{ text: 'New web lead Ada Lovelace', recordId: contact.json().id }]);
  const log = await db.selectFrom('flowTriggerLog').select('outcome').where('flowId', '=', flowId).execute();
  assert.deepEqual(log, [{ outcome: 'started' }]);
  const list = (await admin.request('GET', '/api/flows')).json();
  const listed = list.items.find((flow: { id: string }) => flow.id === flowId);
  assert.equal(listed.stats.lastStatus, 'succeeded');
});

test('an event dispatched again starts no second run', async () => {
  const before = await db
    .selectFrom('flowRuns')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await db.updateTable('events').set({ dispatchedAt: null }).execute();
  await workers.dispatch();
  const afterwards = await db
    .selectFrom('flowRuns')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(afterwards.n), Number(before.n));
});

test('a step that fails for a user error fails the run at once, and retry runs it again', async () => {
  const flowId = await publish({
    name: 'Notify nobody',
    trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'tell',
        type: 'notification.create',
        // A user chosen in the designer must exist at publish; one a template names is checked when the step runs.
        params: { userId: '{{record.description}}', text: 'hi' },
        position: { x: 0, y: 100 },
      },
    ],
    edges: [{ source: 'trigger', target: 'tell' }],
  });
  const account = await admin.request('POST', '/api/records/accounts', {
    name: 'Acme',
    description: '00000000-0000-4000-8000-000000000000',
  });
  assert.equal(account.statusCode, 201, account.body);
  const [run] = await finishedRuns(flowId);
  assert.equal(run?.status, 'failed');
  const detail = (await admin.request('GET', `/api/runs/${run?.id}`)).json();
  assert.equal(detail.steps[0].status, 'failed');
  assert.equal(detail.steps[0].attempt, 1, 'a user error is not retried');
  assert.match(detail.steps[0].error.message, /userId/);
  const retried = await admin.request('POST', `/api/runs/${run?.id}/retry`);
  assert.equal(retried.statusCode, 200, retried.body);
  await eventually(async () => {
    const again = await db
      .selectFrom('flowRuns')
      .select('status')
      .where('id', '=', String(run?.id))
      .executeTakeFirstOrThrow();
    return again.status === 'failed';
  }, 'the retried run to fail again');
});

test('a flow whose own write would trigger it again stops at the cycle, and says so', async () => {
  const flowId = await publish({
    name: 'Touch on update',
    trigger: { type: 'trigger.recordUpdated', params: { module: 'opportunities' } },
    nodes: [
      {
        id: 'touch',
        type: 'record.update',
        params: { values: { description: 'touched {{record.name}}' } },
        position: { x: 0, y: 100 },
      },
    ],
    edges: [{ source: 'trigger', target: 'touch' }],
  });
  const created = await admin.request('POST', '/api/records/opportunities', { name: 'Deal' });
  assert.equal(created.statusCode, 201, created.body);
  await admin.request('PATCH', `/api/records/opportunities/${created.json().id}`, { name: 'Big deal' });
  await finishedRuns(flowId);
  const log = await eventually(async () => {
    const rows = await db
      .selectFrom('flowTriggerLog')
      .select(['outcome', 'detail'])
      .where('flowId', '=', flowId)
      .orderBy('id')
      .execute();
    return rows.length >= 2 ? rows : undefined;
  }, 'the cycle to be logged');
  assert.deepEqual(
    log.map((row) => row.outcome),
    ['started', 'cycle'],
  );
  const runs = await db.selectFrom('flowRuns').select('id').where('flowId', '=', flowId).execute();
  assert.equal(runs.length, 1);
});

test('a manual run on chosen records, once the flow is published', async () => {
  const flow = await admin.request('POST', '/api/flows', {
    name: 'Macro',
    definition: {
      name: 'Macro',
      trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
      nodes: [
        {
          id: 'post',
          type: 'feed.post',
          params: { text: 'Macro on {{record.firstName}}' },
          position: { x: 0, y: 100 },
        },
      ],
      edges: [{ source: 'trigger', target: 'post' }],
    },
  });
  const flowId = flow.json().id;
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Grace',
    lastName: 'Hopper',
  });
  const notPublished = await admin.request('POST', `/api/flows/${flowId}/run`, {
    recordIds: [contact.json().id],
  });
  assert.equal(notPublished.statusCode, 422);
  await admin.request('POST', `/api/flows/${flowId}/publish`);
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [contact.json().id] });
  assert.equal(started.statusCode, 202, started.body);
  const [run] = await finishedRuns(flowId);
  assert.equal(run?.status, 'succeeded');
  const posts = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('text', '=', 'Macro on Grace')
    .execute();
  assert.equal(posts.length, 1);
});

test('the node catalogue lists triggers, control nodes and actions with their schemas', async () => {
  const { items } = (await admin.request('GET', '/api/nodes')).json();
  const types = items.map((item: { type: string }) => item.type);
  for (const type of ['trigger.recordCreated', 'control.if', 'control.wait', 'record.update', 'feed.post'])
    assert.ok(types.includes(type), type);
  const post = items.find((item: { type: string }) => item.type === 'feed.post');
  assert.equal(post.params.properties.text.type, 'string');
});

test('waits survive as jobs and a deactivated flow does not resume', async () => {
  const flowId = await publish({
    name: 'Wait then post',
    trigger: { type: 'trigger.recordCreated', params: { module: 'cases' } },
    nodes: [
      {
        id: 'pause',
        type: 'control.wait',
        params: { duration: { amount: 1, unit: 'seconds' } },
        position: { x: 0, y: 100 },
      },
      { id: 'post', type: 'feed.post', params: { text: 'after the wait' }, position: { x: 0, y: 200 } },
    ],
    edges: [
      { source: 'trigger', target: 'pause' },
      { source: 'pause', target: 'post' },
    ],
  });
  await admin.request('POST', '/api/records/cases', { name: 'Broken printer' });
  const waiting = await eventually(async () => {
    const run = await db
      .selectFrom('flowRuns')
      .select(['id', 'status'])
      .where('flowId', '=', flowId)
      .executeTakeFirst();
    return run?.status === 'waiting' ? run : undefined;
  }, 'the run to wait');
  await admin.request('POST', `/api/flows/${flowId}/deactivate`);
  const [run] = await finishedRuns(flowId);
  assert.equal(run?.id, waiting.id);
  assert.equal(run?.status, 'cancelled');
  const posts = await db.selectFrom('feedPosts').select('id').where('text', '=', 'after the wait').execute();
  assert.equal(posts.length, 0);
  await sql`select 1`.execute(db);
});

test('a test run runs the draft synchronously, answers every step, and leaves nothing behind', async () => {
  // Its own post text: other flows of this file are active and post about new contacts too.
  const dryRun: Flow = {
    ...webLeadFlow,
    name: 'Dry run',
    nodes: webLeadFlow.nodes.map((node) =>
      node.id === 'post'
        ? { ...node, params: { text: 'Dry run for {{record.firstName}} {{record.lastName}}' } }
        : node,
    ),
  };
  const created = await admin.request('POST', '/api/flows', { name: 'Dry run', definition: dryRun });
  const flowId = created.json().id;
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Alan',
    lastName: 'Turing',
    leadSource: 'Web',
  });
  const response = await admin.request('POST', `/api/flows/${flowId}/test-runs`, {
    recordId: contact.json().id,
  });
  assert.equal(response.statusCode, 200, response.body);
  const result = response.json();
  assert.equal(result.status, 'succeeded');
  assert.deepEqual(result.path, ['isWeb', 'assign', 'post']);
  const post = result.steps.find((step: { nodeId: string }) => step.nodeId === 'post');
  assert.equal(post.input.text, 'Dry run for Alan Turing');
  assert.ok(post.output.postId);
  const kept = await db
    .selectFrom('feedPosts')
    .select('id')
    .where('text', '=', 'Dry run for Alan Turing')
    .execute();
  assert.deepEqual(kept, [], 'the test run’s writes were rolled back');
  const runs = await db.selectFrom('flowRuns').select('id').where('flowId', '=', flowId).execute();
  assert.equal(runs.length, 0, 'a test run leaves no run behind');
});

test('the runs that touched a record are listed by module and record', async () => {
  const flowId = await publish({ ...webLeadFlow, name: 'Per record' });
  const contact = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Rita',
    lastName: 'Record',
    leadSource: 'Web',
  });
  await finishedRuns(flowId);
  const runs = await admin.request('GET', `/api/runs?module=contacts&recordId=${contact.json().id}`);
  assert.equal(runs.statusCode, 200, runs.body);
  const flowIds = runs.json().items.map((run: { flowId: string }) => run.flowId);
  assert.ok(flowIds.includes(flowId));
  assert.equal((await admin.request('GET', `/api/runs?recordId=${contact.json().id}`)).statusCode, 400);
});
