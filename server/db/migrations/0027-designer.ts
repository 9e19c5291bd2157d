import { type Kysely, sql } from 'kysely';

/**
 * The designer and newcomer pass (issue 16): each user's display preferences (time zone,
 * locale, date style, clock), read by every screen that shows a date. Empty means "the
 * workspace's".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users add column display_prefs jsonb not null default '{}'::jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop column display_prefs`.execute(db);
}
