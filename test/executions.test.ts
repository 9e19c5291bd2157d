/**
 * The executions list across flows (`GET /api/runs`): flow and record names, duration, error
 * summary; filters by flow, status, record, record name and start time; keyset pages; one run
 * with the names and the definition of the version it ran.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, straightFlow } from './helpers/engine.ts';

const { admin, publish, runOn, create } = await engineTestApp();

interface Execution {
  id: string;
  flowId: string;
  flowName: string;
  version: number;
  status: string;
  recordName: string | null;
  durationMs: number | null;
  errorSummary: string | null;
}

const manual = { type: 'trigger.manual', params: { module: 'contacts' } } as const;
const greet = await publish(
  straightFlow('Greet', manual, [['task', 'task.create', { subject: 'Say hello' }]]),
);
const check = await publish(
  straightFlow('Check presence', manual, [['online', 'user.isOnline', { userId: '{{record.firstName}}' }]]),
);
const ada = await create('contacts', { firstName: 'Ada', lastName: 'Lovelace' });
const bob = await create('contacts', { firstName: 'Bob', lastName: 'Brown' });
const greetAda = await runOn(greet, String(ada.id));
const greetBob = await runOn(greet, String(bob.id));
const failed = await runOn(check, String(ada.id));

const list = async (query = '') => {
  const response = await admin.request('GET', `/api/runs?${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: Execution[]; nextCursor: string | null }>();
};

test('runs of every flow, newest first, with names, duration and the error in one line', async () => {
  assert.equal(greetAda.status, 'succeeded');
  assert.equal(failed.status, 'failed');
  const { items } = await list();
  assert.deepEqual(
    items.map((run) => [run.flowName, run.recordName, run.status]),
    [
      ['Check presence', 'Ada Lovelace', 'failed'],
      ['Greet', 'Bob Brown', 'succeeded'],
      ['Greet', 'Ada Lovelace', 'succeeded'],
    ],
  );
  for (const run of items) assert.ok(run.durationMs !== null && run.durationMs >= 0, JSON.stringify(run));
  assert.match(items[0]?.errorSummary ?? '', /userId is not an id \(Ada\)/);
  assert.equal(items[1]?.errorSummary, null);
});

test('filters: flow, status, one record, a record name, start time', async () => {
  const ids = async (query: string) => (await list(query)).items.map((run) => run.id);
  assert.deepEqual(await ids(`flowId=${greet}`), [greetBob.id, greetAda.id]);
  assert.deepEqual(await ids('status=failed'), [failed.id]);
  assert.deepEqual(await ids(`module=contacts&recordId=${ada.id}`), [failed.id, greetAda.id]);
  assert.deepEqual(await ids('module=contacts&q=brown'), [greetBob.id]);
  assert.deepEqual(await ids('module=contacts&q=nobody'), []);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  assert.deepEqual(await ids(`from=${encodeURIComponent(future)}`), []);
  assert.equal((await ids(`to=${encodeURIComponent(future)}`)).length, 3);
  // A name search needs its module; a bad date is refused with its field.
  assert.equal((await admin.request('GET', '/api/runs?q=ada')).statusCode, 400);
  const bad = await admin.request('GET', '/api/runs?from=yesterday');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /from/);
});

test('keyset pages cover every run once', async () => {
  const first = await list('limit=2');
  assert.equal(first.items.length, 2);
  assert.ok(first.nextCursor);
  const second = await list(`limit=2&cursor=${first.nextCursor}`);
  assert.deepEqual(
    [...first.items, ...second.items].map((run) => run.id),
    [failed.id, greetBob.id, greetAda.id],
  );
  assert.equal(second.nextCursor, null);
});

test('one run: names, and the definition of the version it ran', async () => {
  const response = await admin.request('GET', `/api/runs/${failed.id}`);
  assert.equal(response.statusCode, 200, response.body);
  const run = response.json<
    Execution & { definition: { nodes: { id: string; type: string }[] }; steps: { nodeId: string }[] }
  >();
  assert.equal(run.flowName, 'Check presence');
  assert.equal(run.recordName, 'Ada Lovelace');
  assert.deepEqual(
    run.definition.nodes.map((node) => [node.id, node.type]),
    [['online', 'user.isOnline']],
  );
  assert.deepEqual(
    run.steps.map((step) => step.nodeId),
    ['online'],
  );
  assert.match(run.errorSummary ?? '', /not an id/);
});

test('a deleted record is named as such', async () => {
  assert.equal((await admin.request('DELETE', `/api/records/contacts/${bob.id}`)).statusCode, 204);
  const { items } = await list(`flowId=${greet}`);
  assert.deepEqual(
    items.map((run) => run.recordName),
    ['Deleted contact', 'Ada Lovelace'],
  );
});
