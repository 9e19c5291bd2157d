import { type Kysely, sql } from 'kysely';

/**
 * The public endpoints' rate-limit counters (server/forms/rate-limit.ts) need no crash
 * safety: unlogged, a counter write is not in the WAL and its commit does not wait for a
 * flush, so the per-form row every submission updates is held for the statement alone, not
 * for a disk sync. After a crash the counters start from zero (they are one-minute windows).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table rate_limits set unlogged`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table rate_limits set logged`.execute(db);
}
