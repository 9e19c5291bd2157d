import { type Kysely, sql } from 'kysely';

/**
 * Every statement that writes events wakes the dispatchers (channel `weft_events`, see
 * platform/events.ts): a trigger rather than a `pg_notify` after each insert, so no
 * writer can forget it and none pays a round trip for it. PostgreSQL delivers it on
 * commit only and folds a transaction's identical notifications into one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create function weft_events_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('weft_events', '');
      return null;
    end $$`.execute(db);
  await sql`create trigger events_notify after insert on events
    for each statement execute function weft_events_notify()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger events_notify on events`.execute(db);
  await sql`drop function weft_events_notify()`.execute(db);
}
