import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { ChangelogAction } from '../db/types.ts';
import type { Actor } from '../platform/audit.ts';
import { eventRow, type NewEvent } from '../platform/events.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import type { RecordPost } from './record-posts.ts';

/** Field-level history of every record write, written in the write's transaction. */

export type Changes = Record<string, { before: unknown; after: unknown }>;
type Values = Record<string, unknown>;

/** Equal as JSON has them; two strings (most fields) compare without being serialised. */
const same = (a: unknown, b: unknown) =>
  a === b ||
  (typeof a === 'string' && typeof b === 'string'
    ? false
    : JSON.stringify(a ?? null) === JSON.stringify(b ?? null));

/** The fields whose value differs between two versions of a record (updatedAt moves with every write). */
export function diff(before: Values, after: Values): Changes {
  const changes: Changes = {};
  const compare = (name: string) => {
    if (name === 'updatedAt' || name === 'id') return;
    if (!same(before[name], after[name]))
      changes[name] = { before: before[name] ?? null, after: after[name] ?? null };
  };
  // before's names, then after's others: no array or set built per record (bulk writes diff thousands).
  for (const name of Object.keys(before)) compare(name);
  for (const name of Object.keys(after)) if (!Object.hasOwn(before, name)) compare(name);
  return changes;
}

export interface ChangelogEntry {
  module: string;
  recordId: string;
  action: ChangelogAction;
  changes: Changes;
  actor: Actor;
}

const changelogRow = (entry: ChangelogEntry) => ({
  module: entry.module,
  recordId: entry.recordId,
  action: entry.action,
  changes: JSON.stringify(entry.changes),
  actorId: entry.actor.id,
  actorName: entry.actor.username,
});

/**
 * A record write's changelog row, its outbox event and its activity-feed post (when the
 * write has one and the `feedSystemPosts` setting does not switch its type off), in one
 * statement: every record write makes them, so it is plain SQL rather than built anew each time.
 * The post is written without a live push (a records write does not know the feed's
 * audiences); the dispatcher announces a batch's posts to open feeds (collaboration/system-posts.ts).
 */
export async function writeChangeAndEvent(
  trx: Db,
  entry: ChangelogEntry,
  event: NewEvent,
  post?: RecordPost | null,
): Promise<void> {
  const log = changelogRow(entry);
  const row = eventRow(event);
  // The setting's default (every type on) is the coalesce: no row, or no key, means on.
  const posted = post
    ? sql`, posted as (
      insert into feed_posts (type, text, author_id, module, record_id, target_user_id, visibility)
      select ${post.type}, ${post.text}, ${log.actorId},
        ${post.aboutRecord ? log.module : null}, ${post.aboutRecord ? log.recordId : null},
        ${post.targetUserId ? sql`(select id from users where id = ${post.targetUserId}::uuid)` : null},
        ${post.visibility}
      where coalesce((select (value ->> ${post.type})::boolean from settings where key = 'feedSystemPosts'), true))`
    : sql``;
  await sql`
    with logged as (
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      values (${log.module}, ${log.recordId}, ${log.action}, ${log.changes}, ${log.actorId}, ${log.actorName}))${posted}
    insert into events (type, module, record_id, payload, actor_id, causation_id, depth)
    values (${row.type}, ${row.module}, ${row.recordId}, ${row.payload}, ${row.actorId}, ${row.causationId}, ${row.depth})`.execute(
    trx,
  );
}

export interface ChangelogQuery {
  limit: number;
  cursor?: string | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  userId?: string | undefined;
  /** Only entries made by these users (the action-history privacy setting); absent: everyone's. */
  actorIds?: string[] | null | undefined;
}

/** Newest first; filters by module, record and the user who made the change. */
export async function listChangelog(db: Db, query: ChangelogQuery) {
  const after = decodeCursor(query.cursor, ['integer']);
  let select = db
    .selectFrom('changelog')
    .select(['id', 'module', 'recordId', 'action', 'changes', 'actorId', 'actorName', 'at']);
  if (query.module) select = select.where('module', '=', query.module);
  if (query.recordId) select = select.where('recordId', '=', query.recordId);
  if (query.userId) select = select.where('actorId', '=', query.userId);
  if (query.actorIds) select = select.where('actorId', 'in', query.actorIds);
  if (after) select = select.where('id', '<', Number(after[0]));
  const rows = await select
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (row) => [row.id]);
}
