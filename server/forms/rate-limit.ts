import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { WeftError } from '../platform/errors.ts';

export interface Limit {
  key: string;
  /** Hits allowed per window. */
  max: number;
}

const windowSeconds = 60;

/**
 * Fixed one-minute windows counted in PostgreSQL, so a limit holds across every process
 * serving the public endpoints. All the limits of a request are counted in one statement;
 * the first one over its maximum answers 429 with Retry-After (the rest of the window).
 */
export async function hitLimits(db: Db, limits: Limit[], nowMs = Date.now()): Promise<void> {
  if (limits.length === 0) return;
  const start = new Date(Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds * 1000);
  // Sorted: concurrent requests lock their rows in one order, so they never deadlock.
  const keys = limits.map((limit) => limit.key).sort();
  const { rows } = await sql<{ key: string; hits: number }>`
    insert into rate_limits (key, window_start, hits)
    select k, ${start}, 1 from unnest(${keys}::text[]) as k
    on conflict (key, window_start) do update set hits = rate_limits.hits + 1
    returning key, hits
  `.execute(db);
  const retryAfter = String(Math.max(1, Math.ceil((start.getTime() + windowSeconds * 1000 - nowMs) / 1000)));
  for (const limit of limits) {
    const hits = rows.find((row) => row.key === limit.key)?.hits ?? 0;
    if (hits > limit.max)
      throw new WeftError(
        'RATE_LIMITED',
        `Too many submissions: at most ${limit.max} a minute. Try again in ${retryAfter} s.`,
        undefined,
        { 'retry-after': retryAfter },
      );
  }
  // Old windows are swept now and then by whoever is counting.
  if (Math.random() < 0.01)
    await db
      .deleteFrom('rateLimits')
      .where('windowStart', '<', new Date(nowMs - 3600_000))
      .execute();
}
