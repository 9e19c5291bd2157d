import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { loadPrincipal } from '../server/platform/authz.ts';
import { type BulkContext, bulkRecords } from '../server/records/record-bulk.ts';
import { setChunk } from '../server/records/record-bulk-write.ts';
import { deleteRecord, updateRecord } from '../server/records/records.ts';
import { addTags, removeTags } from '../server/records/tags.ts';
import { createTestApp, login } from './helpers/app.ts';

// The set-based bulk path (record-bulk-write.ts) against the single-record services it
// replaces: the same records, changed both ways, must leave the same changelog rows,
// feed posts and events, record for record — and the bulk way must not have fallen back
// to the per-record path to do it.
const { app, db } = await createTestApp();
const admin = await login(app);
const principal = await loadPrincipal(db, admin.userId);
assert.ok(principal);
const actor = { id: admin.userId, username: 'admin' };

const made = await admin.request('POST', '/api/modules', {
  name: 'parts',
  label: 'Parts',
  fields: [
    { name: 'code', label: 'Code', type: 'text' },
    { name: 'size', label: 'Size', type: 'number' },
  ],
});
assert.equal(made.statusCode, 201, made.body);
const linked = await admin.request('POST', '/api/modules/parts/fields', {
  name: 'parent',
  label: 'Parent',
  type: 'link',
  options: { module: 'parts' },
});
assert.equal(linked.statusCode, 201, linked.body);

/** Twin records: the same values, one of each pair changed each way. */
async function twins(count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const one: string[] = [];
  const other: string[] = [];
  for (let i = 0; i < count; i++) {
    for (const list of [one, other]) {
      const response = await admin.request('POST', '/api/records/parts', {
        name: `p${i}`,
        code: `c${i}`,
        tags: ['old', 'keep'],
        ...extra(i),
      });
      assert.equal(response.statusCode, 201, response.body);
      list.push(response.json().id);
    }
  }
  return { one, other };
}

const lastId = async (table: 'events' | 'changelog') =>
  Number(
    (await sql<{ id: number }>`select coalesce(max(id), 0) as id from ${sql.table(table)}`.execute(db))
      .rows[0]?.id,
  );

/** What a record's writes left since the marks, with ids and times taken out (the twin's id becomes `self`). */
async function trail(id: string, marks: { events: number; changelog: number; posts: Date }) {
  const strip = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value ?? null)
        .replaceAll(id, 'self')
        .replace(/"\d{4}-\d\d-\d\dT[^"]*"/g, '"t"'),
    );
  const log = await sql<{ action: string; changes: unknown }>`
    select action, changes from changelog where id > ${marks.changelog} and record_id = ${id} order by id`.execute(
    db,
  );
  const events = await sql<{ type: string; payload: unknown }>`
    select type, payload from events where id > ${marks.events} and record_id = ${id} order by id`.execute(
    db,
  );
  const posts = await sql<{ type: string; text: string; visibility: string }>`
    select type, text, visibility from feed_posts
    where created_at >= ${marks.posts} and record_id = ${id} order by seq`.execute(db);
  return {
    log: log.rows.map((row) => strip(row)),
    events: events.rows.map((row) => strip(row)),
    posts: posts.rows,
  };
}

async function marks() {
  const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db);
  return {
    events: await lastId('events'),
    changelog: await lastId('changelog'),
    posts: rows[0]?.now as Date,
  };
}

function context(fallbacks: unknown[]): BulkContext {
  return { runFlow: null, onRecordByRecord: (reason) => fallbacks.push(reason) };
}

const cases: { name: string; body: Record<string, unknown>; one: (id: string) => Promise<unknown> }[] = [
  {
    name: 'assign',
    body: { action: 'assign', assignedTo: null },
    one: (id) => updateRecord(db, principal, actor, 'parts', id, { assignedTo: null }),
  },
  {
    name: 'update',
    body: { action: 'update', values: { code: 'same', size: 1.5 } },
    one: (id) => updateRecord(db, principal, actor, 'parts', id, { code: 'same', size: 1.5 }),
  },
  {
    name: 'addTags',
    body: { action: 'addTags', tags: ['#vip', 'keep', 'new'] },
    one: (id) => addTags(db, principal, actor, 'parts', id, ['#vip', 'keep', 'new']),
  },
  {
    name: 'removeTags',
    body: { action: 'removeTags', tags: ['old'] },
    one: (id) => removeTags(db, principal, actor, 'parts', id, ['old']),
  },
  {
    name: 'delete',
    body: { action: 'delete' },
    one: (id) => deleteRecord(db, principal, actor, 'parts', id),
  },
];

