import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalog } from '../engine/nodes/index.ts';
import { FlowRuntime } from '../engine/runtime/runtime.ts';
import type { EngineDb } from '../engine/runtime/tables.ts';
import type { Flow } from '../schemas/flow.ts';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { engineServices, factServices } from '../server/automation/engine-services.ts';
import type { Db } from '../server/db/index.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { countedDb } from './helpers/counted-db.ts';
import { eventually } from './helpers/engine.ts';

/**
 * A batch of flow steps (engine/runtime/step-batch.ts) holds its record writes' changelog
 * rows, events and system posts and its flows' feed posts, and writes them in one statement
 * before it settles (records/held-writes.ts): every row still written, once, in the order of
 * the writes that made them (issue 19).
 */
const { app, db, url } = await createTestApp({ queue: true });
const admin = await login(app);
const boss = app.boss as NonNullable<typeof app.boss>;
const { counted, statements } = countedDb(url);
// The engine's queues (the workers create them); the runs below are run inline by their own runtime.
const workers = await startEngineWorkers({
  db,
  boss,
  runtime: app.runtime as NonNullable<typeof app.runtime>,
  settings: app.settings,
  connectionString: url,
  pollMs: 200,
  onError: () => {},
});
onTestEnd(() => workers.stop());

const position = { x: 0, y: 100 };
const definition: Flow = {
  name: 'Two updates and a post',
  trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
  nodes: [
    { id: 'first', type: 'record.update', params: { values: { title: 'First' } }, position },
    { id: 'second', type: 'record.update', params: { values: { title: 'Second' } }, position },
    { id: 'post', type: 'feed.post', params: { text: 'Posted about {{record.firstName}}' }, position },
  ],
  edges: [
    { source: 'trigger', target: 'first' },
    { source: 'first', target: 'second' },
    { source: 'second', target: 'post' },
  ],
};

test('a batch of steps writes its runs’ changelog rows, events and posts in one statement, each once and in order', async () => {
  const created = await admin.request('POST', '/api/flows', { name: definition.name, definition });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  const contacts: { id: string; firstName: string }[] = [];
  for (const index of [0, 1, 2, 3, 4]) {
    const response = await admin.request('POST', '/api/records/contacts', {
      firstName: `Held${index}`,
      lastName: 'Writes',
    });
    assert.equal(response.statusCode, 201, response.body);
    contacts.push(response.json());
  }
  // One slot: the five runs' steps run as one batch, each run's three steps chained into it.
  const runtime = new FlowRuntime({
    db: counted as unknown as EngineDb,
    boss,
    catalog,
    clock: { now: () => new Date() },
    services: engineServices,
    facts: (trx) => factServices(trx as unknown as Db),
    inlineSlots: 1,
  });
  const runIds = await runtime.transaction((trx) =>
    runtime.startMany(
      trx,
      contacts.map((contact) => ({
        flowId,
        version: 1,
        definition,
        input: { record: { ...contact, module: 'contacts' }, trigger: {}, user: null },
        module: 'contacts',
        recordId: contact.id,
      })),
    ),
  );
  statements.length = 0;
  const runs = await eventually(async () => {
    const rows = await db
      .selectFrom('flowRuns')
      .select(['id', 'status', 'recordId'])
      .where('id', 'in', runIds as string[])
      .execute();
    return rows.length === 5 && rows.every((row) => row.status !== 'running') ? rows : undefined;
  }, 'the runs to finish');
  assert.deepEqual(
    runs.map((run) => run.status),
    Array(5).fill('succeeded'),
  );
  await runtime.pause();

  // One statement wrote every changelog row and every post of the batch (ten updates, ten system posts, five flow posts).
  const writing = (table: string) =>
    statements.filter((text) => text.includes(`insert into ${table}`)).length;
  assert.equal(writing('changelog'), 1, statements.join('\n'));
  assert.equal(writing('feed_posts'), 1);
  assert.equal(writing('events'), 1);

  for (const contact of contacts) {
    const changelog = await db
      .selectFrom('changelog')
      .select(['changes'])
      .where('recordId', '=', contact.id)
      .where('action', '=', 'update')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      changelog.map((row) => (row.changes as { title: unknown }).title),
      [
        { before: null, after: 'First' },
        { before: 'First', after: 'Second' },
      ],
    );
    const events = await db
      .selectFrom('events')
      .select(['payload'])
      .where('recordId', '=', contact.id)
      .where('type', '=', 'record.updated')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((event) => (event.payload as { record: { title: string } }).record.title),
      ['First', 'Second'],
    );
    const posts = await db
      .selectFrom('feedPosts')
      .select(['id', 'type', 'text'])
      .where('recordId', '=', contact.id)
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      posts.map((post) => [post.type, post.text]),
      [
        ['record-created', `Contact “${contact.firstName} Writes” created`],
        ['record-updated', `Contact “${contact.firstName} Writes” updated: Title`],
        ['record-updated', `Contact “${contact.firstName} Writes” updated: Title`],
        ['workflow', `Posted about ${contact.firstName}`],
      ],
    );
    // The post step's output names the post it wrote.
    const run = runs.find((row) => row.recordId === contact.id);
    const step = await db
      .selectFrom('flowSteps')
      .select('output')
      .where('runId', '=', run?.id as string)
      .where('nodeId', '=', 'post')
      .executeTakeFirstOrThrow();
    assert.equal((step.output as { postId: string }).postId, posts[3]?.id);
  }
});

test('a succeeded run keeps its output in its output column only, and its context in its snapshot', async () => {
  const run = await db
    .selectFrom('flowRuns')
    .select(['snapshot', 'output'])
    .where('status', '=', 'succeeded')
    .executeTakeFirstOrThrow();
  const snapshot = run.snapshot as {
    status: string;
    output?: unknown;
    context: { record: { title: string } };
  };
  assert.equal(snapshot.status, 'done');
  assert.equal('output' in snapshot, false);
  assert.equal(snapshot.context.record.title, 'Second');
  const output = run.output as { steps: { second: { output: { record: { title: string } } } } };
  assert.equal(output.steps.second.output.record.title, 'Second');
});
