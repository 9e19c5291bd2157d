import { type Kysely, sql } from 'kysely';

/**
 * Field permissions change the schema token too (migration 0014), so what is derived from
 * them (which fields some role hides: records/hidden-values.ts) is kept per process under
 * the token like the module definitions, instead of read for every flow-written post.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create trigger role_field_permissions_schema_token
    after insert or update or delete or truncate on role_field_permissions
    for each statement execute function weft_schema_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger role_field_permissions_schema_token on role_field_permissions`.execute(db);
}
