import { type Kysely, sql } from 'kysely';

/**
 * A run's row (its input, snapshot and output: JSON of a few kB, the record it acts on in each)
 * stays in its heap page uncompressed up to 8 kB (`toast_tuple_target`), instead of being
 * compressed with pglz (the embedded PostgreSQL has no lz4) whenever it passes 2 kB: each run
 * writes its row twice (started, settled) and a batch of steps reads it once, so every run paid
 * two compressions and a decompression (issue 19). Larger rows are still compressed and moved
 * out of line as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table flow_runs set (toast_tuple_target = 8160)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table flow_runs reset (toast_tuple_target)`.execute(db);
}
