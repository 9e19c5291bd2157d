import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FromSchema } from 'json-schema-to-ts';
import { sql } from 'kysely';
import { controlNodes } from '../engine/core/control-nodes.ts';
import { createCatalog, defineAction, type NodeDefinition } from '../engine/core/node-types.ts';
import { triggers, catalog as weftCatalog } from '../engine/nodes/index.ts';
import { RetryAfterError } from '../engine/runtime/errors.ts';
import { FlowRuntime } from '../engine/runtime/runtime.ts';
import { servicesOf } from '../engine/runtime/services.ts';
import type { EngineDb } from '../engine/runtime/tables.ts';
import type { Flow } from '../schemas/flow.ts';
import { type EngineWorkers, startEngineWorkers } from '../server/automation/engine.ts';
import { engineServices, factServices } from '../server/automation/engine-services.ts';
import type { Db } from '../server/db/index.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { eventually } from './helpers/engine.ts';

const { app, db, url } = await createTestApp({ queue: true });
const admin = await login(app);
const boss = app.boss as NonNullable<typeof app.boss>;

/**
 * Test-only actions: they do a real side effect through the services (a feed post) and
 * then fail the way a crash or a busy remote would, a given number of times.
 */
const failures = new Map<string, number>();
const flakyParams = {
  type: 'object',
  properties: { key: { type: 'string' }, mode: { type: 'string' } },
  required: ['key', 'mode'],
} as const;
const flaky = defineAction<FromSchema<typeof flakyParams>, { posted: boolean }>({
  type: 'test.postThenFail',
  title: 'Post, then fail the first time',
  category: 'Test',
  params: flakyParams,
  output: { type: 'object', properties: { posted: { type: 'boolean' } } },
  retry: { attempts: 3, backoff: 'fixed', delayMs: 1000 },
  // It counts its failures in this process's memory, outside the database: a batch that
  // rolled back would have used one up unseen.
  external: true,
  async run(ctx, input) {
    await servicesOf(ctx).feed.post({ text: `side effect ${input.key}` });
    const left = failures.get(input.key) ?? 0;
    if (left > 0) {
      failures.set(input.key, left - 1);
      // After the write: the step's transaction must roll it back.
      throw input.mode === 'later'
        ? new RetryAfterError('busy, come back soon', 300)
        : new Error('the process died here');
    }
    return { posted: true };
  },
});
/** Test-only: a step that posts, then fails every time when asked to (no state outside the database). */
const refuse = defineAction<{ text: string; fail: boolean }, { posted: boolean }>({
  type: 'test.postOrRefuse',
  title: 'Post, or post and refuse',
  category: 'Test',
  params: {
    type: 'object',
    properties: { text: { type: 'string' }, fail: { type: 'boolean' } },
    required: ['text', 'fail'],
  },
  output: { type: 'object', properties: { posted: { type: 'boolean' } } },
  async run(ctx, input) {
    await servicesOf(ctx).feed.post({ text: input.text });
    if (input.fail) throw new Error(`refused: ${input.text}`);
    return { posted: true };
  },
});
const catalog = createCatalog([
  ...controlNodes,
  ...triggers,
  ...(['feed.post', 'record.update', 'vars.set'].map((type) => weftCatalog.get(type)) as NodeDefinition[]),
  flaky,
  refuse,
]);

function newRuntime(options: { leaseMs?: number; inlineSlots?: number } = {}) {
  return new FlowRuntime({
    db: db as unknown as EngineDb,
    boss,
    catalog,
    clock: { now: () => new Date() },
    services: engineServices,
    facts: (trx) => factServices(trx as unknown as Db),
    ...options,
  });
}

let workers: EngineWorkers | undefined;
async function startWorkers(runtime: FlowRuntime) {
  workers = await startEngineWorkers({
    db,
    boss,
    runtime,
    settings: app.settings,
    connectionString: url,
    pollMs: 200,
    onError: () => {},
  });
  return workers;
}
onTestEnd(async () => workers?.stop());
await startWorkers(newRuntime());

