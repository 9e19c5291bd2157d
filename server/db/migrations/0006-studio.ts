import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dropdowns')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    // An ordered array of {value, label}: the order is the array's, so a reorder is one write.
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('multi', 'boolean', (c) => c.notNull().defaultTo(false))
    // A dependent dropdown: which of its values each value of the parent allows.
    .addColumn('parent_id', 'uuid', (c) => c.references('dropdowns.id').onDelete('restrict'))
    .addColumn('dependencies', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index dropdowns_name_key on dropdowns (lower(name))`.execute(db);
  await db.schema.createIndex('dropdowns_parent_idx').on('dropdowns').column('parent_id').execute();

  await db.schema
    .createTable('layouts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module', 'text', (c) => c.notNull().references('modules.name').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('default_view', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('default_form', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index layouts_module_name_key on layouts (module, lower(name))`.execute(db);
  // At most one default of each kind per module, whatever code path writes the flags.
  await sql`create unique index layouts_default_view_key on layouts (module) where default_view`.execute(db);
  await sql`create unique index layouts_default_form_key on layouts (module) where default_form`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('layouts').execute();
  await db.schema.dropTable('dropdowns').execute();
}
