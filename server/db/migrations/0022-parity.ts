import { type Kysely, sql } from 'kysely';

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
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('merge_log').execute();
  await db.schema.dropTable('role_field_permissions').execute();
  await db.schema.dropTable('flow_import_problems').execute();
}
