import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Principal, scopeFor } from '../platform/authz.ts';
import { liveChannel } from '../platform/credentials-ended.ts';

export { liveChannel };

/**
 * Live push, writer side. A service that changes something calls `publish` inside the
 * writing transaction: PostgreSQL delivers a NOTIFY only when its transaction commits, so
 * a rolled-back write pushes nothing, and every HTTP process LISTENing on the channel
 * (plugins/websocket.ts) receives it, whichever process — HTTP or worker — wrote.
 */

export type LiveMessageType =
  | 'notification.created'
  | 'notification.read'
  | 'notification.cleared'
  | 'feed.post.created'
  | 'process.progress'
  | 'feed.comment.created'
  | 'import.progress'
  | 'run.updated'
  /** Sent by the database (migration 0027's trigger on events): `{ module, ids, created, deleted }`. */
  | 'record.changed';

/** Whose a record is, as far as who may view it goes. */
export interface RecordFacts {
  assignedTo: string | null;
  private: boolean;
}

/** Who may receive a message. A socket is reached when any given rule matches it. */
export interface Audience {
  users?: string[];
  admins?: boolean;
  everyone?: boolean;
  /** When the message concerns a record: only users who may view it (administrators always). */
  module?: string;
  /** null when the record does not exist (any more). */
  record?: RecordFacts | null;
}

/** What travels through NOTIFY; sockets receive `{ type, data }`. */
export interface LiveEnvelope {
  type: LiveMessageType;
  data: Record<string, unknown>;
  to: Audience;
}

// NOTIFY refuses payloads of 8000 bytes or more; leave room for the envelope.
const maxPayloadBytes = 7_500;

/**
 * Sends a message to the sockets of `to`. A row too large for NOTIFY travels as `large`
 * instead: `{ id, fetch }` (and whatever ids place it), `fetch` being the URL to read it from.
 */
export async function publish(
  db: Db,
  envelope: LiveEnvelope,
  large?: { id: string; fetch: string } & Record<string, string>,
) {
  let payload = JSON.stringify(envelope);
  if (Buffer.byteLength(payload) > maxPayloadBytes) {
    if (!large) throw new Error(`live message ${envelope.type} is too large for NOTIFY`);
    payload = JSON.stringify({ ...envelope, data: large });
  }
  const held = deferred.get(db);
  if (held) held.push(payload);
  else await sql`select pg_notify(${liveChannel}, ${payload})`.execute(db);
}

/** Transactions whose live messages wait for their commit (`deferLive`). */
const deferred = new WeakMap<Db, string[]>();

/**
 * From now on, `publish` in this transaction holds its messages instead of a NOTIFY each;
 * whoever commits the transaction sends them (`takeDeferred`, then a live batch), and a
 * rolled-back transaction's are never taken. The engine's steps do this: a step that
 * posts to the feed costs no extra statement, and its commit takes no NOTIFY lock.
 */
export function deferLive(trx: Db): void {
  if (!deferred.has(trx)) deferred.set(trx, []);
}

/** The messages a committed transaction held back (see `deferLive`). */
export function takeDeferred(trx: Db): string[] {
  const held = deferred.get(trx) ?? [];
  deferred.delete(trx);
  return held;
}

/**
 * Messages that may travel a moment after the change they describe (run progress, which
 * changes many times a second under load): gathered for `delayMs` and sent together, one
 * statement and one commit for the lot rather than a NOTIFY in every writing transaction.
 * Send them only once their change has committed.
 */
export function createLiveBatch(db: Db, onError: (error: unknown) => void, delayMs = 20) {
  let queued: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const payloads = queued;
    queued = [];
    if (payloads.length > 0) {
      // A transaction of its own that changes no data: it commits without waiting for the WAL
      // flush (synchronous_commit off for it alone), because a notifying commit holds
      // PostgreSQL's NOTIFY lock until it returns, and every other notifying commit (each
      // record write's, for its event) would wait behind this one's fsync (issue 19).
      sending = sending
        .then(() =>
          sql`select pg_notify(${liveChannel}, payload)
            from (select set_config('synchronous_commit', 'off', true)) as async_commit,
              unnest(${payloads}::text[]) as payload`.execute(db),
        )
        .then(() => undefined, onError);
    }
    return sending;
  };
  /** A message already serialised (and within NOTIFY's size), as `publish` makes them. */
  const sendPayload = (payload: string): void => {
    queued.push(payload);
    timer ??= setTimeout(flush, delayMs);
  };
  return {
    send(envelope: LiveEnvelope): void {
      const payload = JSON.stringify(envelope);
      if (Buffer.byteLength(payload) > maxPayloadBytes) {
        onError(new Error(`live message ${envelope.type} is too large for NOTIFY`));
        return;
      }
      sendPayload(payload);
    },
    sendPayload,
    /** Sends what is gathered now (shutdown). */
    flush,
  };
}

export function reaches(audience: Audience, principal: Principal): boolean {
  if (
    audience.module &&
    !principal.isAdmin &&
    !reachesRecord(audience.module, audience.record ?? null, principal)
  ) {
    return false;
  }
  return (
    audience.everyone === true ||
    (audience.admins === true && principal.isAdmin) ||
    (audience.users?.includes(principal.id) ?? false)
  );
}

/**
 * record-access.ts's rule, in memory. For the `groups` scope a record assigned to another
 * member of one's groups is not known here and is not pushed; the feed list shows it.
 */
function reachesRecord(module: string, record: RecordFacts | null, principal: Principal): boolean {
  const scope = scopeFor(principal, module, 'view');
  if (scope === 'none' || !record) return false;
  const { assignedTo } = record;
  const mine =
    assignedTo !== null && (assignedTo === principal.id || principal.groupIds.includes(assignedTo));
  if (record.private && !mine) return false;
  if (scope === 'all') return true;
  if (scope === 'own') return assignedTo === principal.id;
  return mine;
}