async function publish(definition: Flow): Promise<string> {
  const created = await admin.request('POST', '/api/flows', { name: definition.name, definition });
  const id = created.json().id as string;
  // Test-only node types are not in the server's catalogue, so this flow is published directly.
  await db
    .insertInto('flowVersions')
    .values({ flowId: id, version: 1, definition: JSON.stringify(definition), publishedBy: admin.userId })
    .execute();
  await db
    .updateTable('flows')
    .set({
      publishedVersion: 1,
      active: true,
      triggerType: definition.trigger.type,
      triggerModule: 'accounts',
    })
    .where('id', '=', id)
    .execute();
  return id;
}

const settled = (flowId: string) =>
  eventually(async () => {
    const run = await db.selectFrom('flowRuns').selectAll().where('flowId', '=', flowId).executeTakeFirst();
    return run && ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, `a finished run of ${flowId}`);

const posts = (text: string) => db.selectFrom('feedPosts').select('id').where('text', '=', text).execute();

const oneStep = (name: string, key: string, mode: 'crash' | 'later'): Flow => ({
  name,
  trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
  nodes: [{ id: 'flaky', type: 'test.postThenFail', params: { key, mode }, position: { x: 0, y: 100 } }],
  edges: [{ source: 'trigger', target: 'flaky' }],
});

test('a step that dies after its write is retried, and its side effect happens once', async () => {
  failures.set('crash', 1);
  const flowId = await publish(oneStep('Crash once', 'crash', 'crash'));
  await admin.request('POST', '/api/records/accounts', { name: 'Crash Inc' });
  const run = await settled(flowId);
  assert.equal(run.status, 'succeeded');
  assert.equal((await posts('side effect crash')).length, 1);
  const step = await db
    .selectFrom('flowSteps')
    .select(['attempt', 'status'])
    .where('runId', '=', run.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(step, { attempt: 2, status: 'done' });
});

test('a remote asking to retry later gets its own delay, and the attempt count carries over', async () => {
  failures.set('later', 1);
  const flowId = await publish(oneStep('Busy remote', 'later', 'later'));
  await admin.request('POST', '/api/records/accounts', { name: 'Later Ltd' });
  const run = await settled(flowId);
  assert.equal(run.status, 'succeeded');
  assert.equal((await posts('side effect later')).length, 1);
  const step = await db
    .selectFrom('flowSteps')
    .select('attempt')
    .where('runId', '=', run.id)
    .executeTakeFirstOrThrow();
  assert.equal(step.attempt, 2);
});

test('a step job delivered twice runs once', async () => {
  const flowId = await publish({
    name: 'Post once',
    trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
    nodes: [{ id: 'post', type: 'feed.post', params: { text: 'exactly once' }, position: { x: 0, y: 100 } }],
    edges: [{ source: 'trigger', target: 'post' }],
  });
  await admin.request('POST', '/api/records/accounts', { name: 'Twice' });
  const run = await settled(flowId);
  const step = await db
    .selectFrom('flowSteps')
    .select(['input', 'iteration'])
    .where('runId', '=', run.id)
    .executeTakeFirstOrThrow();
  await newRuntime().onStep({
    data: {
      runId: run.id,
      nodeId: 'post',
      iteration: step.iteration,
      nodeType: 'feed.post',
      params: step.input,
      maxAttempts: 3,
    },
    retryCount: 0,
  });
  assert.equal((await posts('exactly once')).length, 1);
});

test('parallel branches join, and the flow goes on once both arrived', async () => {
  const flowId = await publish({
    name: 'Split and join',
    trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
    nodes: [
      { id: 'split', type: 'control.parallel', params: {}, position: { x: 0, y: 100 } },
      { id: 'left', type: 'feed.post', params: { text: 'left' }, position: { x: -100, y: 200 } },
      { id: 'right', type: 'feed.post', params: { text: 'right' }, position: { x: 100, y: 200 } },
      { id: 'join', type: 'control.join', params: {}, position: { x: 0, y: 300 } },
      {
        id: 'after',
        type: 'feed.post',
        params: { text: 'after both: {{steps.left.output.postId}}' },
        position: { x: 0, y: 400 },
      },
    ],
    edges: [
      { source: 'trigger', target: 'split' },
      { source: 'split', target: 'left' },
      { source: 'split', target: 'right' },
      { source: 'left', target: 'join' },
      { source: 'right', target: 'join' },
      { source: 'join', target: 'after' },
    ],
  });
  await admin.request('POST', '/api/records/accounts', { name: 'Parallel' });
  const run = await settled(flowId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  const left = await db
    .selectFrom('feedPosts')
    .select('id')
    .where('text', '=', 'left')
    .executeTakeFirstOrThrow();
  assert.equal((await posts(`after both: ${left.id}`)).length, 1);
});

test('a run waiting across a restart of the workers finishes after it', async () => {
  const flowId = await publish({
    name: 'Wait across restart',
    trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'pause',
        type: 'control.wait',
        params: { duration: { amount: 1, unit: 'seconds' } },
        position: { x: 0, y: 100 },
      },
      { id: 'post', type: 'feed.post', params: { text: 'after the restart' }, position: { x: 0, y: 200 } },
    ],
    edges: [
      { source: 'trigger', target: 'pause' },
      { source: 'pause', target: 'post' },
    ],
  });
  await admin.request('POST', '/api/records/accounts', { name: 'Restart' });
  await eventually(async () => {
    const run = await db
      .selectFrom('flowRuns')
      .select('status')
      .where('flowId', '=', flowId)
      .executeTakeFirst();
    return run?.status === 'waiting';
  }, 'the run to wait');
  await workers?.stop();
  await startWorkers(newRuntime());
  const run = await settled(flowId);
  assert.equal(run.status, 'succeeded');
  assert.equal((await posts('after the restart')).length, 1);
});

test("a failed run starts the flow's on-failure flow with the failure", async () => {
  const handlerId = await publish({
    name: 'Handler',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'post',
        type: 'feed.post',
        params: { text: 'handled {{trigger.failedRunId}}' },
        position: { x: 0, y: 100 },
      },
    ],
    edges: [{ source: 'trigger', target: 'post' }],
  });
  failures.set('fatal', 5);
  const flowId = await publish({
    ...oneStep('Fails', 'fatal', 'crash'),
    settings: { onFailureFlowId: handlerId },
  });
  await admin.request('POST', '/api/records/accounts', { name: 'Doomed' });
  const run = await settled(flowId);
  assert.equal(run.status, 'failed');
  assert.equal((await posts('side effect fatal')).length, 0, 'every failed attempt was rolled back');
  const handled = await settled(handlerId);
  assert.equal(handled.status, 'succeeded');
  assert.equal((await posts(`handled ${run.id}`)).length, 1);
});

