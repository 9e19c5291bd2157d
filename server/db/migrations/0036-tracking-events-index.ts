import { type Kysely, sql } from 'kysely';

/**
 * `marketing_events` by mail: a click batch asks, per link clicked, whether that mail's link
 * was clicked before (the first click triggers flows), and deleting a campaign cascades
 * from its mails to their events. Without an index each of these read the whole table,
 * which grows by a row per open and per click.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index marketing_events_message_idx on marketing_events (message_id, kind)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index marketing_events_message_idx`.execute(db);
}
