import { type Kysely, sql } from 'kysely';

/**
 * One row naming the current module definitions: every statement that writes `modules` or
 * `module_fields` gives it a new random token, in its own transaction. A process keeps the
 * definitions it read under their token (studio/modules.ts) and reads them again only
 * when the token it sees has changed; being random, a token means one set of definitions
 * in one database, so processes and databases never mistake each other's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table schema_token (
    only_row boolean primary key default true check (only_row),
    token uuid not null default gen_random_uuid()
  )`.execute(db);
  await sql`insert into schema_token default values`.execute(db);
  await sql`create function weft_schema_changed() returns trigger language plpgsql as $$
    begin
      update schema_token set token = gen_random_uuid();
      return null;
    end $$`.execute(db);
  for (const table of ['modules', 'module_fields']) {
    await sql`create trigger ${sql.raw(`${table}_schema_token`)}
      after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function weft_schema_changed()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['modules', 'module_fields']) {
    await sql`drop trigger ${sql.raw(`${table}_schema_token`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function weft_schema_changed()`.execute(db);
  await sql`drop table schema_token`.execute(db);
}
