import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

// Issue 18: waits due together resume in batches, on the batched step path (one transaction
// resumes many runs and runs their next steps), not one wait job per half second.
const { db, admin, publish } = await engineTestApp();

const drip = (name: string) =>
  straightFlow(name, { type: 'trigger.recordCreated', params: { module: 'accounts' } }, [
    ['pause', 'control.wait', { duration: { amount: 1, unit: 'days' } }],
    ['post', 'feed.post', { text: `${name} {{record.name}}` }],
  ]);

async function waitingRuns(flowId: string, count: number) {
  await eventually(async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from flow_steps s join flow_runs r on r.id = s.run_id
      where r.flow_id = ${flowId} and s.node_type = 'control.wait' and s.status = 'waiting'`.execute(db);
    return rows[0]?.n === count;
  }, `${count} runs waiting`);
}

const makeDue = () =>
  sql`update pgboss.job set start_after = now() where name = 'weft.flow.wait' and state = 'created'`.execute(
    db,
  );

test('40 waits due together resume in a handful of transactions, their next steps with them', async () => {
  const flowId = await publish(drip('Drip'));
  for (let i = 0; i < 40; i++) {
    const created = await admin.request('POST', '/api/records/accounts', { name: `Drip ${i}` });
    assert.equal(created.statusCode, 201, created.body);
  }
  await waitingRuns(flowId, 40);
  await makeDue();
  await eventually(async () => {
    const runs = await db.selectFrom('flowRuns').select('status').where('flowId', '=', flowId).execute();
    return runs.length === 40 && runs.every((run) => run.status === 'succeeded');
  }, 'every run to succeed');
  // Rows written by one transaction share its id (xmin): one wait job per transaction would give 40.
  const { rows } = await sql<{ transactions: number; posts: number }>`
    select count(distinct s.xmin::text)::int as transactions,
      (select count(*)::int from feed_posts where text like 'Drip Drip %') as posts
    from flow_steps s join flow_runs r on r.id = s.run_id
    where r.flow_id = ${flowId} and s.node_type = 'control.wait'`.execute(db);
  assert.equal(rows[0]?.posts, 40);
  assert.ok((rows[0]?.transactions ?? 40) <= 4, `the waits resumed in ${rows[0]?.transactions} transactions`);
  // The post after each wait was written in its wait's transaction (chained, no job of its own).
  const { rows: chained } = await sql<{ apart: number }>`
    select count(*)::int as apart from flow_steps w
    join flow_runs r on r.id = w.run_id
    join flow_steps p on p.run_id = w.run_id and p.node_id = 'post'
    where r.flow_id = ${flowId} and w.node_type = 'control.wait' and p.xmin::text <> w.xmin::text`.execute(
    db,
  );
  assert.equal(chained[0]?.apart, 0);
});

test('in a batch, runs of a flow switched off after they started are cancelled, others resume', async () => {
  const off = await publish(drip('Switched off'));
  const on = await publish(drip('Still on'));
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await admin.request('POST', '/api/records/accounts', { name: `Mixed ${i}` })).statusCode,
      201,
    );
  }
  await waitingRuns(off, 5);
  await waitingRuns(on, 5);
  assert.equal((await admin.request('POST', `/api/flows/${off}/deactivate`)).statusCode, 200);
  await makeDue();
  const settled = async (flowId: string, status: string) =>
    eventually(async () => {
      const runs = await db.selectFrom('flowRuns').select('status').where('flowId', '=', flowId).execute();
      return runs.length === 5 && runs.every((run) => run.status === status);
    }, `runs ${status}`);
  await settled(off, 'cancelled');
  await settled(on, 'succeeded');
});