test('a flow calls another, waits for it, and uses its result', async () => {
  const childId = await publish({
    name: 'Child',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'greet',
        type: 'vars.set',
        params: { values: { greeting: 'hello {{vars.who}}' } },
        position: { x: 0, y: 100 },
      },
    ],
    edges: [{ source: 'trigger', target: 'greet' }],
  });
  const parentId = await publish({
    name: 'Parent',
    trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'call',
        type: 'control.callFlow',
        params: { flowId: childId, input: { who: '{{record.name}}' } },
        position: { x: 0, y: 100 },
      },
      {
        id: 'post',
        type: 'feed.post',
        params: { text: 'child said {{steps.call.output.vars.greeting}}' },
        position: { x: 0, y: 200 },
      },
    ],
    edges: [
      { source: 'trigger', target: 'call' },
      { source: 'call', target: 'post' },
    ],
  });
  await admin.request('POST', '/api/records/accounts', { name: 'Caller' });
  const parent = await settled(parentId);
  assert.equal(parent.status, 'succeeded', JSON.stringify(parent.error));
  const child = await settled(childId);
  assert.equal(child.parentRunId, parent.id);
  assert.equal((await posts('child said hello Caller')).length, 1);
});

const stepJobsOf = (runId: string) =>
  sql<{ state: string }>`select state from pgboss.job
    where name = 'weft.flow.step' and data->>'runId' = ${runId}`
    .execute(db)
    .then((result) => result.rows.map((row) => row.state));

const postOnce = (name: string, text: string): Flow => ({
  name,
  trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
  nodes: [{ id: 'post', type: 'feed.post', params: { text }, position: { x: 0, y: 100 } }],
  edges: [{ source: 'trigger', target: 'post' }],
});

test('a step run inline deletes its held-back job as it settles', async () => {
  const flowId = await publish(postOnce('Inline', 'inline post'));
  await admin.request('POST', '/api/records/accounts', { name: 'Inline Co' });
  const run = await settled(flowId);
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(await stepJobsOf(run.id), []);
  await db.updateTable('flows').set({ active: false }).where('id', '=', flowId).execute();
});

