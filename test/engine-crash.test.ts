/**
 * The engine's crash test (issue 4): Weft runs as a real process on an external database,
 * a load of runs is under way (steps mid-flight, runs waiting), the process is killed with
 * SIGKILL, started again on the same database, and every run must finish with every side
 * effect done exactly once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import type { Flow } from '../schemas/flow.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { createTestDatabase } from './helpers/db.ts';
import { startWeftProcess, stopWeftProcess } from './helpers/weft-process.ts';

const _root = path.resolve(import.meta.dirname, '..');
const password = 'crash-test-admin-password';
const contacts = 150;
const accounts = 50;
const { db, url: databaseUrl } = await createTestDatabase();
/** `server/main.ts` on the test database (no embedded cluster: nothing else dies with it). */
const start = () => startWeftProcess({ DATABASE_URL: databaseUrl, WEFT_ADMIN_PASSWORD: password });

/** A signed-in admin talking to the process over HTTP. */
async function signIn(base: string) {
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = /weft_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  assert.ok(cookie, 'login set a session cookie');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return async (method: string, route: string, body?: unknown) => {
    const reply = await fetch(`${base}${route}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await reply.text();
    return { status: reply.status, text, json: () => JSON.parse(text) };
  };
}

/** Waits for a condition the engine makes true, up to a deadline; never a fixed sleep. */
async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  what: () => string | Promise<string>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${await what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const position = { x: 0, y: 0 };
const contactFlow: Flow = {
  name: 'Crash: qualify contacts',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  nodes: [
    { id: 'qualify', type: 'record.update', params: { values: { leadStatus: 'Assigned' } }, position },
    {
      id: 'announce',
      type: 'feed.post',
      params: { text: 'Qualified {{record.firstName}} {{record.lastName}}' },
      position,
    },
  ],
  edges: [
    { source: 'trigger', target: 'qualify' },
    { source: 'qualify', target: 'announce' },
  ],
};
const accountFlow: Flow = {
  name: 'Crash: follow up accounts',
  trigger: { type: 'trigger.recordCreated', params: { module: 'accounts' } },
  nodes: [
    { id: 'pause', type: 'control.wait', params: { duration: { amount: 2, unit: 'seconds' } }, position },
    { id: 'followUp', type: 'task.create', params: { subject: 'Follow up {{record.name}}' }, position },
  ],
  edges: [
    { source: 'trigger', target: 'pause' },
    { source: 'pause', target: 'followUp' },
  ],
};

/** Database sessions other than this test's waiting on a lock: steps blocked mid-transaction. */
async function blockedSteps(): Promise<number> {
  const blocked = await sql<{ n: string }>`
    select count(*) as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
  return Number(blocked.rows[0]?.n ?? 0);
}

/** Runs by status, steps by status and step jobs by state: the state of the load at a glance. */
async function snapshot() {
  const runs = await db
    .selectFrom('flowRuns')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const steps = await db
    .selectFrom('flowSteps')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const jobs = await sql<{ name: string; state: string; n: string }>`
    select name, state, count(*) as n from pgboss.job
    where name like 'weft.flow.%' group by name, state order by name, state`.execute(db);
  const undispatched = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('dispatchedAt', 'is', null)
    .executeTakeFirstOrThrow();
  const count = (rows: { status: string; n: string }[]) =>
    Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  return {
    runs: count(runs),
    steps: count(steps),
    jobs: Object.fromEntries(jobs.rows.map((row) => [`${row.name}:${row.state}`, Number(row.n)])),
    undispatchedEvents: Number(undispatched.n),
  };
}

test('SIGKILL in the middle of a load of runs: after a restart every run finishes, every side effect happened once', {
  timeout: 240_000,
}, async () => {
  let weft = await start();
  onTestEnd(() => stopWeftProcess(weft, 'SIGKILL'));
  let api = await signIn(weft.url);
  const flowIds: Record<string, string> = {};
  for (const flow of [contactFlow, accountFlow]) {
    const created = await api('POST', '/api/flows', { name: flow.name, definition: flow });
    assert.equal(created.status, 201, created.text);
    const id = created.json().id as string;
    const published = await api('POST', `/api/flows/${id}/publish`);
    assert.equal(published.status, 200, published.text);
    assert.equal((await api('POST', `/api/flows/${id}/activate`)).status, 200);
    flowIds[flow.trigger.params.module as string] = id;
  }

  // Accounts first: their runs wait 2 s before creating a task, so the tasks table can be
  // locked before any task step runs. Every task step then blocks inside its transaction —
  // mid-step, its effect written but not committed — until after the kill.
  const createdAccounts = await Promise.all(
    Array.from({ length: accounts }, (_, i) =>
      api('POST', '/api/records/accounts', { name: `Crash Account ${i}` }),
    ),
  );
  const lock = new pg.Client({ connectionString: databaseUrl, application_name: 'crash-test-lock' });
  await lock.connect();
  onTestEnd(() => lock.end().catch(() => undefined));
  await lock.query('begin');
  await lock.query('lock table rec_tasks in share mode');
  const createdContacts = await Promise.all(
    Array.from({ length: contacts }, (_, i) =>
      api('POST', '/api/records/contacts', { firstName: `Crash${i}`, lastName: `Contact${i}` }),
    ),
  );
  for (const created of [...createdAccounts, ...createdContacts])
    assert.equal(created.status, 201, created.text);

  // Kill once a step is blocked mid-transaction, preferably also with some contacts' runs
  // done and others between or inside steps — an engine that lets one blocked step hold up
  // every other run never gets there, so that part is sought for a few seconds, not required.
  await eventually(
    async () => (await blockedSteps()) > 0,
    async () => `a step blocked mid-transaction: ${JSON.stringify(await snapshot())}`,
    60_000,
  );
  const blockedSince = Date.now();
  let atKill = { ...(await snapshot()), blockedSteps: await blockedSteps() };
  while (!((atKill.runs.succeeded ?? 0) > 0 && (atKill.runs.running ?? 0) > atKill.blockedSteps)) {
    if (Date.now() - blockedSince > 10_000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
    atKill = { ...(await snapshot()), blockedSteps: await blockedSteps() };
  }
  await stopWeftProcess(weft, 'SIGKILL');
  // The blocked steps' backends now go on, find their client gone and roll back.
  await lock.query('rollback');
  await eventually(
    async () => (await blockedSteps()) === 0,
    () => 'the killed process’s blocked steps to roll back',
    10_000,
  );
  const committed = await snapshot();
  const inFlight = (committed.runs.running ?? 0) + (committed.runs.waiting ?? 0);
  console.log(`at the kill: ${JSON.stringify(atKill)}`);
  console.log(`committed at the kill: ${JSON.stringify(committed)}; runs in flight: ${inFlight}`);

  const restartedAt = Date.now();
  weft = await start();
  api = await signIn(weft.url);
  const expected = contacts + accounts;
  await eventually(
    async () => {
      const state = await snapshot();
      const settled = (state.runs.succeeded ?? 0) + (state.runs.failed ?? 0) + (state.runs.cancelled ?? 0);
      return settled >= expected && state.undispatchedEvents === 0;
    },
    async () =>
      `all ${expected} runs to finish; now ${JSON.stringify(await snapshot())}; the server said:\n${weft.output().slice(-2000)}`,
    90_000,
  );
  console.log(`drained ${inFlight} in-flight runs in ${Date.now() - restartedAt} ms after the restart`);

  // Exactly one run per record and flow, every one done.
  const runs = await db.selectFrom('flowRuns').select(['flowId', 'recordId', 'status', 'error']).execute();
  const notDone = runs.filter((run) => run.status !== 'succeeded');
  assert.deepEqual(notDone, [], 'every run is done');
  for (const [module, total] of [
    ['contacts', contacts],
    ['accounts', accounts],
  ] as const) {
    const mine = runs.filter((run) => run.flowId === flowIds[module]);
    assert.equal(mine.length, total, `one run per ${module} record`);
    assert.equal(new Set(mine.map((run) => run.recordId)).size, total, `no ${module} record ran twice`);
  }

  // Contacts: the field was set once (one changelog row for it) and one feed post each, with the text.
  const contactRows = await sql<{ id: string; firstName: string; lastName: string; leadStatus: string }>`
    select id, first_name, last_name, lead_status from rec_contacts`.execute(db);
  assert.equal(contactRows.rows.length, contacts);
  assert.deepEqual(
    contactRows.rows.filter((row) => row.leadStatus !== 'Assigned'),
    [],
    'every contact has the field the flow set',
  );
  const updates = await sql<{ recordId: string; n: string }>`
    select record_id, count(*) as n from changelog
    where module = 'contacts' and action = 'update' and changes ? 'leadStatus'
    group by record_id`.execute(db);
  assert.equal(updates.rows.length, contacts, 'every contact has its field update logged');
  assert.deepEqual(
    updates.rows.filter((row) => Number(row.n) !== 1),
    [],
    'the field was updated exactly once per contact',
  );
  const posts = await db
    .selectFrom('feedPosts')
    .select(['recordId', 'text'])
    .where('type', '=', 'workflow')
    .where('module', '=', 'contacts')
    .execute();
  assert.equal(posts.length, contacts, 'one feed post per contact');
  const expectedText = new Map(
    contactRows.rows.map((row) => [row.id, `Qualified ${row.firstName} ${row.lastName}`]),
  );
  assert.deepEqual(
    posts.filter((post) => expectedText.get(String(post.recordId)) !== post.text),
    [],
    'each post is about its contact, with the rendered text',
  );

  // Accounts: one follow-up task each, on the account.
  const tasks = await sql<{ associationId: string; n: string }>`
    select association_id, count(*) as n from rec_tasks
    where association_type = 'accounts' group by association_id`.execute(db);
  assert.equal(tasks.rows.length, accounts, 'every account got its task');
  assert.deepEqual(
    tasks.rows.filter((row) => Number(row.n) !== 1),
    [],
    'exactly one task per account',
  );

  // Nothing left behind: no step still running or waiting.
  const after = await snapshot();
  assert.deepEqual(
    Object.keys(after.steps).filter((status) => status !== 'done'),
    [],
    'every step is done',
  );
  // A job whose step committed just before the kill stays `active` in pg-boss until it
  // expires; when it runs again it finds its step settled. Not a stuck run, but worth seeing.
  console.log(`engine jobs at the end: ${JSON.stringify(after.jobs)}`);
  await stopWeftProcess(weft, 'SIGTERM');
});
