import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createRecordsTable, dropRecordsTable } from '../server/studio/fields.ts';
import { createTestApp } from './helpers/app.ts';

// Records tables keep a tenth of each page free (migration 0038, `createRecordsTable`): an
// update that changes no indexed column stays on its page (a HOT update) and writes no entry
// into the table's indexes.
const { db } = await createTestApp();

const fillfactor = async (table: string) =>
  (
    await sql<{ options: string[] | null }>`
      select reloptions as options from pg_class where relname = ${table}`.execute(db)
  ).rows[0]?.options;

test('the standard modules and a new module keep room on each page', async () => {
  assert.deepEqual(await fillfactor('rec_contacts'), ['fillfactor=90']);
  await createRecordsTable(db, 'roomy');
  try {
    assert.deepEqual(await fillfactor('rec_roomy'), ['fillfactor=90']);
  } finally {
    await dropRecordsTable(db, 'roomy');
  }
});

test('an update of an unindexed field stays on its page', async () => {
  const admin = sql`(select id from users where username = 'admin')`;
  await sql`
    insert into rec_contacts (first_name, last_name, city, assigned_to, created_by)
    select 'F' || n, 'L' || n, 'Paris', ${admin}, ${admin} from generate_series(1, 400) as n`.execute(db);
  // A row on the first page, which the inserts filled as far as the table lets them.
  const block = (ctid: string) => ctid.slice(1).split(',')[0];
  const { rows } = await sql<{ id: string; ctid: string }>`
    select id, ctid::text from rec_contacts where ctid < '(1,0)'::tid order by ctid desc limit 1`.execute(db);
  const [row] = rows;
  assert.ok(row);
  await sql`update rec_contacts set city = 'Rome', updated_at = now() where id = ${row.id}`.execute(db);
  const after = await sql<{ ctid: string }>`select ctid::text from rec_contacts where id = ${row.id}`.execute(
    db,
  );
  assert.equal(block(after.rows[0]?.ctid ?? ''), block(row.ctid));
});