test('a step readied inline by a process that never ran it runs from its job once that comes due', async () => {
  const flowId = await publish(postOnce('Orphaned', 'orphaned post'));
  const { definition } = await db
    .selectFrom('flowVersions')
    .select('definition')
    .where('flowId', '=', flowId)
    .executeTakeFirstOrThrow();
  // A runtime whose transaction commits but which never hears of it: a process gone right after.
  const gone = newRuntime({ leaseMs: 500 });
  const runId = await db.transaction().execute((trx) =>
    gone.start(trx as unknown as EngineDb, {
      flowId,
      version: 1,
      definition,
      input: { record: null, trigger: {}, user: null },
    }),
  );
  assert.ok(runId);
  assert.deepEqual(await stepJobsOf(runId), ['created']);
  const run = await eventually(async () => {
    const row = await db.selectFrom('flowRuns').selectAll().where('id', '=', runId).executeTakeFirst();
    return row?.status === 'succeeded' ? row : undefined;
  }, 'the orphaned step to run from its job');
  assert.equal(run.status, 'succeeded');
  assert.equal((await posts('orphaned post')).length, 1);
  // pg-boss completes the job once the handler's transaction has committed: a moment after the run shows succeeded.
  await eventually(async () => {
    const states = await stepJobsOf(runId);
    return states.length === 1 && states[0] === 'completed';
  }, 'the step job to be completed');
  assert.deepEqual(await stepJobsOf(runId), ['completed']);
  await db.updateTable('flows').set({ active: false }).where('id', '=', flowId).execute();
});

const position = { x: 0, y: 100 };

/** Starts `count` runs in one transaction, their trigger text "<label> <index>"; the run at `refused` is told to fail. */
function startLabelled(
  runtime: FlowRuntime,
  flowId: string,
  definition: Flow,
  count: number,
  label: string,
  refused: number | null,
) {
  return runtime.transaction((trx) =>
    runtime.startMany(
      trx,
      Array.from({ length: count }, (_, index) => ({
        flowId,
        version: 1,
        definition,
        input: { record: null, trigger: { text: `${label} ${index}`, fail: index === refused }, user: null },
      })),
    ),
  );
}

test('steps of several runs ready together run in one transaction; one that fails there runs again alone', async () => {
  const definition: Flow = {
    name: 'Post or refuse',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'step',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}}', fail: '{{trigger.fail}}' },
        position: { x: 0, y: 100 },
      },
    ],
    edges: [{ source: 'trigger', target: 'step' }],
  };
  const flowId = await publish(definition);
  await db.updateTable('flows').set({ active: false }).where('id', '=', flowId).execute();
  // One slot: the five ready steps run as one batch.
  const runtime = newRuntime({ inlineSlots: 1 });
  const startAll = (label: string, refused: number | null) =>
    startLabelled(runtime, flowId, definition, 5, label, refused);
  const finished = (ids: (string | null)[]) =>
    eventually(async () => {
      const rows = await db
        .selectFrom('flowRuns')
        .innerJoin('flowSteps', 'flowSteps.runId', 'flowRuns.id')
        .select(['flowRuns.id', 'flowRuns.status', 'flowSteps.startedAt', 'flowSteps.attempt'])
        .where('flowRuns.id', 'in', ids as string[])
        .execute();
      return rows.length === ids.length && rows.every((row) => row.status !== 'running') ? rows : undefined;
    }, 'the runs to finish');

  // Together: one transaction (its start time is every step's), each side effect once.
  const together = await finished(await startAll('together', null));
  assert.deepEqual(
    together.map((row) => row.status),
    ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded'],
  );
  assert.equal(new Set(together.map((row) => row.startedAt.getTime())).size, 1);
  for (const index of [0, 1, 2, 3, 4]) assert.equal((await posts(`together ${index}`)).length, 1);

  // One refuses: the batch rolls back, each runs alone; the refusal is recorded, the rest commit once.
  const ids = await startAll('apart', 2);
  const apart = await finished(ids);
  assert.deepEqual(
    ids.map((id) => apart.find((row) => row.id === id)?.status),
    ['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded'],
  );
  for (const index of [0, 1, 3, 4]) assert.equal((await posts(`apart ${index}`)).length, 1);
  assert.equal((await posts('apart 2')).length, 0);
  for (const id of ids) assert.deepEqual(await stepJobsOf(id as string), []);
});

