/**
 * A step readied inside a transaction that then rolls back must not run: the runtime
 * queues steps for inline execution (FlowRuntime.kick) as it enqueues their jobs, before
 * it knows whether the transaction commits. Here the transaction of a run's first step
 * fails once after it readied the next step: a database trigger refuses the row of the
 * wait scheduled beside it, standing in for any error between the enqueue and the commit
 * (a serialization failure, a lost connection, a failing insert).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Flow } from '../schemas/flow.ts';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';

const { app, db, url } = await createTestApp({ queue: true });
const admin = await login(app);
assert.ok(app.runtime);
const workers = await startEngineWorkers({
  db,
  boss: app.boss as NonNullable<typeof app.boss>,
  runtime: app.runtime,
  settings: app.settings,
  connectionString: url,
  pollMs: 200,
  onError: () => {},
});
onTestEnd(() => workers.stop());

// A sequence counts outside transactions: the first wait row fails, later ones pass.
await sql`create sequence inject_failure`.execute(db);
await sql`
  create function fail_first_wait() returns trigger language plpgsql as $$
  begin
    if new.node_id = 'pause' and nextval('inject_failure') = 1 then
      raise exception 'injected: the transaction fails after the next step was readied';
    end if;
    return new;
  end $$`.execute(db);
await sql`create trigger fail_first_wait before insert on flow_steps
  for each row execute function fail_first_wait()`.execute(db);

async function eventually<T>(check: () => Promise<T | undefined>, what: () => Promise<string>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${await what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const position = { x: 0, y: 0 };
const flow: Flow = {
  name: 'Touch, then post while waiting',
  trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
  nodes: [
    { id: 'touch', type: 'record.update', params: { values: { description: 'touched' } }, position },
    { id: 'split', type: 'control.parallel', params: {}, position },
    { id: 'left', type: 'feed.post', params: { text: 'left branch' }, position },
    { id: 'pause', type: 'control.wait', params: { duration: { amount: 1, unit: 'seconds' } }, position },
    { id: 'join', type: 'control.join', params: {}, position },
    { id: 'after', type: 'feed.post', params: { text: 'after the join' }, position },
  ],
  edges: [
    { source: 'trigger', target: 'touch' },
    { source: 'touch', target: 'split' },
    { source: 'split', target: 'left' },
    { source: 'split', target: 'pause' },
    { source: 'left', target: 'join' },
    { source: 'pause', target: 'join' },
    { source: 'join', target: 'after' },
  ],
};

test('a step readied by a transaction that rolled back does not run, and the run still finishes', async () => {
  const created = await admin.request('POST', '/api/flows', { name: flow.name, definition: flow });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);
  assert.equal(
    (await admin.request('POST', '/api/records/accounts', { name: 'Rollback Ltd' })).statusCode,
    201,
  );

  const steps = async () =>
    JSON.stringify(
      await db.selectFrom('flowSteps').select(['nodeId', 'status', 'attempt', 'startedAt']).execute(),
    );
  const run = await eventually(
    async () => {
      const row = await db.selectFrom('flowRuns').selectAll().where('flowId', '=', flowId).executeTakeFirst();
      return row && ['succeeded', 'failed', 'cancelled'].includes(row.status) ? row : undefined;
    },
    async () => `the run to finish; its steps: ${await steps()}`,
  );
  const injected = await sql<{ fired: boolean }>`select is_called as fired from inject_failure`.execute(db);
  assert.equal(injected.rows[0]?.fired, true, 'the first transaction was failed');
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  const posts = await db.selectFrom('feedPosts').select('text').where('type', '=', 'workflow').execute();
  assert.deepEqual(posts.map((post) => post.text).sort(), ['after the join', 'left branch']);
});
