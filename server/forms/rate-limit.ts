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
 * Fixed one-minute windows counted in PostgreSQL (table `rate_limits`, unlogged: counters need
 * no crash safety), so a limit holds across every process serving the public endpoints. The
 * limits of many requests are counted in one statement (`countLimits`: a batch of accepts);
 * each request then learns its own place in the window, and the first limit it is over
 * answers 429 with Retry-After (the rest of the window).
 */
export async function countLimits(
  db: Db,
  requests: Limit[][],
  nowMs = Date.now(),
): Promise<(WeftError | null)[]> {
  const counts = new Map<string, number>();
  for (const limits of requests) for (const { key } of limits) counts.set(key, (counts.get(key) ?? 0) + 1);
  if (counts.size === 0) return requests.map(() => null);
  const start = new Date(Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds * 1000);
  // Sorted: concurrent statements lock their rows in one order, so they never deadlock.
  const keys = [...counts.keys()].sort();
  const { rows } = await sql<{ key: string; hits: number }>`
    insert into rate_limits (key, window_start, hits)
    select k, ${start}, n from unnest(${keys}::text[], ${keys.map((key) => counts.get(key))}::int[]) as t(k, n)
    on conflict (key, window_start) do update set hits = rate_limits.hits + excluded.hits
    returning key, hits
  `.execute(db);
  // Each request's hit number: the window's count before this statement, plus its place in the batch.
  const next = new Map(rows.map((row) => [row.key, row.hits - (counts.get(row.key) ?? 0)]));
  const retryAfter = String(Math.max(1, Math.ceil((start.getTime() + windowSeconds * 1000 - nowMs) / 1000)));
  const answers = requests.map((limits) => {
    let over: WeftError | null = null;
    for (const limit of limits) {
      const hit = (next.get(limit.key) ?? 0) + 1;
      next.set(limit.key, hit);
      if (hit > limit.max && !over)
        over = new WeftError(
          'RATE_LIMITED',
          `Too many submissions: at most ${limit.max} a minute. Try again in ${retryAfter} s.`,
          undefined,
          { 'retry-after': retryAfter },
        );
    }
    return over;
  });
  // Old windows are swept now and then by whoever is counting.
  if (Math.random() < 0.01)
    await db
      .deleteFrom('rateLimits')
      .where('windowStart', '<', new Date(nowMs - 3600_000))
      .execute();
  return answers;
}

/** One request's limits: throws the 429 when it is over one. */
export async function hitLimits(db: Db, limits: Limit[], nowMs = Date.now()): Promise<void> {
  const [over] = await countLimits(db, [limits], nowMs);
  if (over) throw over;
}