test("a batch runs its runs' next steps in the same transaction; a failing one sends each first step back alone", async () => {
  const definition: Flow = {
    name: 'Post, then post or refuse',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'first',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}} first', fail: false },
        position: { x: 0, y: 100 },
      },
      {
        id: 'second',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}} second', fail: '{{trigger.fail}}' },
        position: { x: 0, y: 200 },
      },
    ],
    edges: [
      { source: 'trigger', target: 'first' },
      { source: 'first', target: 'second' },
    ],
  };
  const flowId = await publish(definition);
  await db.updateTable('flows').set({ active: false }).where('id', '=', flowId).execute();
  const runtime = newRuntime({ inlineSlots: 1 });
  const startAll = (label: string, refused: number | null) =>
    startLabelled(runtime, flowId, definition, 3, label, refused);
  const settled = (ids: (string | null)[]) =>
    eventually(async () => {
      const runs = await db
        .selectFrom('flowRuns')
        .select(['id', 'status'])
        .where('id', 'in', ids as string[])
        .execute();
      if (runs.length < ids.length || runs.some((run) => run.status === 'running')) return undefined;
      const steps = await db
        .selectFrom('flowSteps')
        .select(['runId', 'nodeId', 'status', 'startedAt'])
        .where('runId', 'in', ids as string[])
        .orderBy('id')
        .execute();
      return { runs, steps };
    }, 'the runs to finish');

  // Both steps of every run in one transaction: one start time for all six step rows.
  const chained = await settled(await startAll('chained', null));
  assert.deepEqual(
    chained.runs.map((run) => run.status),
    ['succeeded', 'succeeded', 'succeeded'],
  );
  assert.equal(chained.steps.length, 6);
  assert.equal(new Set(chained.steps.map((step) => step.startedAt.getTime())).size, 1);
  for (const index of [0, 1, 2]) {
    assert.equal((await posts(`chained ${index} first`)).length, 1);
    assert.equal((await posts(`chained ${index} second`)).length, 1);
  }

  // A second step refuses: everything rolls back, each first step commits alone, once.
  const ids = await startAll('refused', 1);
  const refused = await settled(ids);
  assert.deepEqual(
    ids.map((id) => refused.runs.find((run) => run.id === id)?.status),
    ['succeeded', 'failed', 'succeeded'],
  );
  for (const index of [0, 1, 2]) assert.equal((await posts(`refused ${index} first`)).length, 1);
  assert.equal((await posts('refused 0 second')).length, 1);
  assert.equal((await posts('refused 1 second')).length, 0);
  assert.equal((await posts('refused 2 second')).length, 1);
  for (const id of ids) assert.deepEqual(await stepJobsOf(id as string), []);
});

test('a run that calls a flow after two steps of one batch goes on once the called flow ends', async () => {
  const childId = await publish({
    name: 'Answer',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      { id: 'answer', type: 'vars.set', params: { values: { answer: 'yes' } }, position: { x: 0, y: 100 } },
    ],
    edges: [{ source: 'trigger', target: 'answer' }],
  });
  const definition: Flow = {
    name: 'Post twice, ask, post the answer',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'first',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}} first', fail: false },
        position,
      },
      {
        id: 'second',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}} second', fail: false },
        position,
      },
      { id: 'ask', type: 'control.callFlow', params: { flowId: childId, input: {} }, position },
      {
        id: 'after',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}} heard {{steps.ask.output.vars.answer}}', fail: false },
        position,
      },
    ],
    edges: [
      { source: 'trigger', target: 'first' },
      { source: 'first', target: 'second' },
      { source: 'second', target: 'ask' },
      { source: 'ask', target: 'after' },
    ],
  };
  const flowId = await publish(definition);
  for (const id of [flowId, childId])
    await db.updateTable('flows').set({ active: false }).where('id', '=', id).execute();
  // One slot: the three runs' first and second steps run as one batch, whose second round calls the flow.
  const runtime = newRuntime({ inlineSlots: 1 });
  const ids = (await startLabelled(runtime, flowId, definition, 3, 'asking', null)) as string[];
  const runs = await eventually(async () => {
    const rows = await db.selectFrom('flowRuns').select(['id', 'status']).where('id', 'in', ids).execute();
    return rows.every((row) => row.status === 'succeeded') ? rows : undefined;
  }, 'the callers to finish');
  assert.equal(runs.length, 3);
  for (const index of [0, 1, 2]) {
    assert.equal((await posts(`asking ${index} second`)).length, 1);
    assert.equal((await posts(`asking ${index} heard yes`)).length, 1);
  }
});

