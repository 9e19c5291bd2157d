import { type Kysely, sql } from 'kysely';
import { createLinkIndex } from '../../studio/fields.ts';
import type { Db } from '../index.ts';

/**
 * Every link column gets an index (`createLinkIndex`, as new link fields now do): deleting a
 * record sets the links to it to null through the foreign key, which without an index scans
 * every linking table once per deleted record — bulk deletes, an import's rollback and merges
 * of records others link to (5,000 contacts with 20,000 cases: 12.3 s, 30 ms with the index).
 * The columns are found in the catalog: the records tables' single-column foreign keys that no
 * index leads with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ table: string; column: string }>`
    select cls.relname as table, att.attname as column
    from pg_constraint con
    join pg_class cls on cls.oid = con.conrelid
    join pg_namespace ns on ns.oid = cls.relnamespace and ns.nspname = current_schema()
    join pg_attribute att on att.attrelid = con.conrelid and att.attnum = con.conkey[1]
    where con.contype = 'f' and cardinality(con.conkey) = 1 and cls.relname like 'rec\\_%'
      and not exists (
        select 1 from pg_index idx where idx.indrelid = con.conrelid and idx.indkey[0] = con.conkey[1])
    order by 1, 2`.execute(db);
  for (const { table, column } of rows) await createLinkIndex(db as unknown as Db, table, column);
}

export async function down(): Promise<void> {
  // The indexes stay: they change no data, and a link field made later has one too.
}
