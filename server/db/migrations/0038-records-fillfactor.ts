import { type Kysely, sql } from 'kysely';

/**
 * Records tables keep a tenth of each page free (fillfactor 90), as `createRecordsTable`
 * now makes new ones: an update that changes no indexed column (most field edits: a flow's
 * "update record", a bulk update of a status or a city) then writes its new row version on
 * the same page as a HOT update, and none of the table's indexes — ten on contacts, four of
 * them trigram GIN — gets a new entry. Measured (issue 19, 1,000-row chunks of a bulk update
 * of two unindexed fields on 100,000 contacts): 42–46 ms of PostgreSQL CPU per 1,000 records
 * at fillfactor 100 (no HOT update: full pages), 16–18 ms at 90. Pages already written keep
 * their fill until rewritten; new rows go to pages that keep the room.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string }>`select name from modules`.execute(db);
  for (const { name } of rows)
    await sql`alter table if exists ${sql.id(`rec_${name}`)} set (fillfactor = 90)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string }>`select name from modules`.execute(db);
  for (const { name } of rows)
    await sql`alter table if exists ${sql.id(`rec_${name}`)} reset (fillfactor)`.execute(db);
}
