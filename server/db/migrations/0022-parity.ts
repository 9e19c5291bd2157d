import { type Kysely, sql } from 'kysely';
import { installModule } from '../../studio/modules.ts';
import { standardModules } from '../../studio/standard-modules.ts';
import type { Db } from '../index.ts';

/**
 * X2CRM parity for admins: what an imported flow still lacks before it may be published (a
 * flow with no steps, or waiting for an X2CRM trigger Weft never fires), kept until fixed;
 * field-level permissions per role.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('flow_import_problems')
    .addColumn('flow_id', 'uuid', (c) => c.primaryKey().references('flows.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('steps', 'trigger')`))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Field-level permissions: per role, module and field, hidden or read-only (no row: editable).
  await db.schema
    .createTable('role_field_permissions')
    .addColumn('role_id', 'uuid', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull().check(sql`access in ('hidden', 'readOnly')`))
    .addPrimaryKeyConstraint('role_field_permissions_pkey', ['role_id', 'module', 'field'])
    .execute();

  // Merges of duplicate records, with what is needed to revert one: the merged records' rows,
  // the survivor's values before, and every item moved to the survivor.
  await db.schema
    .createTable('merge_log')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('survivor_id', 'uuid', (c) => c.notNull())
    .addColumn('merged_ids', sql`uuid[]`, (c) => c.notNull())
    .addColumn('merged_rows', 'jsonb', (c) => c.notNull())
    .addColumn('survivor_before', 'jsonb', (c) => c.notNull())
    .addColumn('moved', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('reverted_at', 'timestamptz')
    .execute();

  // The uploaded logo (one row): shown on the sign-in page, in the header and in emails.
  await db.schema
    .createTable('branding_logo')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // The standard "bug reports" module of the X2CRM guide.
  const bugs = standardModules.find((module) => module.name === 'bugreports');
  if (!bugs) throw new Error('no standard module bugreports');
  const { fields, ...spec } = bugs;
  await installModule(db as unknown as Db, { ...spec, custom: false }, fields);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists rec_bugreports cascade`.execute(db);
  await sql`delete from modules where name = 'bugreports'`.execute(db);
  await db.schema.dropTable('branding_logo').execute();
  await db.schema.dropTable('merge_log').execute();
  await db.schema.dropTable('role_field_permissions').execute();
  await db.schema.dropTable('flow_import_problems').execute();
}
