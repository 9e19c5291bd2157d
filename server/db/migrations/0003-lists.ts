import { type Kysely, sql } from 'kysely';

/** Lists of records: static (members chosen one by one) or dynamic (a saved json-logic filter). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lists')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module', 'text', (c) => c.notNull().references('modules.name').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('static', 'dynamic')`))
    // The dynamic list's filter: the same json-logic as `where` on record lists.
    .addColumn('criteria', 'jsonb')
    .addColumn('owner_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('visibility', 'text', (c) =>
      c.notNull().defaultTo('public').check(sql`visibility in ('public', 'private')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index lists_module_idx on lists (module, name, id)`.execute(db);

  await db.schema
    .createTable('list_members')
    .addColumn('list_id', 'uuid', (c) => c.notNull().references('lists.id').onDelete('cascade'))
    // A record of the list's module; records ids are uuids, unique across modules.
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('list_members_pkey', ['list_id', 'record_id'])
    .execute();
  await sql`create index list_members_record_idx on list_members (record_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('list_members').ifExists().execute();
  await db.schema.dropTable('lists').ifExists().execute();
}
