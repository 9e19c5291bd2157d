import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

// Modules of their own, so that no other flow of this file listens to their records.
const { db, admin, publish, create } = await engineTestApp();
for (const name of ['chain_a', 'chain_b', 'chain_c', 'chain_loop']) {
  // Every module has a name field.
  const response = await admin.request('POST', '/api/modules', { name, label: name });
  assert.equal(response.statusCode, 201, response.body);
}
const limit = await admin.request('PATCH', '/api/settings', { flowChainDepth: 2 });
assert.equal(limit.statusCode, 200, limit.body);

const onCreated = (module: string) => ({ type: 'trigger.recordCreated', params: { module } });
const createIn = (module: string) =>
  ['make', 'record.create', { module, values: { name: 'from {{record.name}}' } }] as const;

const triggerLog = (flowId: string) =>
  db
    .selectFrom('flowTriggerLog')
    .select(['outcome', 'detail', 'eventId'])
    .where('flowId', '=', flowId)
    .orderBy('id')
    .execute();

const runsOf = (flowId: string) =>
  db
    .selectFrom('flowRuns')
    .select(['id', 'status', 'depth', 'eventId', 'recordId'])
    .where('flowId', '=', flowId)
    .orderBy('depth')
    .execute();

test('a record created by flow A starts flow B, with causation; the depth limit stops C and says so', async () => {
  const a = await publish(straightFlow('A', onCreated('chain_a'), [[...createIn('chain_b')]]));
  const b = await publish(straightFlow('B', onCreated('chain_b'), [[...createIn('chain_c')]]));
  const c = await publish(
    straightFlow('C', onCreated('chain_c'), [['post', 'feed.post', { text: 'C ran' }]]),
  );
  const first = await create('chain_a', { name: 'start' });

  const [refused] = await eventually(async () => {
    const rows = await triggerLog(c);
    return rows.length > 0 ? rows : undefined;
  }, 'flow C to be refused');
  assert.equal(refused?.outcome, 'depth-limit');
  assert.match(String(refused?.detail), /2 deep; the limit \(setting flowChainDepth\) is 2/);
  assert.deepEqual(await runsOf(c), []);

  const events = await db
    .selectFrom('events')
    .select(['id', 'module', 'recordId', 'causationId', 'depth'])
    .where('type', '=', 'record.created')
    .where('module', 'in', ['chain_a', 'chain_b', 'chain_c'])
    .orderBy('id')
    .execute();
  const [origin, second, third] = events;
  assert.equal(origin?.recordId, first.id);
  assert.deepEqual(
    events.map((event) => [event.module, event.causationId, event.depth]),
    [
      ['chain_a', null, null],
      ['chain_b', origin?.id, 1],
      ['chain_c', origin?.id, 2],
    ],
  );
  const [runA] = await runsOf(a);
  const [runB] = await eventually(async () => {
    const runs = await runsOf(b);
    return runs[0]?.status === 'succeeded' ? runs : undefined;
  }, 'flow B to finish');
  assert.deepEqual([runA?.depth, runA?.eventId], [0, origin?.id]);
  assert.deepEqual([runB?.depth, runB?.eventId, runB?.recordId], [1, second?.id, second?.recordId]);
  assert.equal(refused?.eventId, third?.id);
  const made = (await admin.request('GET', `/api/records/chain_c/${third?.recordId}`)).json();
  assert.equal(made.name, 'from from start');
  for (const id of [a, b, c]) await admin.request('POST', `/api/flows/${id}/deactivate`);
});

test('a flow that creates a record of the module it listens to runs until the depth limit, then stops', async () => {
  const loop = await publish(straightFlow('Loop', onCreated('chain_loop'), [[...createIn('chain_loop')]]));
  await create('chain_loop', { name: 'seed' });
  const log = await eventually(async () => {
    const rows = await triggerLog(loop);
    return rows.some((row) => row.outcome === 'depth-limit') ? rows : undefined;
  }, 'the loop to reach the depth limit');
  assert.deepEqual(
    log.map((row) => row.outcome),
    ['started', 'started', 'depth-limit'],
  );
  const runs = await eventually(async () => {
    const rows = await runsOf(loop);
    return rows.every((run) => run.status === 'succeeded') ? rows : undefined;
  }, 'the loop’s runs to finish');
  assert.deepEqual(
    runs.map((run) => run.depth),
    [0, 1],
  );
  const names = await admin.request('GET', '/api/records/chain_loop?limit=10&sort=createdAt');
  assert.deepEqual(
    names.json().items.map((record: { name: string }) => record.name),
    ['seed', 'from seed', 'from from seed'],
  );
});

test('two events of one chain on one record in the same dispatch batch start the flow once, and the other is a cycle', async () => {
  const flow = await publish(
    straightFlow('Once per chain', { type: 'trigger.recordUpdated', params: { module: 'chain_b' } }, [
      ['post', 'feed.post', { text: 'updated {{record.name}}' }],
    ]),
  );
  const record = await create('chain_b', { name: 'twice' });
  const update = await admin.request('PATCH', `/api/records/chain_b/${record.id}`, { name: 'twice more' });
  assert.equal(update.statusCode, 200, update.body);
  const [first] = await eventually(async () => {
    const rows = await triggerLog(flow);
    return rows.length > 0 ? rows : undefined;
  }, 'the update to be dispatched');
  assert.equal(first?.outcome, 'started');
  // Two updates of one chain committed together, so that one dispatch batch reads both. Their
  // chain starts at the record's creation, which did not run this flow (it listens to updates).
  const original = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', first?.eventId as number)
    .executeTakeFirstOrThrow();
  const creation = await db
    .selectFrom('events')
    .select('id')
    .where('type', '=', 'record.created')
    .where('recordId', '=', String(record.id))
    .executeTakeFirstOrThrow();
  const copy = {
    type: original.type,
    module: original.module,
    recordId: original.recordId,
    payload: JSON.stringify(original.payload),
    actorId: original.actorId,
    causationId: creation.id,
    depth: 1,
  };
  const inserted = await db.insertInto('events').values([copy, copy]).returning('id').execute();
  const log = await eventually(async () => {
    const rows = (await triggerLog(flow)).filter((row) => inserted.some((event) => event.id === row.eventId));
    return rows.length === 2 ? rows : undefined;
  }, 'both events to be dispatched');
  assert.deepEqual(log.map((row) => row.outcome).sort(), ['cycle', 'started']);
  assert.match(String(log.find((row) => row.outcome === 'cycle')?.detail), /same chain/);
  await admin.request('POST', `/api/flows/${flow}/deactivate`);
});
