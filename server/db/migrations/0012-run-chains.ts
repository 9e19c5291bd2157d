import { type Kysely, sql } from 'kysely';

/**
 * A run carries the first event of its chain of causes (read by every step that writes,
 * which used to look it up each time), and a run that finished well is `succeeded`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('flow_runs').addColumn('causation_root', 'bigint').execute();
  await sql`update flow_runs set causation_root = coalesce(events.causation_id, events.id)
    from events where events.id = flow_runs.event_id`.execute(db);
  await sql`update flow_runs set status = 'succeeded' where status = 'done'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update flow_runs set status = 'done' where status = 'succeeded'`.execute(db);
  await db.schema.alterTable('flow_runs').dropColumn('causation_root').execute();
}
