import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FeedPostType } from '../../schemas/feed.ts';
import type { Db } from '../db/index.ts';
import { eventRow, type NewEvent } from '../platform/events.ts';
import { tableOf } from '../studio/fields.ts';
import type { ChangelogEntry } from './changelog.ts';
import type { RecordPost } from './record-posts.ts';

/**
 * Rows a transaction holds back and writes in one statement at its end: the changelog rows,
 * outbox events and feed posts of many record writes. A batch of flow steps (up to 32 runs in
 * one transaction, engine/runtime/step-batch.ts) holds them, so that its record writes and
 * posts cost one statement for the batch instead of one or two each (issue 19); the batch
 * writes them before it settles its steps, in the same transaction, so they commit with the
 * steps or not at all. Nothing in such a transaction reads these tables before the end; the
 * engine's services write what they hold before any other service call (engine-services.ts),
 * so rows keep the order their writes had. Outside a holding transaction every write goes at
 * once, as before.
 */

interface HeldPost {
  /** The post's id, chosen here: a flow's post answers it before the row is written. */
  i: string;
  t: string;
  x: string;
  /** Author. */
  a: string | null;
  m: string | null;
  r: string | null;
  /** Whose feed: a record write's target is dropped when it names no user (a group). */
  u: string | null;
  v: 'public' | 'private';
  /** A system post: written only when the `feedSystemPosts` setting leaves its type on. */
  s: boolean;
}

interface Held {
  changelog: { m: string; r: string; a: string; c: unknown; ai: string | null; an: string | null }[];
  events: {
    t: string;
    m: string | null;
    r: string | null;
    p: unknown;
    ai: string | null;
    ci: number | null;
    d: number | null;
  }[];
  posts: HeldPost[];
  /** The posts to push to live feeds once written (a flow's posts; record writes' are announced by the dispatcher). */
  live: Set<string>;
}

const held = new WeakMap<Db, Held>();

/** From now on, record writes in this transaction hold their changelog rows, events and posts (see above). */
export function holdRecordWrites(trx: Db): void {
  if (!held.has(trx)) held.set(trx, { changelog: [], events: [], posts: [], live: new Set() });
}

export function holdsRecordWrites(trx: Db): boolean {
  return held.has(trx);
}

/** A record write's changelog row, event and post: held when the transaction holds them, else written now (`write`). */
export function holdChangeAndEvent(
  trx: Db,
  entry: ChangelogEntry,
  event: NewEvent,
  post: RecordPost | null | undefined,
): boolean {
  const rows = held.get(trx);
  if (!rows) return false;
  rows.changelog.push({
    m: entry.module,
    r: entry.recordId,
    a: entry.action,
    c: entry.changes,
    ai: entry.actor.id,
    an: entry.actor.username,
  });
  if (post) {
    rows.posts.push({
      i: randomUUID(),
      t: post.type,
      x: post.text,
      a: entry.actor.id,
      m: post.aboutRecord ? entry.module : null,
      r: post.aboutRecord ? entry.recordId : null,
      u: post.targetUserId,
      v: post.visibility,
      s: true,
    });
  }
  holdEventRow(rows, event);
  return true;
}

/** An outbox event, held when the transaction holds record writes; false when the caller must write it now. */
export function holdEvent(trx: Db, event: NewEvent): boolean {
  const rows = held.get(trx);
  if (!rows) return false;
  holdEventRow(rows, event);
  return true;
}

function holdEventRow(rows: Held, event: NewEvent): void {
  const row = eventRow(event);
  rows.events.push({
    t: row.type,
    m: row.module,
    r: row.recordId,
    p: event.payload,
    ai: row.actorId,
    ci: row.causationId,
    d: row.depth,
  });
}

export interface HeldPostInput {
  type: FeedPostType;
  text: string;
  authorId: string | null;
  module: string | null;
  recordId: string | null;
  /** Checked by the caller: names a user. */
  targetUserId: string | null;
  visibility: 'public' | 'private';
}

