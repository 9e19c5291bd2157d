/**
 * Every link column has an index: deleting a record sets the links to it to null through
 * the foreign key, which without one scans every linking table per deleted record (bulk
 * deletes, an import's rollback, merges). Standard modules, link fields added in Studio, and
 * existing columns (migration 0042) alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { up } from '../server/db/migrations/0042-link-indexes.ts';
import { createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const raw = db.withoutPlugins();

/** The records tables' single-column foreign keys, and whether an index leads with the column. */
async function linkColumns() {
  const { rows } = await sql<{ link: string; indexed: boolean }>`
    select cls.relname || '.' || att.attname as link,
      exists (select 1 from pg_index idx where idx.indrelid = con.conrelid and idx.indkey[0] = con.conkey[1]) as indexed
    from pg_constraint con
    join pg_class cls on cls.oid = con.conrelid
    join pg_attribute att on att.attrelid = con.conrelid and att.attnum = con.conkey[1]
    where con.contype = 'f' and cardinality(con.conkey) = 1 and cls.relname like 'rec\\_%'
    order by 1`.execute(raw);
  return rows;
}

test('the standard modules’ link columns are indexed', async () => {
  const links = await linkColumns();
  assert.ok(
    links.some((link) => link.link === 'rec_contacts.company'),
    JSON.stringify(links),
  );
  assert.deepEqual(
    links.filter((link) => !link.indexed),
    [],
  );
});

test('the foreign key’s look-up (links to a deleted record set to null) can use the partial index', async () => {
  await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      explain update rec_contacts set company = null
      where company = '00000000-0000-0000-0000-000000000001'::uuid`.execute(trx.withoutPlugins());
    assert.match(rows.map((row) => row['QUERY PLAN']).join('\n'), /rec_contacts_company_link/);
  });
});

test('a link field added in Studio gets its index; the migration indexes a column that has none', async () => {
  const added = await admin.request('POST', '/api/modules/opportunities/fields', {
    name: 'referrer',
    label: 'Referred by',
    type: 'link',
    options: { module: 'contacts' },
  });
  assert.equal(added.statusCode, 201, added.body);
  assert.ok((await linkColumns()).some((link) => link.link === 'rec_opportunities.referrer' && link.indexed));

  await sql`drop index rec_opportunities_referrer_link`.execute(raw);
  assert.ok(
    (await linkColumns()).some((link) => link.link === 'rec_opportunities.referrer' && !link.indexed),
  );
  await up(raw as unknown as Parameters<typeof up>[0]);
  assert.deepEqual(
    (await linkColumns()).filter((link) => !link.indexed),
    [],
  );
});
