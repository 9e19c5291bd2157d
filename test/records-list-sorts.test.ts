import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { containsOn } from '../server/records/record-list.ts';
import { createTestApp, login } from './helpers/app.ts';
import { listPages } from './helpers/list-pages.ts';

// Sorts by a field marked sortable in Studio (`options.sortable`: a btree on (column, id)),
// by a display field, and by a field without an index take other plans (record-list.ts: the
// NULLs of a descending sort apart, or only ids and sort keys through the sort). Pages and
// their order must be exactly those of the plain query — NULLs last in either direction,
// ties broken by id, page after page — which is what SQL alone answers here.
const { app, db } = await createTestApp();
const admin = await login(app);
const total = 230;
await sql`
  insert into rec_contacts (first_name, last_name, city, lead_status, rating, dealvalue, assigned_to, created_by)
  select 'F' || (n % 13), (array['Smith', 'Smithers', 'Jones'])[1 + n % 3] || (n % 17),
    case when n % 4 = 0 then null else (array['Paris', 'Rome'])[1 + n % 2] end,
    (array['Working', 'Dead', 'Assigned'])[1 + n % 3],
    case when n % 6 = 0 then null else n % 6 end, case when n % 5 = 0 then null else (n % 7) * 2.5 end,
    (select id from users where username = 'admin'), (select id from users where username = 'admin')
  from generate_series(1, ${total}) as n`.execute(db);
await sql`analyze rec_contacts`.execute(db);

const pages = (query: string) => listPages(admin, 'contacts', query);

const indexes = async () =>
  (
    await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = 'rec_contacts'`.execute(
      db,
    )
  ).rows.map((row) => row.indexdef);
const working = encodeURIComponent(JSON.stringify({ inList: [{ var: 'leadStatus' }, ['Working', 'Dead']] }));
const orders: [string, string][] = [
  ['-dealvalue', 'dealvalue desc nulls last, id desc'],
  ['dealvalue', 'dealvalue asc, id asc'],
  ['-lastName', 'last_name desc nulls last, id desc'],
  ['-rating', 'rating desc nulls last, id desc'],
  ['rating', 'rating asc, id asc'],
  ['city,-rating', 'city asc, rating desc nulls last, id desc'],
  ['-dealvalue,city', 'dealvalue desc nulls last, city asc, id asc'],
];

test('options.sortable keeps a btree on (column, id), dropped when unmarked', async () => {
  const has = async () => (await indexes()).some((def) => /\(dealvalue, id\)/.test(def));
  assert.equal(await has(), false);
  const marked = await admin.request('PATCH', '/api/modules/contacts/fields/dealvalue', {
    options: { sortable: true },
  });
  assert.equal(marked.statusCode, 200, marked.body);
  assert.equal(marked.json<{ options: Record<string, unknown> }>().options.currency, 'USD');
  assert.equal(await has(), true);
  const unmarked = await admin.request('PATCH', '/api/modules/contacts/fields/dealvalue', {
    options: { sortable: false },
  });
  assert.equal(unmarked.statusCode, 200, unmarked.body);
  assert.equal(await has(), false);
});

test('every sort, with and without a filter: every page as the plain query orders it', async () => {
  const marked = await admin.request('PATCH', '/api/modules/contacts/fields/dealvalue', {
    options: { sortable: true },
  });
  assert.equal(marked.statusCode, 200, marked.body);
  for (const [sort, orderBy] of orders) {
    const all = await sql<{ id: string }>`select id from rec_contacts order by ${sql.raw(orderBy)}`.execute(
      db,
    );
    assert.deepEqual(
      await pages(`sort=${sort}`),
      all.rows.map((row) => row.id),
      sort,
    );
    const some = await sql<{ id: string }>`
      select id from rec_contacts where lead_status in ('Working', 'Dead') order by ${sql.raw(orderBy)}`.execute(
      db,
    );
    assert.deepEqual(
      await pages(`sort=${sort}&where=${working}`),
      some.rows.map((row) => row.id),
      `${sort} where`,
    );
  }
});

test('a contains on the sort field is told apart, however deep in the filter', () => {
  const where = (value: unknown) => JSON.stringify(value);
  const on = { contains: [{ var: 'lastName' }, 'smith'] };
  assert.equal(containsOn(where(on), 'lastName'), true);
  assert.equal(
    containsOn(where({ and: [{ '==': [{ var: 'city' }, 'Rome'] }, { or: [on] }] }), 'lastName'),
    true,
  );
  assert.equal(containsOn(where({ '!': on }), 'lastName'), true);
  assert.equal(containsOn(where(on), 'firstName'), false);
  assert.equal(containsOn(where({ '==': [{ var: 'lastName' }, 'contains'] }), 'lastName'), false);
  assert.equal(containsOn(undefined, 'lastName'), false);
});
