import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createDb } from '../server/db/index.ts';
import { statementName } from '../server/db/prepared.ts';
import { createTestApp, login } from './helpers/app.ts';

const { app, url } = await createTestApp();
const admin = await login(app);

test('a statement is named once it recurs; searches, pages, * and transaction control never are', () => {
  const recurring = 'select "id" from "users" where "id" = $1 -- prepared test';
  const names = Array.from({ length: 12 }, () => statementName(recurring));
  assert.equal(names.slice(0, 9).filter(Boolean).length, 0, 'not before it recurs');
  assert.match(names[11] ?? '', /^w[\w-]{20}$/);
  assert.equal(new Set(names.slice(9)).size, 1, 'one name per text');
  for (const text of [
    'select * from rec_contacts where id = $1',
    'insert into t (a) values ($1) returning *',
    'select id from rec_contacts where first_name ilike $1',
    'select id from rec_contacts where id > $1 order by id limit $2',
    'select id from rec_contacts where first_name ~ $1',
    'begin',
    'savepoint trigger_conditions',
  ]) {
    const seen = Array.from({ length: 12 }, () => statementName(text));
    assert.deepEqual(seen.filter(Boolean), [], text);
  }
  assert.ok(statementName('select count(*) from users where id = $1 -- count') === undefined);
});

test('a recurring statement is prepared on its connection, parsed once', async () => {
  const one = createDb(url, 1);
  try {
    for (let i = 0; i < 12; i++) {
      await one.selectFrom('users').select('username').where('username', '=', `nobody-${i}`).execute();
    }
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
      one,
    );
    assert.ok(
      rows.some((row) => row.statement.includes('from "users" where "username" = $1')),
      JSON.stringify(rows),
    );
  } finally {
    await one.destroy();
  }
});

test('the record writes stay prepared and right when a field is added and removed meanwhile', async () => {
  const create = (i: number) =>
    admin.request('POST', '/api/records/contacts', { firstName: `Prep${i}`, lastName: 'Test' });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const created = await create(i);
    assert.equal(created.statusCode, 201, created.body);
    ids.push(created.json().id);
  }
  const added = await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'prepSize',
    label: 'Prep size',
    type: 'number',
  });
  assert.equal(added.statusCode, 201, added.body);
  const after = await admin.request('POST', '/api/records/contacts', {
    firstName: 'After',
    lastName: 'Field',
    prepSize: 42,
  });
  assert.equal(after.statusCode, 201, after.body);
  assert.equal(after.json().prepSize, 42);
  // Updates through the one-statement path, before and after the field goes.
  for (const id of ids) {
    const updated = await admin.request('PATCH', `/api/records/contacts/${id}`, { leadStatus: 'Assigned' });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().prepSize ?? null, null);
  }
  const removed = await admin.request('DELETE', '/api/modules/contacts/fields/prepSize?confirm=true');
  assert.ok(removed.statusCode < 300, removed.body);
  for (const id of ids) {
    const updated = await admin.request('PATCH', `/api/records/contacts/${id}`, { lastName: 'Changed' });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal('prepSize' in updated.json(), false);
  }
  const again = await create(99);
  assert.equal(again.statusCode, 201, again.body);
});

test('a field removed and added again with another type: the statements prepared before are not used again', async () => {
  const field = (type: string) =>
    admin.request('POST', '/api/modules/contacts/fields', { name: 'prepTwice', label: 'Prep twice', type });
  assert.equal((await field('text')).statusCode, 201);
  const created = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Twice',
    lastName: 'Typed',
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id;
  // Often enough for the read and the update to be prepared on the pool's connections.
  for (let i = 0; i < 24; i++) {
    const updated = await admin.request('PATCH', `/api/records/contacts/${id}`, { prepTwice: `v${i}` });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal((await admin.request('GET', `/api/records/contacts/${id}`)).statusCode, 200);
  }
  const removed = await admin.request('DELETE', '/api/modules/contacts/fields/prepTwice?confirm=true');
  assert.ok(removed.statusCode < 300, removed.body);
  assert.equal((await field('number')).statusCode, 201);
  // The same texts now return a number where a text was: PostgreSQL would refuse the old
  // prepared statements ("cached plan must not change result type").
  for (let i = 0; i < 24; i++) {
    const updated = await admin.request('PATCH', `/api/records/contacts/${id}`, { prepTwice: i });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().prepTwice, i);
    const read = await admin.request('GET', `/api/records/contacts/${id}`);
    assert.equal(read.statusCode, 200, read.body);
  }
});
