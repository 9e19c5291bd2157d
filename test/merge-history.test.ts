/**
 * Merge and revert leave a history: a record's process progress follows the merge into the
 * kept record (and goes back on revert), and every record a merge or its revert changes gets
 * a changelog row (the records that come back, the links that move, the survivor).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function create(module: string, body: Record<string, unknown>) {
  const response = await admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string } & Record<string, unknown>;
}

const process = await admin.request('POST', '/api/processes', {
  name: 'Onboarding',
  modules: ['contacts'],
  stages: [
    { id: 'call', name: 'First call' },
    { id: 'demo', name: 'Demo' },
  ],
});
assert.equal(process.statusCode, 201, process.body);
const processId = process.json().id as string;

async function stage(recordId: string, action: string, stageId: string) {
  const response = await admin.request('POST', `/api/processes/${processId}/records/${recordId}/stages`, {
    module: 'contacts',
    action,
    stageId,
  });
  assert.equal(response.statusCode, 200, response.body);
}
async function progress(recordId: string) {
  const response = await admin.request(
    'GET',
    `/api/processes/${processId}/records/${recordId}?module=contacts`,
  );
  assert.equal(response.statusCode, 200, response.body);
  return (response.json().stages as { id: string; status: string }[]).map((s) => `${s.id}:${s.status}`);
}
async function changelog(module: string, recordId: string) {
  const response = await admin.request('GET', `/api/records/${module}/${recordId}/changelog?limit=50`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json().items as {
    action: string;
    changes: Record<string, { before: unknown; after: unknown }>;
  }[];
}

test("a merged record's process progress moves to the kept record, with a changelog row, and back on revert", async () => {
  const kept = await create('contacts', { firstName: 'Ada', lastName: 'Byron' });
  const gone = await create('contacts', { firstName: 'Ada', lastName: 'Lovelace' });
  await stage(gone.id, 'start', 'call');
  await stage(gone.id, 'complete', 'call');
  assert.deepEqual(await progress(gone.id), ['call:completed', 'demo:started']);
  assert.deepEqual(await progress(kept.id), ['call:notStarted', 'demo:notStarted']);

  const merged = await admin.request('POST', '/api/dedupe/merges', {
    module: 'contacts',
    survivorId: kept.id,
    mergedIds: [gone.id],
  });
  assert.equal(merged.statusCode, 201, merged.body);
  assert.equal(merged.json().moved.processes, 1);
  assert.deepEqual(await progress(kept.id), ['call:completed', 'demo:started']);
  const board = await db
    .selectFrom('processStageStates')
    .select(['recordId', 'stageId'])
    .where('processId', '=', processId)
    .execute();
  assert.ok(
    board.every((row) => row.recordId === kept.id),
    'the board rows follow the progress',
  );
  const keptLog = await changelog('contacts', kept.id);
  assert.ok(
    keptLog.some((entry) => entry.action === 'update' && 'Onboarding' in entry.changes),
    JSON.stringify(keptLog),
  );

  const reverted = await admin.request('POST', `/api/dedupe/merges/${merged.json().mergeId}/revert`);
  assert.equal(reverted.statusCode, 200, reverted.body);
  assert.deepEqual(await progress(gone.id), ['call:completed', 'demo:started']);
  assert.deepEqual(await progress(kept.id), ['call:notStarted', 'demo:notStarted']);
  const keptAfter = await changelog('contacts', kept.id);
  assert.equal(keptAfter.filter((entry) => 'Onboarding' in entry.changes).length, 2);
});

test('the kept record keeps its own progress when both are in the process; the other comes back on revert', async () => {
  const kept = await create('contacts', { firstName: 'Bob', lastName: 'One' });
  const gone = await create('contacts', { firstName: 'Bob', lastName: 'Two' });
  await stage(kept.id, 'start', 'call');
  await stage(gone.id, 'start', 'call');
  await stage(gone.id, 'complete', 'call');
  const merged = await admin.request('POST', '/api/dedupe/merges', {
    module: 'contacts',
    survivorId: kept.id,
    mergedIds: [gone.id],
  });
  assert.equal(merged.statusCode, 201, merged.body);
  assert.equal(merged.json().moved.processes, 0);
  assert.deepEqual(await progress(kept.id), ['call:started', 'demo:notStarted']);
  await admin.request('POST', `/api/dedupe/merges/${merged.json().mergeId}/revert`);
  assert.deepEqual(await progress(gone.id), ['call:completed', 'demo:started']);
});

test('a revert writes changelog rows: the records that come back and the links that move back', async () => {
  const kept = await create('contacts', { firstName: 'Cy', lastName: 'Kept', title: 'CEO' });
  const gone = await create('contacts', { firstName: 'Cy', lastName: 'Gone', title: 'Chief' });
  const task = await create('tasks', {
    subject: 'Call Cy',
    associationType: 'contacts',
    associationId: gone.id,
  });
  const merged = await admin.request('POST', '/api/dedupe/merges', {
    module: 'contacts',
    survivorId: kept.id,
    mergedIds: [gone.id],
    choices: { title: gone.id },
  });
  assert.equal(merged.statusCode, 201, merged.body);
  // The merge itself: the link that moved is in the task's history.
  const taskMerged = await changelog('tasks', task.id);
  assert.deepEqual(taskMerged[0]?.changes.associationId, { before: gone.id, after: kept.id });

  // The merged record is gone (its changelog route answers 404): count its rows directly.
  const before = (await db.selectFrom('changelog').select('id').where('recordId', '=', gone.id).execute())
    .length;
  const reverted = await admin.request('POST', `/api/dedupe/merges/${merged.json().mergeId}/revert`);
  assert.equal(reverted.statusCode, 200, reverted.body);
  const goneLog = await changelog('contacts', gone.id);
  assert.equal(goneLog.length, before + 1, 'the record that came back has a row for it');
  assert.equal(goneLog[0]?.action, 'create');
  assert.deepEqual(goneLog[0]?.changes.lastName, { before: null, after: 'Gone' });
  assert.deepEqual(goneLog[0]?.changes.merge, {
    before: null,
    after: `reverted merge ${merged.json().mergeId}`,
  });
  const taskLog = await changelog('tasks', task.id);
  assert.deepEqual(taskLog[0]?.changes.associationId, { before: kept.id, after: gone.id });
  const keptLog = await changelog('contacts', kept.id);
  assert.deepEqual(keptLog[0]?.changes.title, { before: 'Chief', after: 'CEO' });
});
