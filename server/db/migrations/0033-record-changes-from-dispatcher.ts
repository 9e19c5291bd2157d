import { type Kysely, sql } from 'kysely';
import { createRecordsChangedTrigger } from './0027-designer.ts';

/**
 * `record.changed` live pushes are sent by the dispatcher, once per batch of events
 * (collaboration/record-changes.ts), instead of by migration 0027's statement trigger on
 * `events`: the trigger gathered every inserted event into a transition table and sent a
 * NOTIFY from each writer's transaction, which then took PostgreSQL's NOTIFY lock at commit
 * (the engine's steps defer their live messages to avoid exactly that; measured on the
 * benches, removing it changed neither latency nor the import's PostgreSQL time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger events_records_changed on events`.execute(db);
  await sql`drop function weft_records_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await createRecordsChangedTrigger(db);
}
