import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { autoSortIndexRows, buildSortIndex, startSortIndexWorker } from '../server/records/sort-index.ts';
import { createTestApp, login } from './helpers/app.ts';

// A list sorted by a field without an index on a large table (sort-index.ts): answered at
// once as before, and the field's sort index is built in the background and the field marked
// sortable, so later pages walk it. The admin's "no" (Fast sorting unticked) is remembered,
// and the automaticSortIndexes setting turns it off. Pages are those of the plain query.
const { app, db } = await createTestApp({ queue: true });
if (!app.boss) throw new Error('no queue');
await startSortIndexWorker(app.boss, db, app.settings);
const admin = await login(app);
const total = autoSortIndexRows + 2_000;
await sql`
  insert into rec_contacts (first_name, last_name, city, rating, dealvalue, assigned_to, created_by)
  select 'F' || (n % 13), 'L' || (n % 17), (array['Paris', 'Rome', null])[1 + n % 3],
    case when n % 6 = 0 then null else n % 6 end, case when n % 5 = 0 then null else (n % 7) * 2.5 end,
    (select id from users where username = 'admin'), (select id from users where username = 'admin')
  from generate_series(1, ${total}) as n`.execute(db);
await sql`analyze rec_contacts`.execute(db);

const indexOf = async (column: string) =>
  (
    await sql<{ name: string; valid: boolean }>`
      select c.relname as name, i.indisvalid as valid
      from pg_index i join pg_class c on c.oid = i.indexrelid
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
      where i.indrelid = 'rec_contacts'::regclass and a.attname = ${column}`.execute(db)
  ).rows;
const optionsOf = async (field: string) => {
  const response = await admin.request('GET', '/api/modules/contacts');
  assert.equal(response.statusCode, 200, response.body);
  return response
    .json<{ fields: { name: string; options: Record<string, unknown> }[] }>()
    .fields.find((candidate) => candidate.name === field)?.options;
};
const firstPage = async (sort: string) => {
  const response = await admin.request('GET', `/api/records/contacts?limit=25&sort=${sort}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: { id: string }[] }>().items.map((item) => item.id);
};
const sqlPage = async (orderBy: string, limit = 25) =>
  (
    await sql<{
      id: string;
    }>`select id from rec_contacts order by ${sql.raw(orderBy)} limit ${limit}`.execute(db)
  ).rows.map((row) => row.id);

test('a list sorted by a field without an index builds its sort index in the background', async () => {
  assert.deepEqual(await indexOf('rating'), []);
  assert.equal((await optionsOf('rating'))?.sortable, undefined);
  // The first request is answered without waiting for the index.
  assert.deepEqual(await firstPage('-rating'), await sqlPage('rating desc nulls last, id desc'));
  const until = Date.now() + 30_000;
  while ((await optionsOf('rating'))?.sortable !== true) {
    if (Date.now() > until) throw new Error('no sort index built within 30 s');
    await delay(100);
  }
  assert.deepEqual(await indexOf('rating'), [{ name: 'rec_contacts_rating_order', valid: true }]);
  const audited = await db
    .selectFrom('auditLog')
    .select(['actorName', 'details'])
    .where('action', '=', 'module.field.update')
    .execute();
  assert.ok(
    audited.some(
      (row) => row.actorName === 'system' && JSON.stringify(row.details).includes('"automatic":true'),
    ),
    JSON.stringify(audited),
  );
  // Later pages walk the index: the same rows in the same order, both directions, every page.
  assert.deepEqual(await firstPage('-rating'), await sqlPage('rating desc nulls last, id desc'));
  assert.deepEqual(await firstPage('rating'), await sqlPage('rating asc, id asc'));
  const paris = encodeURIComponent(JSON.stringify({ '==': [{ var: 'city' }, 'Paris'] }));
  const response = await admin.request('GET', `/api/records/contacts?limit=25&sort=-rating&where=${paris}`);
  assert.equal(response.statusCode, 200, response.body);
  const { rows } = await sql<{ id: string }>`
    select id from rec_contacts where city = 'Paris' order by rating desc nulls last, id desc limit 25`.execute(
    db,
  );
  assert.deepEqual(
    response.json<{ items: { id: string }[] }>().items.map((item) => item.id),
    rows.map((row) => row.id),
  );
});

test('unticked by an admin, the index goes and no automatic one comes back', async () => {
  const unmarked = await admin.request('PATCH', '/api/modules/contacts/fields/rating', {
    options: { sortable: false },
  });
  assert.equal(unmarked.statusCode, 200, unmarked.body);
  assert.deepEqual(await indexOf('rating'), []);
  assert.deepEqual(await firstPage('-rating'), await sqlPage('rating desc nulls last, id desc'));
  assert.equal(await buildSortIndex(db, app.settings, { module: 'contacts', field: 'rating' }), 'declined');
  assert.deepEqual(await indexOf('rating'), []);
  assert.equal((await optionsOf('rating'))?.sortable, false);
});

const orderIndexes = async (column: string) =>
  (await indexOf(column)).filter((index) => index.name.endsWith('_order'));

test('the automaticSortIndexes setting turns it off; a multiple-value field never gets one', async () => {
  const off = await admin.request('PATCH', '/api/settings', { automaticSortIndexes: false });
  assert.equal(off.statusCode, 200, off.body);
  assert.deepEqual(await firstPage('city'), await sqlPage('city asc, id asc'));
  assert.equal(await buildSortIndex(db, app.settings, { module: 'contacts', field: 'dealvalue' }), 'off');
  // Nothing was asked for: a job would have built the index within this time (see the first test).
  await delay(3_000);
  assert.deepEqual(await orderIndexes('city'), []);
  assert.equal((await optionsOf('city'))?.sortable, undefined);
  const on = await admin.request('PATCH', '/api/settings', { automaticSortIndexes: true });
  assert.equal(on.statusCode, 200, on.body);
  assert.deepEqual(await firstPage('city'), await sqlPage('city asc, id asc'));
  const until = Date.now() + 30_000;
  while ((await optionsOf('city'))?.sortable !== true) {
    if (Date.now() > until) throw new Error('no sort index built within 30 s');
    await delay(100);
  }
  assert.deepEqual(await orderIndexes('city'), [{ name: 'rec_contacts_city_order', valid: true }]);
  assert.equal(await buildSortIndex(db, app.settings, { module: 'contacts', field: 'tags' }), 'declined');
  assert.equal(await buildSortIndex(db, app.settings, { module: 'contacts', field: 'dealvalue' }), 'built');
  assert.deepEqual(await indexOf('dealvalue'), [{ name: 'rec_contacts_dealvalue_order', valid: true }]);
  assert.equal((await optionsOf('dealvalue'))?.sortable, true);
});

test('a small table gets no automatic index', async () => {
  await sql`delete from rec_contacts where ctid not in (select ctid from rec_contacts limit 100)`.execute(db);
  await sql`analyze rec_contacts`.execute(db);
  assert.equal(await buildSortIndex(db, app.settings, { module: 'contacts', field: 'country' }), 'small');
  assert.deepEqual(await orderIndexes('country'), []);
});