for (const { name, body, one } of cases) {
  test(`${name}: the set-based path writes what the single-record service writes, record for record`, async () => {
    const { one: byOne, other: byBulk } = await twins(3);
    const at = await marks();
    for (const id of byOne) await one(id);
    const fallbacks: unknown[] = [];
    const answer = await bulkRecords(
      db,
      principal,
      actor,
      'parts',
      { ...body, target: { ids: byBulk } } as never,
      context(fallbacks),
    );
    assert.deepEqual(fallbacks, []);
    assert.deepEqual(answer, { matched: 3, succeeded: 3, failed: [] });
    // A deleted record's post is about no record: the same texts, once each way.
    const deleted = await sql<{ text: string; visibility: string }>`
      select text, visibility from feed_posts where created_at >= ${at.posts} and type = 'record-deleted' order by text`.execute(
      db,
    );
    assert.deepEqual(
      deleted.rows.filter((_, i) => i % 2 === 0),
      deleted.rows.filter((_, i) => i % 2 === 1),
    );
    assert.equal(deleted.rows.length, name === 'delete' ? 6 : 0);
    for (let i = 0; i < byOne.length; i++) {
      const expected = await trail(byOne[i] as string, at);
      assert.ok(expected.events.length > 0);
      assert.deepEqual(await trail(byBulk[i] as string, at), expected);
    }
  });
}

test('a record already as asked is left alone; unknown ids fail as the single-record API says', async () => {
  const { other: ids } = await twins(2, () => ({ code: 'keep' }));
  const missing = '00000000-0000-4000-8000-000000000000';
  const at = await marks();
  const fallbacks: unknown[] = [];
  const answer = await bulkRecords(
    db,
    principal,
    actor,
    'parts',
    { action: 'update', values: { code: 'keep' }, target: { ids: [...ids, missing] } },
    context(fallbacks),
  );
  assert.deepEqual(fallbacks, []);
  assert.equal(answer.succeeded, 2);
  assert.deepEqual(
    answer.failed.map((failure) => [failure.id, failure.error.code]),
    [[missing, 'WEFT_ERR_NOT_FOUND']],
  );
  assert.equal(await lastId('events'), at.events);
  assert.equal(await lastId('changelog'), at.changelog);
});

test('deleting records unlinks what points at them, each unlink an update with its changelog row and event', async () => {
  const { other: targets } = await twins(2);
  const pointers: string[] = [];
  for (const target of targets) {
    const response = await admin.request('POST', '/api/records/parts', { name: 'pointer', parent: target });
    pointers.push(response.json().id);
  }
  const at = await marks();
  const fallbacks: unknown[] = [];
  const answer = await bulkRecords(
    db,
    principal,
    actor,
    'parts',
    { action: 'delete', target: { ids: targets } },
    context(fallbacks),
  );
  assert.deepEqual(fallbacks, []);
  assert.equal(answer.succeeded, 2);
  for (const [i, pointer] of pointers.entries()) {
    const left = await trail(pointer, at);
    assert.deepEqual(left.log, [
      { action: 'update', changes: { parent: { before: targets[i], after: null } } },
    ]);
    assert.deepEqual(
      left.events.map((event) => (event as { type: string }).type),
      ['record.updated'],
    );
  }
  const gone = await sql<{
    n: number;
  }>`select count(*)::int as n from rec_parts where id = any(${targets}::uuid[])`.execute(db);
  assert.equal(gone.rows[0]?.n, 0);
});

test(`more than ${setChunk} records go in several set-based chunks, one event each`, async () => {
  await sql`
    insert into rec_parts (name, assigned_to, created_by)
    select 'many' || n, ${admin.userId}::uuid, ${admin.userId}::uuid from generate_series(1, ${setChunk + 50}) as n
  `.execute(db);
  const at = await marks();
  const fallbacks: unknown[] = [];
  const answer = await bulkRecords(
    db,
    principal,
    actor,
    'parts',
    { action: 'addTags', tags: ['many'], target: { where: { '==': [{ var: 'code' }, null] } } },
    context(fallbacks),
  );
  assert.deepEqual(fallbacks, []);
  assert.equal(answer.succeeded, setChunk + 50 + 2);
  const { rows } = await sql<{ type: string; n: number; records: number }>`
    select type, count(*)::int as n, count(distinct record_id)::int as records from events
    where id > ${at.events} group by type order by type`.execute(db);
  assert.deepEqual(
    rows.map((row) => [row.type, row.n, row.records]),
    [
      ['record.updated', setChunk + 52, setChunk + 52],
      ['tag.added', setChunk + 52, setChunk + 52],
    ],
  );
});
