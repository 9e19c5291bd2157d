import { type Kysely, sql } from 'kysely';

/**
 * X2CRM parity for admins: what an imported flow still lacks before it may be published (a
 * flow with no steps, or waiting for an X2CRM trigger Weft never fires), kept until fixed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('flow_import_problems')
    .addColumn('flow_id', 'uuid', (c) => c.primaryKey().references('flows.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('steps', 'trigger')`))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('flow_import_problems').execute();
}
