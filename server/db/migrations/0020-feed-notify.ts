import { type Kysely, sql } from 'kysely';

/**
 * Issue 20 (feed and notifications):
 * - `settings_token`: one row that every statement writing `settings` gives a new random
 *   token (as `schema_token` does for module definitions), so that a process keeps the
 *   settings it read until the token changes, and a change made by any process applies to
 *   the next event rather than after a cache of several seconds (platform/settings.ts).
 * - `notification_preferences`: per user, whether their notifications are also posted to
 *   their activity feed, and whether they are notified when a record is assigned to them.
 *   No row means the defaults (both on).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table settings_token (
    only_row boolean primary key default true check (only_row),
    token uuid not null default gen_random_uuid()
  )`.execute(db);
  await sql`insert into settings_token default values`.execute(db);
  await sql`create function weft_settings_changed() returns trigger language plpgsql as $$
    begin
      update settings_token set token = gen_random_uuid();
      return null;
    end $$`.execute(db);
  await sql`create trigger settings_token_bump
    after insert or update or delete or truncate on settings
    for each statement execute function weft_settings_changed()`.execute(db);

  await sql`create table notification_preferences (
    user_id uuid primary key references users (id) on delete cascade,
    post_to_feed boolean not null default true,
    assignments boolean not null default true,
    updated_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table notification_preferences`.execute(db);
  await sql`drop trigger settings_token_bump on settings`.execute(db);
  await sql`drop function weft_settings_changed()`.execute(db);
  await sql`drop table settings_token`.execute(db);
}
