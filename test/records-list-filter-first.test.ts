import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { filterFirstRows } from '../server/records/record-list.ts';
import { createTestApp, login } from './helpers/app.ts';
import { listPages } from './helpers/list-pages.ts';

// A list with a `contains` filter or `q` whose matches are few (the planner's estimate) reads
// its matches first, then the page by id (record-list.ts). Pages and their order must be
// exactly those of the plain query — every sort direction, NULLs last, ties broken by id,
// page after page — which is what SQL alone answers here.
const { app, db } = await createTestApp();
const admin = await login(app);
const total = 240;
await sql`
  insert into rec_contacts (first_name, last_name, city, rating, dealvalue, assigned_to, created_by)
  select 'F' || (n % 13), (array['Smith', 'Smithers', 'Jones'])[1 + n % 3] || (n % 17),
    case when n % 4 = 0 then null else (array['Paris', 'Rome'])[1 + n % 2] end,
    n % 6, case when n % 5 = 0 then null else (n % 7) * 2.5 end,
    (select id from users where username = 'admin'), (select id from users where username = 'admin')
  from generate_series(1, ${total}) as n`.execute(db);
await sql`analyze rec_contacts`.execute(db);

const pages = (query: string) => listPages(admin, 'contacts', query);

const contains = (text: string) =>
  encodeURIComponent(JSON.stringify({ contains: [{ var: 'lastName' }, text] }));
const orders: [string, string][] = [
  ['lastName', 'last_name asc, id asc'],
  ['-lastName', 'last_name desc nulls last, id desc'],
  ['-dealvalue', 'dealvalue desc nulls last, id desc'],
  ['city,-rating', 'city asc, rating desc nulls last, id desc'],
  ['-createdAt', 'created_at desc, id desc'],
];

test('a contains filter: every page as the plain query orders it', async () => {
  assert.ok(total < filterFirstRows);
  for (const [sort, orderBy] of orders) {
    const { rows } = await sql<{ id: string }>`
      select id from rec_contacts where last_name ilike '%smith%' order by ${sql.raw(orderBy)}`.execute(db);
    assert.ok(rows.length > 100);
    assert.deepEqual(
      await pages(`sort=${sort}&where=${contains('smith')}`),
      rows.map((row) => row.id),
      sort,
    );
  }
});

test('q: every page as the plain query orders it', async () => {
  const { rows } = await sql<{ id: string }>`
    select id from rec_contacts
    where first_name ilike '%f1%' or last_name ilike '%f1%' or email ilike '%f1%' or phone ilike '%f1%'
    order by last_name desc nulls last, id desc`.execute(db);
  assert.ok(rows.length > 7);
  assert.deepEqual(
    await pages('sort=-lastName&q=F1'),
    rows.map((row) => row.id),
  );
});
