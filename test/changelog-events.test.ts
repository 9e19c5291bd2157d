import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

const counts = async () => ({
  changelog: (
    await db
      .selectFrom('changelog')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n,
  events: (
    await db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', 'in', ['record.created', 'record.updated', 'record.deleted'])
      .executeTakeFirstOrThrow()
  ).n,
});

test('create, update and delete each write a changelog row with before/after and an event', async () => {
  const created = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Byron',
    leadSource: 'Web',
  });
  const id = created.json().id as string;
  const updated = await admin.request('PATCH', `/api/records/contacts/${id}`, {
    lastName: 'Lovelace',
    city: 'London',
  });
  assert.equal(updated.statusCode, 200);
  const unchanged = await admin.request('PATCH', `/api/records/contacts/${id}`, { city: 'London' });
  assert.equal(unchanged.statusCode, 200);
  assert.equal(
    unchanged.json().updatedAt,
    updated.json().updatedAt,
    'a write that changes nothing moves nothing',
  );

  const history = (await admin.request('GET', `/api/records/contacts/${id}/changelog`)).json().items;
  assert.deepEqual(
    history.map((entry: { action: string }) => entry.action),
    ['update', 'create'],
    'an update that changes nothing logs nothing',
  );
  assert.deepEqual(history[0].changes, {
    lastName: { before: 'Byron', after: 'Lovelace' },
    city: { before: null, after: 'London' },
  });
  assert.equal(history[0].actorId, admin.userId);
  assert.equal(history[0].actorName, 'admin');
  assert.deepEqual(history[1].changes.firstName, { before: null, after: 'Ada' });

  const events = await db
    .selectFrom('events')
    .select(['type', 'payload', 'actorId', 'module'])
    .where('recordId', '=', id)
    .where('type', '<>', 'record.viewed')
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((event) => event.type),
    ['record.created', 'record.updated'],
  );
  const update = events[1]?.payload as { record: { lastName: string }; previous: object; changed: string[] };
  assert.equal(update.record.lastName, 'Lovelace');
  assert.deepEqual(update.previous, { lastName: 'Byron', city: null });
  assert.deepEqual(update.changed.sort(), ['city', 'lastName']);
  assert.equal(events[0]?.actorId, admin.userId);

  assert.equal((await admin.request('DELETE', `/api/records/contacts/${id}`)).statusCode, 204);
  const deletion = await db
    .selectFrom('changelog')
    .select('changes')
    .where('recordId', '=', id)
    .where('action', '=', 'delete')
    .executeTakeFirstOrThrow();
  assert.deepEqual(deletion.changes.lastName, { before: 'Lovelace', after: null });
  const deleted = await db
    .selectFrom('events')
    .select('payload')
    .where('recordId', '=', id)
    .where('type', '=', 'record.deleted')
    .executeTakeFirstOrThrow();
  assert.equal((deleted.payload as { record: { firstName: string } }).record.firstName, 'Ada');
});

test('a refused write leaves neither a changelog row nor an event', async () => {
  await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'badge',
    label: 'Badge',
    type: 'text',
    unique: true,
  });
  const first = await admin.request('POST', '/api/records/contacts', {
    firstName: 'A',
    lastName: 'B',
    badge: 'X1',
  });
  assert.equal(first.statusCode, 201);
  const before = await counts();
  const refusals = [
    await admin.request('POST', '/api/records/contacts', { firstName: 'C', lastName: 'D', badge: 'X1' }),
    await admin.request('POST', '/api/records/contacts', { firstName: 'C' }),
    await admin.request('PATCH', `/api/records/contacts/${first.json().id}`, { doNotEmail: 'no' }),
  ];
  assert.deepEqual(
    refusals.map((r) => r.statusCode),
    [409, 400, 400],
  );
  const second = await admin.request('POST', '/api/records/contacts', {
    firstName: 'E',
    lastName: 'F',
    badge: 'X2',
  });
  const clash = await admin.request('PATCH', `/api/records/contacts/${second.json().id}`, { badge: 'X1' });
  assert.equal(clash.statusCode, 409);
  assert.deepEqual(await counts(), { changelog: before.changelog + 1, events: before.events + 1 });
});

test('when the event cannot be written, the record is not written either', async () => {
  // A trigger that refuses one event stands in for any failure after the record's own insert.
  await sql`
    create function refuse_event() returns trigger language plpgsql as $$
    begin
      if new.payload #>> '{record,lastName}' = 'Doomed' then raise exception 'refused'; end if;
      return new;
    end $$
  `.execute(db);
  await sql`create trigger refuse_event before insert on events for each row execute function refuse_event()`.execute(
    db,
  );
  try {
    const before = await counts();
    const response = await admin.request('POST', '/api/records/contacts', {
      firstName: 'Tom',
      lastName: 'Doomed',
    });
    assert.equal(response.statusCode, 500);
    const rows = await sql`select 1 from rec_contacts where last_name = 'Doomed'`.execute(db);
    assert.equal(rows.rows.length, 0);
    assert.deepEqual(await counts(), before);
  } finally {
    await sql`drop trigger refuse_event on events`.execute(db);
  }
});

