/**
 * What one stage completion costs the database (issue 12's "1,000 completions by a flow
 * action ≥ 300/s"): inside a flow step's transaction (module definitions pinned, live
 * messages held for the commit), a completion is two statements — the process, the record
 * and the progress row locked in one, and the snapshot, stage rows, changelog row, events
 * and feed post written in the other — and still writes every one of them. A logging handle
 * on the test database counts the statements (a regression back to one per table fails).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deferLive, takeDeferred } from '../server/collaboration/live.ts';
import type { Principal } from '../server/platform/authz.ts';
import { currentSettings } from '../server/platform/settings.ts';
import { changeProgress } from '../server/processes/progress.ts';
import { getModule, pinModules } from '../server/studio/modules.ts';
import { createTestApp, login } from './helpers/app.ts';
import { countedDb } from './helpers/counted-db.ts';

const { app, db, url } = await createTestApp();
const admin = await login(app);

const { counted, statements } = countedDb(url);

const created = await admin.request('POST', '/api/processes', {
  name: 'Deals',
  modules: ['opportunities'],
  stages: [
    { id: 'open', name: 'Open' },
    { id: 'review', name: 'Review' },
    { id: 'signed', name: 'Signed' },
  ],
});
assert.equal(created.statusCode, 201, created.body);
const processId = created.json().id as string;

async function startedDeal(name: string): Promise<string> {
  const record = await admin.request('POST', '/api/records/opportunities', { name });
  assert.equal(record.statusCode, 201, record.body);
  const id = record.json().id as string;
  const started = await admin.request('POST', `/api/processes/${processId}/records/${id}/stages`, {
    module: 'opportunities',
    action: 'start',
    stageId: 'open',
  });
  assert.equal(started.statusCode, 200, started.body);
  return id;
}

// As a flow acts (server/automation/engine-services.ts): its owner, as an administrator.
const flowOwner: Principal = {
  id: admin.userId,
  username: 'workflow:Complete',
  isAdmin: true,
  roleIds: [],
  groupIds: [],
  permissions: {},
};

/** A completion of "Open" as a flow's step makes it: the statements it sent, and the live messages held. */
async function completeInStep(recordId: string) {
  const settings = await currentSettings(db);
  return counted.transaction().execute(async (trx) => {
    pinModules(trx);
    deferLive(trx);
    await getModule(trx, 'opportunities');
    statements.length = 0;
    const progress = await changeProgress(
      trx,
      flowOwner,
      { id: admin.userId, username: 'workflow:Complete' },
      settings,
      { processId, module: 'opportunities', recordId, changes: [{ action: 'complete', stageId: 'open' }] },
      { author: null, names: false },
    );
    return {
      progress,
      sent: [...statements],
      live: takeDeferred(trx).map((payload) => JSON.parse(payload) as { type: string; data: unknown }),
    };
  });
}

async function written(recordId: string) {
  const [stages, changelog, events, posts] = await Promise.all([
    db
      .selectFrom('processStageStates')
      .select(['stageId', 'status'])
      .where('recordId', '=', recordId)
      .orderBy('stageId')
      .execute(),
    db.selectFrom('changelog').select('changes').where('recordId', '=', recordId).orderBy('id').execute(),
    db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('recordId', '=', recordId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('feedPosts')
      .select(['type', 'text', 'authorId'])
      .where('recordId', '=', recordId)
      .execute(),
  ]);
  return { stages, changelog, events, posts };
}

test('a completion in a flow step is two statements, and writes the progress, stage rows, changelog, events and post', async () => {
  const id = await startedDeal('Counted deal');
  const before = await written(id);
  const { progress, sent, live } = await completeInStep(id);
  assert.equal(sent.length, 2, JSON.stringify(sent, null, 1));
  assert.equal(progress.currentStage, 'review');

  const after = await written(id);
  assert.deepEqual(after.stages, [
    { stageId: 'open', status: 'completed' },
    { stageId: 'review', status: 'started' },
  ]);
  assert.equal(after.changelog.length, before.changelog.length + 1);
  assert.deepEqual(after.changelog.at(-1)?.changes, {
    'Deals: Open': { before: 'started', after: 'completed' },
    'Deals: Review': { before: 'notStarted', after: 'started' },
  });
  assert.deepEqual(
    after.events
      .slice(before.events.length)
      .map((event) => [event.type, (event.payload as { stageId: string }).stageId]),
    [
      ['process.stageCompleted', 'open'],
      ['process.stageStarted', 'review'],
    ],
  );
  const post = after.posts.find((candidate) => candidate.text.includes('completed "Open"'));
  assert.deepEqual(post, {
    type: 'process',
    text: 'Deals — Counted deal: completed "Open"; started "Review"',
    authorId: null,
  });
  // Pushed on commit: the post to open feeds, the progress to open boards.
  assert.deepEqual(
    live.map((message) => message.type),
    ['feed.post.created', 'process.progress'],
  );
  assert.equal((live[0]?.data as { text?: string } | undefined)?.text, post?.text);

  // The stored progress says the same: the next completion goes on from "Review".
  const again = await admin.request('POST', `/api/processes/${processId}/records/${id}/stages`, {
    module: 'opportunities',
    action: 'complete',
    stageId: 'open',
  });
  assert.equal(again.statusCode, 422, again.body);
  assert.equal(again.json().error.details[0].rule, 'state');
});

test('with process posts switched off, a completion writes no post and pushes none, and writes the rest', async () => {
  const id = await startedDeal('Quiet deal');
  const switched = await admin.request('PATCH', '/api/settings', { feedSystemPosts: { process: false } });
  assert.equal(switched.statusCode, 200, switched.body);
  try {
    const { sent, live } = await completeInStep(id);
    assert.equal(sent.length, 2, JSON.stringify(sent, null, 1));
    assert.deepEqual(
      live.map((message) => message.type),
      ['process.progress'],
    );
    const after = await written(id);
    assert.equal(after.posts.filter((post) => post.text.includes('completed "Open"')).length, 0);
    assert.ok(after.events.some((event) => event.type === 'process.stageCompleted'));
    assert.deepEqual(after.stages.find((stage) => stage.stageId === 'open')?.status, 'completed');
  } finally {
    await admin.request('PATCH', '/api/settings', { feedSystemPosts: { process: true } });
  }
});
