import { type Kysely, sql } from 'kysely';

/**
 * The queued runs of a flow, oldest first. A run that ends asks whether runs of its flow
 * wait their turn, and the answer must not cost a walk over every active run of the flow
 * (`flow_runs_active_idx` holds thousands of them under load, and queued ones are rare).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index flow_runs_queued_idx on flow_runs (flow_id, started_at) where status = 'queued'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index flow_runs_queued_idx`.execute(db);
}
