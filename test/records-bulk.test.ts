import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createQueues } from '../engine/runtime/jobs.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';

// A queue, so that runFlow can start runs (no engine workers: the runs stay queued, which is all we check).
const { app, db } = await createTestApp({ queue: true });
assert.ok(app.boss);
await createQueues(app.boss);
const admin = await login(app);

type Row = Record<string, unknown> & { id: string };
interface BulkAnswer {
  matched: number;
  succeeded: number;
  failed: { id: string; error: { code: string; message: string } }[];
  runs?: number;
}

async function contacts(session: Session, lastName: string, count: number, extra: Row | object = {}) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await session.request('POST', '/api/records/contacts', {
      firstName: `F${i}`,
      lastName,
      ...extra,
    });
    assert.equal(response.statusCode, 201, response.body);
    ids.push(response.json().id);
  }
  return ids.sort();
}

async function bulk(session: Session, body: unknown, module = 'contacts'): Promise<BulkAnswer> {
  const response = await session.request('POST', `/api/records/${module}/bulk`, body);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

const byLastName = (lastName: string) => ({ '==': [{ var: 'lastName' }, lastName] });

async function read(id: string, module = 'contacts'): Promise<Row | null> {
  const response = await admin.request('GET', `/api/records/${module}/${id}`);
  return response.statusCode === 200 ? response.json() : null;
}

/** Outbox events of a type per record since `after` (an event id). */
async function eventsPerRecord(type: string, ids: string[], after: number) {
  const rows = await db
    .selectFrom('events')
    .select(['recordId', sql<number>`count(*)::int`.as('count')])
    .where('type', '=', type as 'record.updated')
    .where('id', '>', after)
    .where('recordId', 'in', ids)
    .groupBy('recordId')
    .execute();
  return new Map(rows.map((row) => [row.recordId, Number(row.count)]));
}

async function lastEventId(): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select(sql<number>`coalesce(max(id), 0)`.as('id'))
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

// Each record action, over ids and over a filter: its effect on every target record, nothing on the
// others, and the event the single-record API writes, once per record.
const cases: {
  action: string;
  params: Record<string, unknown>;
  setup?: Record<string, unknown>;
  event: string;
  effect: (record: Row | null) => boolean;
}[] = [
  {
    action: 'assign',
    params: { assignedTo: null },
    event: 'record.updated',
    effect: (record) => record?.assignedTo === null,
  },
  {
    action: 'addTags',
    params: { tags: ['vip', '#gold'] },
    event: 'tag.added',
    effect: (record) => JSON.stringify(record?.tags) === '["vip","gold"]',
  },
  {
    action: 'removeTags',
    params: { tags: ['old'] },
    setup: { tags: ['old', 'keep'] },
    event: 'tag.removed',
    effect: (record) => JSON.stringify(record?.tags) === '["keep"]',
  },
  {
    action: 'update',
    params: { values: { leadSource: 'Web', phone: '555-0199' } },
    event: 'record.updated',
    effect: (record) => record?.leadSource === 'Web' && record.phone === '555-0199',
  },
  { action: 'delete', params: {}, event: 'record.deleted', effect: (record) => record === null },
];

for (const { action, params, setup, event, effect } of cases) {
  for (const by of ['ids', 'where'] as const) {
    test(`${action} over ${by}: each target record changed, with its changelog row and event`, async () => {
      const name = `${action}-${by}`;
      const targets = await contacts(admin, name, 3, setup);
      const [bystander] = await contacts(admin, `${name}-not`, 1, setup);
      assert.ok(bystander);
      const before = await lastEventId();
      const target = by === 'ids' ? { ids: targets } : { where: byLastName(name) };
      const answer = await bulk(admin, { action, target, ...params });
      assert.deepEqual(answer, { matched: 3, succeeded: 3, failed: [] });
      for (const id of targets) assert.ok(effect(await read(id)), `${name}: ${id} changed`);
      assert.ok(!effect(await read(bystander)), `${name}: the bystander is untouched`);
      const events = await eventsPerRecord(event, targets, before);
      // addTags writes one tag.added per new tag: two here.
      const each = action === 'addTags' ? 2 : 1;
      assert.deepEqual(
        targets.map((id) => events.get(id)),
        targets.map(() => each),
        `${name}: ${event} per record`,
      );
      const logged = await db
        .selectFrom('changelog')
        .select('recordId')
        .where('recordId', 'in', targets)
        .where('action', '=', action === 'delete' ? 'delete' : 'update')
        .execute();
      assert.equal(logged.length, 3, `${name}: changelog rows`);
    });
  }
}

test('a search target takes the records the list would find for q', async () => {
  const targets = await contacts(admin, 'Quixotic', 2);
  const [other] = await contacts(admin, 'Ordinary', 1);
  const answer = await bulk(admin, { action: 'addTags', target: { search: 'quixotic' }, tags: ['found'] });
  assert.deepEqual(answer, { matched: 2, succeeded: 2, failed: [] });
  for (const id of targets) assert.deepEqual((await read(id))?.tags, ['found']);
  assert.deepEqual((await read(other as string))?.tags, []);
});

test('a user who may view but not edit others’ records gets a failure for each of them', async () => {
  const vera = await signedInUser(app, db, admin, 'vera', {
    contacts: { view: 'all', create: 'own', update: 'own', delete: 'own' },
  });
  const hers = await contacts(vera, 'Shared', 2);
  const others = await contacts(admin, 'Shared', 3);
  const hidden = await contacts(admin, 'Shared', 1, { visibility: 'private' });

  const answer = await bulk(vera, {
    action: 'addTags',
    target: { where: byLastName('Shared') },
    tags: ['mine'],
  });
  // The private record is outside what she may view: not matched at all.
  assert.equal(answer.matched, 5);
  assert.equal(answer.succeeded, 2);
  assert.deepEqual(answer.failed.map((failure) => failure.id).sort(), others);
  for (const failure of answer.failed) assert.equal(failure.error.code, 'WEFT_ERR_FORBIDDEN');
  for (const id of hers) assert.deepEqual((await read(id))?.tags, ['mine']);
  for (const id of others) assert.deepEqual((await read(id))?.tags, []);

  // Named by id, a record she cannot see is not found, one she cannot delete is forbidden.
  const byIds = await bulk(vera, { action: 'delete', target: { ids: [...hidden, ...others.slice(0, 1)] } });
  assert.equal(byIds.matched, 2);
  assert.equal(byIds.succeeded, 0);
  const codes = new Map(byIds.failed.map((failure) => [failure.id, failure.error.code]));
  assert.equal(codes.get(hidden[0] as string), 'WEFT_ERR_NOT_FOUND');
  assert.equal(codes.get(others[0] as string), 'WEFT_ERR_FORBIDDEN');
  assert.ok(await read(hidden[0] as string));

  // No update scope at all on the module refuses the whole request.
  const viewer = await signedInUser(app, db, admin, 'viewer', { contacts: { view: 'all' } });
  const refused = await viewer.request('POST', '/api/records/contacts/bulk', {
    action: 'update',
    target: { ids: hers },
    values: { phone: '1' },
  });
  assert.equal(refused.statusCode, 403, refused.body);
});

test('a record that fails mid-chunk is rolled back alone: the others of its transaction commit', async () => {
  const made = await admin.request('POST', '/api/modules', {
    name: 'gadgets',
    label: 'Gadgets',
    fields: [{ name: 'code', label: 'Code', type: 'text', unique: true }],
  });
  assert.equal(made.statusCode, 201, made.body);
  const ids: string[] = [];
  for (const name of ['a', 'b', 'c', 'd']) {
    const response = await admin.request('POST', '/api/records/gadgets', { name });
    ids.push(response.json().id);
  }
  // One code for all: the first record in id order takes it, the others break the unique index.
  const answer = await bulk(admin, { action: 'update', target: { ids }, values: { code: 'X-1' } }, 'gadgets');
  assert.equal(answer.matched, 4);
  assert.equal(answer.succeeded, 1);
  assert.equal(answer.failed.length, 3);
  for (const failure of answer.failed) assert.equal(failure.error.code, 'WEFT_ERR_CONFLICT');
  const first = [...ids].sort()[0] as string;
  assert.equal((await read(first, 'gadgets'))?.code, 'X-1');
  // …and the records after the failures, in the same transaction, were still written.
  const tagged = await bulk(admin, { action: 'addTags', target: { ids }, tags: ['after'] }, 'gadgets');
  assert.equal(tagged.succeeded, 4);
});

test('a selection over several chunks: every record changed, one event each, the audit row once', async () => {
  const made = await admin.request('POST', '/api/modules', { name: 'widgets', label: 'Widgets' });
  assert.equal(made.statusCode, 201, made.body);
  await sql`
    insert into rec_widgets (name, assigned_to, created_by)
    select 'w' || n, ${admin.userId}::uuid, ${admin.userId}::uuid from generate_series(1, 450) as n
  `.execute(db);
  const before = await lastEventId();
  const answer = await bulk(admin, { action: 'addTags', target: {}, tags: ['batch'] }, 'widgets');
  assert.deepEqual(answer, { matched: 450, succeeded: 450, failed: [] });
  const { rows } = await sql<{ untagged: number }>`
    select count(*)::int as untagged from rec_widgets where not tags @> array['batch']
  `.execute(db);
  assert.equal(rows[0]?.untagged, 0);
  const events = await db
    .selectFrom('events')
    .select([
      'type',
      sql<number>`count(*)::int`.as('count'),
      sql<number>`count(distinct record_id)::int`.as('records'),
    ])
    .where('id', '>', before)
    .where('module', '=', 'widgets')
    .groupBy('type')
    .orderBy('type')
    .execute();
  assert.deepEqual(
    events.map((row) => [row.type, Number(row.count), Number(row.records)]),
    [
      ['record.updated', 450, 450],
      ['tag.added', 450, 450],
    ],
  );
  const audited = await db
    .selectFrom('auditLog')
    .select(['action', 'targetId', 'details'])
    .where('action', '=', 'records.bulk')
    .where('targetId', '=', 'widgets')
    .execute();
  assert.equal(audited.length, 1);
  assert.deepEqual(audited[0]?.details, {
    action: 'addTags',
    target: { where: null, search: null },
    tags: ['batch'],
    matched: 450,
    succeeded: 450,
    failed: 0,
  });
});

test('more records than one request may take is a 4xx, and nothing changes', async () => {
  const made = await admin.request('POST', '/api/modules', { name: 'grains', label: 'Grains' });
  assert.equal(made.statusCode, 201, made.body);
  await sql`
    insert into rec_grains (name, assigned_to, created_by)
    select 'g' || n, ${admin.userId}::uuid, ${admin.userId}::uuid from generate_series(1, 10001) as n
  `.execute(db);
  const refused = await admin.request('POST', '/api/records/grains/bulk', { action: 'delete', target: {} });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.equal(refused.json().error.code, 'WEFT_ERR_UNPROCESSABLE');
  assert.match(refused.json().error.message, /more than 10,000 records/);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from rec_grains`.execute(db);
  assert.equal(rows[0]?.n, 10001);
  // Narrowed under the cap, the same delete goes through.
  const narrowed = await bulk(
    admin,
    { action: 'delete', target: { where: { inList: [{ var: 'name' }, ['g1', 'g2', 'g3']] } } },
    'grains',
  );
  assert.deepEqual(narrowed, { matched: 3, succeeded: 3, failed: [] });

  const ids = Array.from(
    { length: 10_001 },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  );
  const tooMany = await admin.request('POST', '/api/records/grains/bulk', {
    action: 'delete',
    target: { ids },
  });
  assert.equal(tooMany.statusCode, 400);
  assert.deepEqual(tooMany.json().error.details, [
    { field: 'target.ids', reason: 'must NOT have more than 10000 items' },
  ]);
});

test('the count route says how many records a filter takes', async () => {
  await contacts(admin, 'Countable', 4);
  const where = encodeURIComponent(JSON.stringify(byLastName('Countable')));
  const counted = await admin.request('GET', `/api/records/contacts/count?where=${where}`);
  assert.equal(counted.statusCode, 200, counted.body);
  assert.deepEqual(counted.json(), { count: 4 });
  const bad = await admin.request('GET', '/api/records/contacts/count?where=nope');
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'where');
});

test('bad bodies are a 400 naming the problem', async () => {
  const [id] = await contacts(admin, 'Body', 1);
  const ids = [id];
  const cases: [string, unknown, string, RegExp][] = [
    ['no action', { target: { ids } }, 'action', /required/],
    ['an unknown action', { action: 'explode', target: { ids } }, 'action', /allowed values/],
    ['no target', { action: 'delete' }, 'target', /required/],
    ['addTags without tags', { action: 'addTags', target: { ids } }, 'tags', /required/],
    ['empty tags', { action: 'addTags', target: { ids }, tags: [] }, 'tags', /fewer than 1/],
    [
      'a parameter of another action',
      { action: 'delete', target: { ids }, tags: ['x'] },
      'tags',
      /not an allowed/,
    ],
    ['an unknown property', { action: 'delete', target: { ids }, force: true }, 'force', /not an allowed/],
    ['ids and a filter', { action: 'delete', target: { ids, search: 'x' } }, 'target.search', /not allowed/],
    [
      'an unknown target property',
      { action: 'delete', target: { all: true } },
      'target.all',
      /not an allowed/,
    ],
    ['a bad id', { action: 'delete', target: { ids: ['nope'] } }, 'target.ids.0', /uuid/],
    ['no ids', { action: 'delete', target: { ids: [] } }, 'target.ids', /fewer than 1/],
    ['a where that is not an object', { action: 'delete', target: { where: 'x' } }, 'target.where', /object/],
    [
      'a where on no field',
      { action: 'delete', target: { where: { '==': [{ var: 'shoeSize' }, 3] } } },
      'target.where',
      /shoeSize/,
    ],
    [
      'assign to nobody',
      { action: 'assign', target: { ids }, assignedTo: id },
      'assignedTo',
      /user or group/,
    ],
    ['assign without whom', { action: 'assign', target: { ids } }, 'assignedTo', /required/],
    ['update nothing', { action: 'update', target: { ids }, values: {} }, 'values', /fewer than 1/],
    [
      'update an unknown field',
      { action: 'update', target: { ids }, values: { shoeSize: 3 } },
      'values.shoeSize',
      /not an allowed/,
    ],
    [
      'update with a bad value',
      { action: 'update', target: { ids }, values: { doNotEmail: 'yes' } },
      'values.doNotEmail',
      /boolean/,
    ],
    [
      'update a read-only field',
      { action: 'update', target: { ids }, values: { createdBy: id } },
      'values.createdBy',
      /read-only/,
    ],
    ['runFlow without a flow', { action: 'runFlow', target: { ids } }, 'flowId', /required/],
  ];
  for (const [name, body, field, reason] of cases) {
    const response = await admin.request('POST', '/api/records/contacts/bulk', body);
    assert.equal(response.statusCode, 400, `${name}: ${response.body}`);
    const details = response.json().error.details as { field: string; reason: string }[];
    assert.ok(
      details.some((detail) => detail.field === field && reason.test(detail.reason)),
      `${name}: ${response.body}`,
    );
  }
  assert.ok(await read(id as string), 'nothing was deleted');
  const noModule = await admin.request('POST', '/api/records/nothing/bulk', {
    action: 'delete',
    target: { ids },
  });
  assert.equal(noModule.statusCode, 404);
});

test('runFlow starts a run of the published flow on each matched record', async () => {
  const created = await admin.request('POST', '/api/flows', {
    name: 'bulk macro',
    definition: straightFlow('bulk macro', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['post', 'feed.post', { text: 'hello {{record.firstName}}' }],
    ]),
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  const target = { where: byLastName('Macro') };
  const unpublished = await admin.request('POST', '/api/records/contacts/bulk', {
    action: 'runFlow',
    target,
    flowId,
  });
  assert.equal(unpublished.statusCode, 422, unpublished.body);
  const published = await admin.request('POST', `/api/flows/${flowId}/publish`);
  assert.equal(published.statusCode, 200, published.body);

  const targets = await contacts(admin, 'Macro', 3);
  const answer = await bulk(admin, { action: 'runFlow', target, flowId });
  assert.deepEqual(answer, { matched: 3, succeeded: 3, failed: [], runs: 3 });
  const runs = await db.selectFrom('flowRuns').select('recordId').where('flowId', '=', flowId).execute();
  assert.deepEqual(runs.map((run) => run.recordId).sort(), targets);

  // A record that is gone is reported; the others of its chunk still run.
  const [gone] = await contacts(admin, 'Macro-gone', 1);
  assert.equal((await admin.request('DELETE', `/api/records/contacts/${gone}`)).statusCode, 204);
  const mixed = await bulk(admin, { action: 'runFlow', target: { ids: [gone, targets[0]] }, flowId });
  assert.equal(mixed.succeeded, 1);
  assert.deepEqual(
    mixed.failed.map((failure) => [failure.id, failure.error.code]),
    [[gone, 'WEFT_ERR_NOT_FOUND']],
  );

  const elsewhere = await admin.request('POST', '/api/records/accounts/bulk', {
    action: 'runFlow',
    target: {},
    flowId,
  });
  assert.equal(elsewhere.statusCode, 422, elsewhere.body);
  assert.match(elsewhere.json().error.message, /runs on contacts records/);
  const user = await signedInUser(app, db, admin, 'runner', {
    contacts: { view: 'all', create: 'all', update: 'all', delete: 'all' },
  });
  const notAdmin = await user.request('POST', '/api/records/contacts/bulk', {
    action: 'runFlow',
    target,
    flowId,
  });
  assert.equal(notAdmin.statusCode, 403);
});