/** A post (not a system post) held in a holding transaction, pushed live once written; its id, or null when the transaction holds nothing. */
export function holdPost(trx: Db, input: HeldPostInput): string | null {
  const rows = held.get(trx);
  if (!rows) return null;
  const id = randomUUID();
  rows.posts.push({
    i: id,
    t: input.type,
    x: input.text,
    a: input.authorId,
    m: input.module,
    r: input.recordId,
    u: input.targetUserId,
    v: input.visibility,
    s: false,
  });
  rows.live.add(id);
  return id;
}

/** A held post as written, for the live push: as `postsQuery` shows it, with who its record belongs to. */
export interface WrittenPost {
  id: string;
  type: FeedPostType;
  text: string;
  authorId: string | null;
  authorName: string | null;
  module: string | null;
  recordId: string | null;
  targetUserId: string | null;
  visibility: 'public' | 'private';
  pinned: boolean;
  commentCount: number;
  createdAt: Date;
  updatedAt: Date | null;
  subjectFacts: { assignedTo: string | null; private: boolean } | null;
}

/**
 * Writes what the transaction holds, in one statement (changelog rows, posts and events in
 * the order they were held), and empties it; answers the posts to push live. The transaction
 * goes on holding.
 */
export async function writeHeldRecordWrites(trx: Db): Promise<WrittenPost[]> {
  const rows = held.get(trx);
  if (!rows || (rows.changelog.length === 0 && rows.events.length === 0 && rows.posts.length === 0))
    return [];
  const { changelog, events, posts, live } = rows;
  held.set(trx, { changelog: [], events: [], posts: [], live: new Set() });
  const parts = [];
  if (changelog.length > 0)
    parts.push(sql`logged as (
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      select m, r, a, c, ai, an
      from rows from (jsonb_to_recordset(${JSON.stringify(changelog)}::jsonb)
        as (m text, r uuid, a text, c jsonb, ai uuid, an text)) with ordinality as x(m, r, a, c, ai, an, n)
      order by n)`);
  if (events.length > 0)
    parts.push(sql`outbox as (
      insert into events (type, module, record_id, payload, actor_id, causation_id, depth)
      select t, m, r, p, ai, ci, d
      from rows from (jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
        as (t text, m text, r uuid, p jsonb, ai uuid, ci bigint, d int)) with ordinality as e(t, m, r, p, ai, ci, d, n)
      order by n)`);
  if (posts.length > 0)
    parts.push(sql`posted as (
      insert into feed_posts (id, type, text, author_id, module, record_id, target_user_id, visibility)
      select i, t, x, a, m, r, case when s and u is not null then (select id from users where id = u) else u end, v
      from rows from (jsonb_to_recordset(${JSON.stringify(posts)}::jsonb)
        as (i uuid, t text, x text, a uuid, m text, r uuid, u uuid, v text, s boolean))
        with ordinality as p(i, t, x, a, m, r, u, v, s, n)
      where not s or coalesce((select (value ->> p.t)::boolean from settings where key = 'feedSystemPosts'), true)
      order by n
      returning id, type, text, author_id, module, record_id, target_user_id, visibility, pinned, created_at, updated_at)`);
  if (live.size === 0) {
    await sql`with ${sql.join(parts)} select 1`.execute(trx);
    return [];
  }
  // Who each live post's record belongs to (its audience), per module of the posts.
  const modules = [
    ...new Set(posts.filter((post) => live.has(post.i) && post.m).map((post) => post.m as string)),
  ];
  const facts =
    modules.length === 0
      ? sql`null`
      : sql`case posted.module ${sql.join(
          modules.map(
            (module) =>
              sql`when ${module} then (select json_build_object('assignedTo', assigned_to, 'private', visibility <> 'public')
                from ${sql.table(tableOf(module))} where id = posted.record_id)`,
          ),
          sql` `,
        )} end`;
  const { rows: written } = await sql<WrittenPost>`with ${sql.join(parts)}
    select posted.id, posted.type, posted.text, posted.author_id,
      (select coalesce(nullif(trim(author.first_name || ' ' || author.last_name), ''), author.username)
        from users author where author.id = posted.author_id) as author_name,
      posted.module, posted.record_id, posted.target_user_id, posted.visibility, posted.pinned,
      0 as comment_count, posted.created_at, posted.updated_at, ${facts} as subject_facts
    from posted where posted.id = any(${[...live]}::uuid[])`.execute(trx);
  return written;
}
