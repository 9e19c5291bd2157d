import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

/**
 * The NOTIFY channel of live push. Declared here, below every feature, because identity
 * (which ends sessions and revokes tokens) must reach the sockets too; collaboration's
 * `live.ts` publishes on the same channel.
 */
export const liveChannel = 'weft_live';

/** The control message that closes sockets; never forwarded to a client. */
export const credentialsEndedType = 'credentials.ended';

/** What ended: sessions and tokens by id, or every credential of some users (but one session kept). */
export interface CredentialsEnded {
  sessions?: string[];
  tokens?: string[];
  users?: string[];
  /** With `users`: the session that stays (a user changing their own password keeps theirs). */
  keepSession?: string;
}

// NOTIFY refuses 8000 bytes; 60 ids of at most 64 characters stay well under it.
const idsPerMessage = 60;

/**
 * Tells every HTTP process that credentials ended, so it closes their WebSockets at once
 * (code 4401) instead of at its next heartbeat. Call it in the transaction that ends them:
 * PostgreSQL delivers the NOTIFY on commit only.
 */
export async function announceCredentialsEnded(db: Db, ended: CredentialsEnded): Promise<void> {
  const messages: CredentialsEnded[] = [];
  for (const key of ['sessions', 'tokens', 'users'] as const) {
    const ids = ended[key] ?? [];
    for (let start = 0; start < ids.length; start += idsPerMessage) {
      messages.push({
        [key]: ids.slice(start, start + idsPerMessage),
        ...(key === 'users' && ended.keepSession && { keepSession: ended.keepSession }),
      });
    }
  }
  if (messages.length === 0) return;
  const payloads = messages.map((data) => JSON.stringify({ type: credentialsEndedType, data, to: {} }));
  await sql`select pg_notify(${liveChannel}, payload) from unnest(${payloads}::text[]) as payload`.execute(
    db,
  );
}
