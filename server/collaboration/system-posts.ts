import { sql } from 'kysely';
import type { FeedPostView, SystemPostType } from '../../schemas/feed.ts';
import type { Db } from '../db/index.ts';
import { insertSystemPost } from './feed-posts.ts';
import { publish } from './live.ts';

/**
 * Posts Weft writes to the activity feed by itself. Other features call `postSystemEvent`
 * inside the transaction of what it reports (a web form's new lead, a process stage
 * completed): the post commits with the change, or not at all, and is pushed live on commit.
 * Record writes make theirs in their own statement (records/record-posts.ts).
 */

export interface SystemPostInput {
  type: SystemPostType;
  text: string;
  /** Who did it, when a person (or a flow's owner) did; null: Weft itself. */
  actorId?: string | null;
  /** With recordId: the record it is about (only those who may view the record see the post). */
  module?: string | null;
  recordId?: string | null;
  /** Whose feed it is on (a user's profile). */
  targetUserId?: string | null;
  visibility?: 'public' | 'private';
}

/**
 * Whether administrators leave this type on (`feedSystemPosts`; a type left out is on).
 * Read from the table in the caller's transaction: a change applies to the next event.
 */
export async function systemPostEnabled(db: Db, type: SystemPostType): Promise<boolean> {
  const { rows } = await sql<{ enabled: boolean }>`
    select coalesce((select (value ->> ${type})::boolean from settings where key = 'feedSystemPosts'), true) as enabled`.execute(
    db,
  );
  return rows[0]?.enabled !== false;
}

/** Writes a system post of `type` unless that type is switched off (then answers null). */
export async function postSystemEvent(db: Db, input: SystemPostInput): Promise<FeedPostView | null> {
  // The admins' switch is read by the insert itself (one statement): no row when it is off.
  return insertSystemPost(db, {
    type: input.type,
    text: input.text,
    authorId: input.actorId ?? null,
    module: input.module ?? null,
    recordId: input.recordId ?? null,
    targetUserId: input.targetUserId ?? null,
    visibility: input.visibility ?? 'public',
  });
}

const recordEvents = new Set(['record.created', 'record.updated', 'record.deleted']);

/**
 * Record writes post without a live push (their statement does not know the feed's
 * audiences): the dispatcher, which reads their events in batches, calls this once per batch
 * so that open feeds read again. One message per batch, naming only the modules concerned
 * (no record, no text: those are read through the feed's own visibility rules).
 */
export async function announceRecordPosts(
  trx: Db,
  events: readonly { type: string; module: string | null }[],
): Promise<void> {
  const modules = [
    ...new Set(events.filter((event) => recordEvents.has(event.type)).map((event) => event.module)),
  ].filter((module): module is string => module !== null);
  if (modules.length === 0) return;
  await publish(trx, {
    type: 'feed.post.created',
    data: { system: true, modules: modules.slice(0, 50) },
    to: { everyone: true },
  });
}
