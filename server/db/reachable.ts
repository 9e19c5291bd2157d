import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { isConnectionLoss } from '../../engine/runtime/errors.ts';
import type { Db } from './index.ts';

export { isConnectionLoss } from '../../engine/runtime/errors.ts';

/**
 * Whether an error at startup says the database cannot be reached for now (down, starting,
 * recovering after a crash), as opposed to a refusal that waiting will not change (a wrong
 * password, a missing database). Broader than `isConnectionLoss`: at startup nothing but the
 * database is being called, so a refused TCP connection is the database's too.
 */
export function isUnreachable(error: unknown): boolean {
  if (isConnectionLoss(error)) return true;
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  // A failure wrapped on the way (a migration that could not run) says it in its cause.
  if (cause !== undefined && cause !== error && isUnreachable(cause)) return true;
  return (
    typeof code === 'string' && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)
  );
}

/**
 * Waits for the database to answer, for Weft started while PostgreSQL is not up yet or is
 * restarting (a container started before the database, a worker restarted during a crash
 * recovery): tries again with a growing delay up to `timeoutMs` (WEFT_DB_WAIT_MS, 60 s by
 * default), saying once that it waits. Other refusals (a wrong password) fail at once.
 */
export async function waitForDatabase(
  db: Db,
  notice: (message: string) => void,
  timeoutMs = Number(process.env.WEFT_DB_WAIT_MS ?? 60_000),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pause = 100;
  for (let said = false; ; ) {
    try {
      await sql`select 1`.execute(db);
      return;
    } catch (error) {
      if (!isUnreachable(error) || Date.now() + pause > deadline) throw error;
      if (!said) notice(`PostgreSQL is not reachable yet (${(error as Error).message}); waiting for it`);
      said = true;
      await delay(pause);
      pause = Math.min(pause * 2, 2_000);
    }
  }
}
