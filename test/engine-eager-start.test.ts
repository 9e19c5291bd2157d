/**
 * A dispatch of a few events runs the new runs' first steps (those whose effects stay in
 * the database) in its own transaction, chained as a batch of steps chains them: no second
 * commit and no hand-off before the steps (issue 19's latency at a steady rate). Should one
 * of them fail, the dispatch is rolled back and done again with the steps left to run after
 * it, where a failure is recorded and retried: nothing is lost or doubled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

const { db, publish, create } = await engineTestApp();

/**
 * Whether every step of the run started in the transaction that started the run: a
 * transaction's rows share its start time (`now()`), and a later transaction's differ.
 */
async function sameTransaction(runId: string): Promise<boolean> {
  const { rows } = await sql<{ same: boolean }>`
    select bool_and(step.started_at = run.started_at) as same
    from flow_runs run join flow_steps step on step.run_id = run.id
    where run.id = ${runId}`.execute(db);
  return rows[0]?.same === true;
}

const runsOf = (flowId: string) =>
  db.selectFrom('flowRuns').select(['id', 'status', 'eventId']).where('flowId', '=', flowId).execute();

test('a trickle of events: each run and its database steps are written by the dispatch transaction', async () => {
  const flowId = await publish(
    straightFlow('Touch and post', { type: 'trigger.recordCreated', params: { module: 'accounts' } }, [
      ['touch', 'record.update', { values: { description: 'touched at once' } }],
      ['post', 'feed.post', { text: 'Welcome {{record.name}}' }],
    ]),
  );
  const account = await create('accounts', { name: 'Eager Ltd' });
  const [run] = await eventually(async () => {
    const runs = await runsOf(flowId);
    return runs.length === 1 && runs[0]?.status === 'succeeded' ? runs : undefined;
  }, 'the run to succeed');
  assert.ok(run);
  assert.equal(await sameTransaction(run.id), true, 'the steps ran in the dispatch transaction');
  const steps = await db
    .selectFrom('flowSteps')
    .select(['nodeId', 'attempt'])
    .where('runId', '=', run.id)
    .execute();
  assert.deepEqual(steps.map((step) => [step.nodeId, step.attempt]).sort(), [
    ['post', 1],
    ['touch', 1],
  ]);
  const touched = await sql<{ description: string }>`
    select description from rec_accounts where id = ${account.id as string}`.execute(db);
  assert.equal(touched.rows[0]?.description, 'touched at once');
});

test('a step failing in the dispatch transaction: the dispatch is done again, the step runs after it, once', async () => {
  // The first insert of this post fails (a sequence counts outside transactions), as any
  // error would spoil the dispatch's transaction.
  await sql`create sequence eager_failure`.execute(db);
  await sql`
    create function fail_first_eager_post() returns trigger language plpgsql as $$
    begin
      if new.text like 'Eager failure%' and nextval('eager_failure') = 1 then
        raise exception 'injected: the first post fails';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger fail_first_eager_post before insert on feed_posts
    for each row execute function fail_first_eager_post()`.execute(db);
  const flowId = await publish(
    straightFlow(
      'Post, failing once',
      { type: 'trigger.recordCreated', params: { module: 'opportunities' } },
      [['post', 'feed.post', { text: 'Eager failure {{record.name}}' }]],
    ),
  );
  const first = await create('opportunities', { name: 'First' });
  const runs = await eventually(async () => {
    const all = await runsOf(flowId);
    return all.length === 1 && all[0]?.status === 'succeeded' ? all : undefined;
  }, 'the run to succeed');
  const [run] = runs;
  assert.ok(run);
  // One run for the event, its step done once, on the path after the dispatch.
  assert.equal(await sameTransaction(run.id), false);
  const posts = await sql<{ n: number }>`
    select count(*)::int as n from feed_posts where text = 'Eager failure First'`.execute(db);
  assert.equal(posts.rows[0]?.n, 1);
  const started = await db
    .selectFrom('flowTriggerLog')
    .select('outcome')
    .where('flowId', '=', flowId)
    .where('eventId', '=', run.eventId as number)
    .execute();
  assert.deepEqual(
    started.map((entry) => entry.outcome),
    ['started'],
  );
  // For a while the flow's steps run after the dispatch, not in it.
  await create('opportunities', { name: 'Second' });
  const second = await eventually(async () => {
    const all = await runsOf(flowId);
    const next = all.find((candidate) => candidate.id !== run.id);
    return next?.status === 'succeeded' ? next : undefined;
  }, 'the second run to succeed');
  assert.equal(await sameTransaction(second.id), false);
  assert.ok(first.id);
});