test("a called flow that ends in the batch where its caller's other branch moves on: the caller has both", async () => {
  const childId = await publish({
    name: 'Called beside a branch',
    trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
    nodes: [
      {
        id: 'reply',
        type: 'test.postOrRefuse',
        params: { text: '{{trigger.text}} reply', fail: false },
        position,
      },
    ],
    edges: [{ source: 'trigger', target: 'reply' }],
  });
  const post = (id: string) => ({
    id,
    type: 'test.postOrRefuse',
    params: { text: `{{trigger.text}} ${id}`, fail: false },
    position,
  });
  // Started together, the called runs' steps go first in the batch, and their ends move the
  // callers on before the side steps run; after a first step, the side steps of the runs
  // under way go first, and the callers have moved on in memory when the called runs end.
  for (const first of [false, true]) {
    const definition: Flow = {
      name: first ? 'Post, then call beside a branch' : 'Call beside a branch',
      trigger: { type: 'trigger.manual', params: { module: 'accounts' } },
      nodes: [
        ...(first ? [post('first')] : []),
        { id: 'split', type: 'control.parallel', params: {}, position },
        { id: 'call', type: 'control.callFlow', params: { flowId: childId, input: {} }, position },
        post('side'),
        { id: 'join', type: 'control.join', params: {}, position },
        post('done'),
      ],
      edges: [
        ...(first
          ? [
              { source: 'trigger', target: 'first' },
              { source: 'first', target: 'split' },
            ]
          : [{ source: 'trigger', target: 'split' }]),
        { source: 'split', target: 'call' },
        { source: 'split', target: 'side' },
        { source: 'call', target: 'join' },
        { source: 'side', target: 'join' },
        { source: 'join', target: 'done' },
      ],
    };
    const flowId = await publish(definition);
    for (const id of [flowId, childId])
      await db.updateTable('flows').set({ active: false }).where('id', '=', id).execute();
    // One slot: the side steps and the called runs' steps run as one batch.
    const runtime = newRuntime({ inlineSlots: 1 });
    const label = first ? 'after a first step' : 'at once';
    const ids = (await startLabelled(runtime, flowId, definition, 3, label, null)) as string[];
    const runs = await eventually(async () => {
      const rows = await db.selectFrom('flowRuns').select(['id', 'status']).where('id', 'in', ids).execute();
      return rows.every((row) => row.status === 'succeeded') ? rows : undefined;
    }, `the callers to finish (${label})`);
    assert.equal(runs.length, 3);
    for (const index of [0, 1, 2]) {
      for (const step of ['side', 'done']) assert.equal((await posts(`${label} ${index} ${step}`)).length, 1);
    }
  }
});

test('steps readied but not yet run when the runtime pauses are handed to the queue at once', async () => {
  const flowId = await publish(postOnce('Released', 'released post'));
  const { definition } = await db
    .selectFrom('flowVersions')
    .select('definition')
    .where('flowId', '=', flowId)
    .executeTakeFirstOrThrow();
  // No inline slot: the step waits in the runtime; its job is held back for a minute.
  const stopping = newRuntime({ inlineSlots: 0, leaseMs: 60_000 });
  const runId = await stopping.transaction((trx) =>
    stopping.start(trx, { flowId, version: 1, definition, input: { record: null, trigger: {}, user: null } }),
  );
  assert.ok(runId);
  await stopping.pause();
  // The workers' queue runs it long before the minute is up.
  const run = await eventually(async () => {
    const row = await db.selectFrom('flowRuns').selectAll().where('id', '=', runId).executeTakeFirst();
    return row?.status === 'succeeded' ? row : undefined;
  }, 'the released step to run from the queue');
  assert.equal(run.status, 'succeeded');
  assert.equal((await posts('released post')).length, 1);
  await db.updateTable('flows').set({ active: false }).where('id', '=', flowId).execute();
});
