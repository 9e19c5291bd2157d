import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Flow } from '../schemas/flow.ts';
import { pruneRuns } from '../server/automation/flow-runs.ts';
import { engineTestApp, eventually } from './helpers/engine.ts';

const { app, db, admin, publish } = await engineTestApp();

/** A flow whose runs take about a second: they wait, then post. */
function slowFlow(name: string, module: string, settings?: Flow['settings']): Flow {
  return {
    name,
    trigger: { type: 'trigger.recordUpdated', params: { module } },
    nodes: [
      {
        id: 'pause',
        type: 'control.wait',
        params: { duration: { amount: 1, unit: 'seconds' } },
        position: { x: 0, y: 100 },
      },
      {
        id: 'post',
        type: 'feed.post',
        params: { text: `${name} {{record.name}}` },
        position: { x: 0, y: 200 },
      },
    ],
    edges: [
      { source: 'trigger', target: 'pause' },
      { source: 'pause', target: 'post' },
    ],
    ...(settings && { settings }),
  };
}

const runsOf = (flowId: string) =>
  db
    .selectFrom('flowRuns')
    .select(['id', 'status', 'recordId', 'startedAt', 'finishedAt'])
    .where('flowId', '=', flowId)
    .orderBy('startedAt')
    .execute();

test('runs of one flow on the same record go one after another', async () => {
  const flowId = await publish(slowFlow('Serial', 'accounts'));
  const account = (await admin.request('POST', '/api/records/accounts', { name: 'One' })).json();
  await admin.request('PATCH', `/api/records/accounts/${account.id}`, { name: 'Two' });
  await admin.request('PATCH', `/api/records/accounts/${account.id}`, { name: 'Three' });
  const queuedSeen = await eventually(async () => {
    const runs = await runsOf(flowId);
    return runs.length === 2 && runs.some((run) => run.status === 'queued') ? runs : undefined;
  }, 'the second run to queue behind the first');
  assert.equal(queuedSeen.filter((run) => run.status === 'queued').length, 1);
  const runs = await eventually(async () => {
    const all = await runsOf(flowId);
    return all.every((run) => run.status === 'succeeded') ? all : undefined;
  }, 'both runs to finish');
  const [first, second] = runs;
  assert.ok(first?.finishedAt && second?.finishedAt);
  assert.ok(
    new Date(second.finishedAt).getTime() - new Date(first.finishedAt).getTime() >= 900,
    'the second run waited for the first',
  );
});

test("a flow's concurrency limit queues runs on other records too", async () => {
  const flowId = await publish(slowFlow('Limited', 'opportunities', { maxConcurrentRuns: 1 }));
  const a = (await admin.request('POST', '/api/records/opportunities', { name: 'A' })).json();
  const b = (await admin.request('POST', '/api/records/opportunities', { name: 'B' })).json();
  await admin.request('PATCH', `/api/records/opportunities/${a.id}`, { name: 'A2' });
  await admin.request('PATCH', `/api/records/opportunities/${b.id}`, { name: 'B2' });
  await eventually(async () => {
    const runs = await runsOf(flowId);
    return runs.length === 2 && runs.filter((run) => run.status === 'queued').length === 1;
  }, 'one run active and one queued');
  await eventually(async () => {
    const runs = await runsOf(flowId);
    return runs.every((run) => run.status === 'succeeded');
  }, 'both runs to finish');
  const posts = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('text', 'like', 'Limited%')
    .orderBy('text')
    .execute();
  assert.deepEqual(
    posts.map((post) => post.text),
    ['Limited A2', 'Limited B2'],
  );
});

test("a wait keeps its job past pg-boss's default retention", async () => {
  const flowId = await publish({
    ...slowFlow('Ninety days', 'cases'),
    nodes: [
      {
        id: 'pause',
        type: 'control.wait',
        params: { duration: { amount: 90, unit: 'days' } },
        position: { x: 0, y: 100 },
      },
      { id: 'post', type: 'feed.post', params: { text: 'day 90' }, position: { x: 0, y: 200 } },
    ],
  });
  const item = (await admin.request('POST', '/api/records/cases', { name: 'Long' })).json();
  await admin.request('PATCH', `/api/records/cases/${item.id}`, { name: 'Longer' });
  const [run] = await eventually(async () => {
    const runs = await runsOf(flowId);
    return runs[0]?.status === 'waiting' ? runs : undefined;
  }, 'the run to wait');
  const { rows } = await sql<{ startAfter: Date; keepUntil: Date }>`
    select start_after, keep_until from pgboss.job where name = 'weft.flow.wait' and data->>'runId' = ${run?.id}
  `.execute(db);
  const job = rows[0];
  assert.ok(job);
  const day = 86_400_000;
  assert.ok(job.startAfter.getTime() - Date.now() > 89 * day);
  assert.ok(job.keepUntil.getTime() > job.startAfter.getTime(), 'the job outlives its due date');
});

test('finished runs past the age limit or the per-flow cap are pruned; active runs are kept', async () => {
  const flowId = await publish(slowFlow('Pruned', 'accounts'));
  const base = { flowId, version: 1, input: '{}', snapshot: '{}' };
  const day = 86_400_000;
  const rows = [
    ...Array.from({ length: 12 }, (_, i) => ({
      ...base,
      status: 'succeeded' as const,
      startedAt: new Date(Date.now() - i * 60_000),
      finishedAt: new Date(Date.now() - i * 60_000),
    })),
    {
      ...base,
      status: 'failed' as const,
      startedAt: new Date(Date.now() - 40 * day),
      finishedAt: new Date(Date.now() - 40 * day),
    },
    { ...base, status: 'waiting' as const, startedAt: new Date(Date.now() - 400 * day), finishedAt: null },
  ];
  await db.insertInto('flowRuns').values(rows).execute();
  await admin.request('PATCH', '/api/settings', { runRetentionDays: 30, runRetentionPerFlow: 10 });
  await pruneRuns(db, app.settings);
  const left = await db.selectFrom('flowRuns').select('status').where('flowId', '=', flowId).execute();
  assert.equal(left.length, 11, 'two over the cap and one too old are gone');
  assert.equal(left.filter((run) => run.status === 'succeeded').length, 10);
  assert.equal(left.filter((run) => run.status === 'waiting').length, 1);
});
