import { type Kysely, sql } from 'kysely';
import { installModule } from '../../studio/modules.ts';
import { standardModules } from '../../studio/standard-modules.ts';
import type { Db } from '../index.ts';

/**
 * Studio metadata (modules, fields), the standard modules with their records tables,
 * the changelog and the events outbox. Records tables are `rec_<module>`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Contains-search (q) on searchable text fields is served by trigram indexes.
  await sql`create extension if not exists pg_trgm`.execute(db);

  // Module versions come from one sequence, so that a module deleted and created again
  // under the same name never repeats a version (caches key on name and version).
  await sql`create sequence module_versions`.execute(db);
  await db.schema
    .createTable('modules')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('item_name', 'text', (c) => c.notNull())
    .addColumn('custom', 'boolean', (c) => c.notNull())
    .addColumn('searchable', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('editable', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('visible', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('display_fields', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(sql`nextval('module_versions')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('module_fields')
    .addColumn('module', 'text', (c) => c.notNull().references('modules.name').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('unique', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('searchable', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('read_only', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('default_value', 'jsonb')
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('system', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('module_fields_pkey', ['module', 'name'])
    .execute();

  await db.schema
    .createTable('changelog')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('create', 'update', 'delete')`))
    // { field: { before, after } } for every field the write changed.
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('actor_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor_name', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index changelog_record_idx on changelog (module, record_id, id)`.execute(db);
  await sql`create index changelog_actor_idx on changelog (actor_id, id)`.execute(db);

  // The transactional outbox: written in the transaction of the change it describes.
  await db.schema
    .createTable('events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('module', 'text')
    .addColumn('record_id', 'uuid')
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('actor_id', 'uuid')
    // The event that caused this one (a flow's write), and how deep that chain is.
    .addColumn('causation_id', 'bigint')
    .addColumn('depth', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index events_record_idx on events (module, record_id, id)`.execute(db);

  // Record view history (who viewed what), kept apart from the outbox so clearing it never touches events.
  await db.schema
    .createTable('record_views')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('viewed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index record_views_record_idx on record_views (module, record_id, id)`.execute(db);
  await sql`create index record_views_user_idx on record_views (user_id, id)`.execute(db);

  // Accounts first: contacts, opportunities and cases link to them.
  const order = ['accounts', 'contacts', 'opportunities', 'cases', 'tasks'];
  for (const name of order) {
    const module = standardModules.find((candidate) => candidate.name === name);
    if (!module) throw new Error(`no standard module ${name}`);
    const { fields, ...spec } = module;
    await installModule(db as unknown as Db, { ...spec, custom: false }, fields);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string }>`select name from modules`.execute(db);
  for (const { name } of rows) await sql`drop table if exists ${sql.id(`rec_${name}`)} cascade`.execute(db);
  for (const table of ['record_views', 'events', 'changelog', 'module_fields', 'modules']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop sequence if exists module_versions`.execute(db);
}
