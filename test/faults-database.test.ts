/**
 * Fault injection on the database (issue 18): Weft's connections terminated
 * (`pg_terminate_backend`, what an operator, a failover or a proxy does) while a request and
 * while runs are mid-transaction. Weft must recover by itself: the request in flight answers
 * a clean 503 in the error shape (never a hang, never a crash of the process), the next one
 * goes through, and each cut step is retried with nothing half-written and no run lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { eventually, straightFlow } from './helpers/engine.ts';

const { app, db, url } = await createTestApp({ queue: true });
const admin = await login(app);
const boss = app.boss as NonNullable<typeof app.boss>;
const runtime = () => app.runtime as NonNullable<typeof app.runtime>;

/** The test's own connection: it holds locks and cuts every other connection to the database. */
const side = new pg.Client({ connectionString: url, application_name: 'weft-fault-test' });
await side.connect();
onTestEnd(() => side.end());

/** Terminates every connection to this database but the test's own: the pool's, pg-boss's, the dispatcher's. */
async function cutWeft(): Promise<number> {
  const { rows } = await side.query<{ cut: boolean }>(
    `select pg_terminate_backend(pid) as cut from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid()`,
  );
  return rows.filter((row) => row.cut).length;
}

/** Connections of Weft waiting on a lock the test holds: a request or step blocked mid-transaction. */
async function blocked(): Promise<number> {
  const { rows } = await side.query<{ n: string }>(
    `select count(*) as n from pg_stat_activity
     where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** A promise that fails after `ms`: an answer must come, not hang. */
const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    delay(ms).then(() => {
      throw new Error(`${what}: no answer within ${ms} ms`);
    }),
  ]);

test('connections cut mid-request: the request answers a clean 503, at once; the next one goes through', async () => {
  await side.query('begin');
  await side.query('lock table rec_contacts in exclusive mode');
  // Sent now (an injected request goes out when it is awaited).
  const pending = Promise.resolve(
    admin.request('POST', '/api/records/contacts', { firstName: 'Cut', lastName: 'Midway' }),
  );
  await eventually(async () => (await blocked()) > 0, 'the create to wait on the lock, mid-transaction');
  assert.ok((await cutWeft()) > 0, 'connections were cut');
  await side.query('rollback');
  const reply = await within(pending, 10_000, 'the cut request');
  assert.equal(reply.statusCode, 503, reply.body);
  assert.equal(reply.json().error.code, 'WEFT_ERR_UNAVAILABLE');
  assert.equal(reply.headers['retry-after'], '2');
  // Nothing of it was written.
  // Read on the test's own connection (the app's pool still holds connections the cut killed).
  const written = await side.query(`select id from rec_contacts where last_name = 'Midway'`);
  assert.deepEqual(written.rows, []);
  // Weft reconnects by itself: the same request goes through (the first may still race onto a
  // pooled connection the cut killed, and answer 503 as well).
  const again = await eventually(async () => {
    const reply = await within(
      admin.request('POST', '/api/records/contacts', { firstName: 'Cut', lastName: 'Midway' }),
      10_000,
      'the request after the cut',
    );
    assert.ok([201, 503].includes(reply.statusCode), reply.body);
    return reply.statusCode === 201 ? reply : undefined;
  }, 'the create to go through after the cut');
  assert.equal(again.json().lastName, 'Midway');
  // Cut between requests: a request that races the cut onto a pooled connection killed a moment
  // ago may answer 503 too (safe to repeat); the pool drops the dead connections and the next
  // one goes through.
  assert.ok((await cutWeft()) > 0);
  const first = await admin.request('GET', '/api/records/contacts');
  assert.ok([200, 503].includes(first.statusCode), first.body);
  const list = await eventually(async () => {
    const reply = await admin.request('GET', '/api/records/contacts');
    return reply.statusCode === 200 ? reply : undefined;
  }, 'a read to go through after the cut');
  assert.equal(list.json().items.length, 1);
});

test('connections cut mid-run: each step cut mid-transaction is retried, nothing half-written, no run lost', async () => {
  const workers = await startEngineWorkers({
    db,
    boss,
    runtime: runtime(),
    settings: app.settings,
    connectionString: url,
    pollMs: 200,
    onError: () => undefined, // the cut connections are reported here; the test checks the outcome
  });
  onTestEnd(() => workers.stop());
  const created = await admin.request('POST', '/api/flows', {
    name: 'Follow up',
    definition: straightFlow('Follow up', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['task', 'task.create', { subject: 'Call {{record.firstName}}' }],
      ['post', 'feed.post', { text: 'Followed up {{record.firstName}}' }],
    ]),
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const contact = await admin.request('POST', '/api/records/contacts', {
      firstName: `Run${i}`,
      lastName: 'Cut',
    });
    assert.equal(contact.statusCode, 201, contact.body);
    ids.push(contact.json().id);
  }
  // Every task step blocks inside its transaction (its insert waits on the lock), then is cut.
  await side.query('begin');
  await side.query('lock table rec_tasks in share mode');
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: ids });
  assert.equal(started.statusCode, 202, started.body);
  const runIds = started.json().runIds as string[];
  assert.equal(runIds.length, 10);
  await eventually(async () => (await blocked()) > 0, 'a task step to block mid-transaction');
  assert.ok((await cutWeft()) > 0, 'connections were cut');
  await side.query('rollback');
  // A second cut a moment later, while the retries and the queue reconnect.
  await delay(300);
  await cutWeft();
  const runs = await eventually(
    async () => {
      // The test reads through the app's pool, whose idle connections were cut too.
      const rows = await db
        .selectFrom('flowRuns')
        .select(['id', 'status', 'error'])
        .where('flowId', '=', flowId)
        .execute()
        .catch(() => undefined);
      return rows?.length === 10 && rows.every((row) => row.status !== 'running') ? rows : undefined;
    },
    'every run to finish',
    60_000,
  );
  assert.deepEqual(
    runs.filter((run) => run.status !== 'succeeded'),
    [],
    'no run failed or was lost',
  );
  // Exactly one task and one post per contact: the cut attempts left nothing behind.
  const { rows: tasks } = await sql<{ associationId: string; n: string }>`
    select association_id, count(*) as n from rec_tasks
    where association_type = 'contacts' group by association_id`.execute(db);
  assert.equal(tasks.length, 10, 'every contact has its task');
  assert.deepEqual(
    tasks.filter((row) => Number(row.n) !== 1),
    [],
    'one task per contact',
  );
  const posts = await db
    .selectFrom('feedPosts')
    .select(['recordId', (eb) => eb.fn.countAll<string>().as('n')])
    .where('type', '=', 'workflow')
    .groupBy('recordId')
    .execute();
  assert.equal(posts.length, 10, 'every contact has its post');
  assert.deepEqual(
    posts.filter((row) => Number(row.n) !== 1),
    [],
    'one post per contact',
  );
  const steps = await db
    .selectFrom('flowSteps')
    .select(['nodeId', 'status'])
    .where('runId', 'in', runIds)
    .execute();
  assert.deepEqual(
    steps.filter((step) => step.status !== 'done'),
    [],
    'every step done',
  );
});

test('a step without retries cut mid-transaction is not failed by the cut: the run still succeeds', async () => {
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Cut list',
    kind: 'static',
  });
  assert.equal(list.statusCode, 201, list.body);
  const listId = list.json().id as string;
  const created = await admin.request('POST', '/api/flows', {
    name: 'Join the list',
    // list.add has no retry policy: one attempt. A lost connection is not the action's failure.
    definition: straightFlow('Join the list', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['join', 'list.add', { listId }],
    ]),
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const contact = await admin.request('POST', '/api/records/contacts', {
      firstName: `L${i}`,
      lastName: 'Cut',
    });
    ids.push(contact.json().id);
  }
  await side.query('begin');
  await side.query('lock table list_members in share mode');
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: ids });
  assert.equal(started.statusCode, 202, started.body);
  await eventually(async () => (await blocked()) > 0, 'a list step to block mid-transaction');
  assert.ok((await cutWeft()) > 0, 'connections were cut');
  await side.query('rollback');
  const runs = await eventually(
    async () => {
      const rows = await db
        .selectFrom('flowRuns')
        .select(['id', 'status', 'error'])
        .where('flowId', '=', flowId)
        .execute()
        .catch(() => undefined);
      return rows?.length === 5 && rows.every((row) => row.status !== 'running') ? rows : undefined;
    },
    'every run to finish',
    60_000,
  );
  assert.deepEqual(
    runs.filter((run) => run.status !== 'succeeded'),
    [],
    'no run failed by the cut',
  );
  const members = await sql<{
    n: number;
  }>`select count(*)::int as n from list_members where list_id = ${listId}`.execute(db);
  assert.equal(members.rows[0]?.n, 5);
});