test('under concurrent writes every committed change has exactly one event', async () => {
  const created = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      admin.request('POST', '/api/records/accounts', { name: `Concurrent ${i}` }),
    ),
  );
  const ids = created.map((r) => r.json().id as string);
  await Promise.all(
    ids.flatMap((id, i) => [
      admin.request('PATCH', `/api/records/accounts/${id}`, { industry: `I${i}` }),
      admin.request('PATCH', `/api/records/accounts/${id}`, { phone: `${i}` }),
    ]),
  );
  await Promise.all(ids.slice(0, 4).map((id) => admin.request('DELETE', `/api/records/accounts/${id}`)));
  // Per record and kind of write: as many events as changelog rows (each logged write emitted once).
  const { rows } = await sql<{ unmatched: number }>`
    select count(*)::int as unmatched from (
      select record_id, 'record.' || action || 'd' as type, count(*) as n from changelog
      where module = 'accounts' group by 1, 2
    ) c full join (
      select record_id, type, count(*) as n from events
      where module = 'accounts' and type in ('record.created', 'record.updated', 'record.deleted') group by 1, 2
    ) e using (record_id, type)
    where c.n is distinct from e.n
  `.execute(db);
  assert.equal(rows[0]?.unmatched, 0);
  const perType = await sql<{ type: string; n: number }>`
    select type, count(*)::int as n from events where record_id = any(${ids}::uuid[]) group by type order by type
  `.execute(db);
  assert.deepEqual(perType.rows, [
    { type: 'record.created', n: 12 },
    { type: 'record.deleted', n: 4 },
    { type: 'record.updated', n: 24 },
  ]);
});

test('the system changelog is for admins and filters by user', async () => {
  const role = await admin.request('POST', '/api/roles', {
    name: 'Everything',
    permissions: { '*': { view: 'all', create: 'all', update: 'all', delete: 'all' } },
  });
  await admin.request('POST', '/api/users', {
    username: 'writer',
    password: 'writer-password',
    roleIds: [role.json().id],
  });
  const writer = await login(app, 'writer', 'writer-password');
  await writer.request('POST', '/api/records/cases', { name: 'Printer on fire', impact: '1 - Severe' });
  assert.equal((await writer.request('GET', '/api/changelog')).statusCode, 403);
  const mine = (await admin.request('GET', `/api/changelog?userId=${writer.userId}`)).json();
  assert.equal(mine.items.length, 1);
  assert.equal(mine.items[0].module, 'cases');
  assert.equal(mine.items[0].actorName, 'writer');
  const page = (await admin.request('GET', '/api/changelog?limit=2')).json();
  assert.equal(page.items.length, 2);
  const next = (await admin.request('GET', `/api/changelog?limit=2&cursor=${page.nextCursor}`)).json();
  assert.ok(next.items[0].id < page.items[1].id);
});

test('viewing a record logs the view and emits record.viewed; tags emit tag events', async () => {
  const contact = (
    await admin.request('POST', '/api/records/contacts', { firstName: 'V', lastName: 'W', tags: ['a'] })
  ).json();
  await admin.request('GET', `/api/records/contacts/${contact.id}`);
  const views = await db
    .selectFrom('recordViews')
    .select('userId')
    .where('recordId', '=', contact.id)
    .execute();
  assert.deepEqual(views, [{ userId: admin.userId }]);
  await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { tags: ['b', 'c'] });
  const events = await db
    .selectFrom('events')
    .select(['type', 'payload'])
    .where('recordId', '=', contact.id)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((e) => [e.type, (e.payload as { tag?: string }).tag ?? null]),
    [
      ['record.created', null],
      ['tag.added', 'a'],
      ['record.viewed', null],
      ['record.updated', null],
      ['tag.added', 'b'],
      ['tag.added', 'c'],
      ['tag.removed', 'a'],
    ],
  );
});

test('deleting a record empties the links to it as logged, emitted updates', async () => {
  const account = (await admin.request('POST', '/api/records/accounts', { name: 'Gone Inc' })).json();
  const contact = (
    await admin.request('POST', '/api/records/contacts', {
      firstName: 'Left',
      lastName: 'Behind',
      company: account.id,
    })
  ).json();
  assert.equal((await admin.request('DELETE', `/api/records/accounts/${account.id}`)).statusCode, 204);
  const after = (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json();
  assert.equal(after.company, null);
  const history = (await admin.request('GET', `/api/records/contacts/${contact.id}/changelog`)).json().items;
  assert.deepEqual(history[0].changes, { company: { before: account.id, after: null } });
  const event = await db
    .selectFrom('events')
    .select('payload')
    .where('recordId', '=', contact.id)
    .where('type', '=', 'record.updated')
    .executeTakeFirstOrThrow();
  assert.deepEqual((event.payload as { changed: string[] }).changed, ['company']);
});

test('concurrent updates of one record: each changelog row starts where the one before ended', async () => {
  const id = (
    await admin.request('POST', '/api/records/contacts', { firstName: 'Race', lastName: '0' })
  ).json().id as string;
  const writes = await Promise.all(
    Array.from({ length: 12 }, (_, index) =>
      admin.request('PATCH', `/api/records/contacts/${id}`, { lastName: String(index + 1) }),
    ),
  );
  for (const write of writes) assert.equal(write.statusCode, 200, write.body);
  const updates = await db
    .selectFrom('changelog')
    .select('changes')
    .where('recordId', '=', id)
    .where('action', '=', 'update')
    .orderBy('id')
    .execute();
  const steps = updates.map(
    (row) => (row.changes as Record<string, { before: unknown; after: unknown }>).lastName,
  );
  assert.equal(steps.length, 12);
  assert.equal(steps[0]?.before, '0');
  // Each write saw the version it replaced, not the one its transaction started with.
  for (let index = 1; index < steps.length; index++)
    assert.equal(steps[index]?.before, steps[index - 1]?.after);
});
