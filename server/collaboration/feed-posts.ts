import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { FeedPostType, FeedPostView } from '../../schemas/feed.ts';
import type { Db } from '../db/index.ts';
import { type Principal, scopeFor } from '../platform/authz.ts';
import { invalid } from '../platform/errors.ts';
import { holdPost, holdsRecordWrites, writeHeldRecordWrites } from '../records/held-writes.ts';
import { accessCondition } from '../records/record-access.ts';
import { tableOf } from '../studio/fields.ts';
import { findModule, listModules, type ModuleDefinition } from '../studio/modules.ts';
import { type Audience, publish, type RecordFacts } from './live.ts';

/**
 * Reading and writing feed posts, shared by the feed service and by notifications
 * (which copy themselves to the feed) so that neither imports the other.
 */

export interface NewPost {
  type: FeedPostType;
  text: string;
  /** null (the default) when Weft itself posts: a flow, a notification. */
  authorId?: string | null;
  module?: string | null;
  recordId?: string | null;
  /** Whose feed the post is on (X2CRM's "post to a user's profile"). */
  targetUserId?: string | null;
  visibility?: 'public' | 'private';
}

/** A user's display name in raw SQL over an alias of `users`. */
export const displayName = (alias: string) =>
  sql<
    string | null
  >`coalesce(nullif(trim(${sql.ref(`${alias}.first_name`)} || ' ' || ${sql.ref(`${alias}.last_name`)}), ''), ${sql.ref(`${alias}.username`)})`;

export function postsQuery(db: Db) {
  return db
    .selectFrom('feedPosts')
    .leftJoin('users as author', 'author.id', 'feedPosts.authorId')
    .select([
      'feedPosts.id',
      'feedPosts.type',
      'feedPosts.text',
      'feedPosts.authorId',
      displayName('author').as('authorName'),
      'feedPosts.module',
      'feedPosts.recordId',
      'feedPosts.targetUserId',
      'feedPosts.visibility',
      'feedPosts.pinned',
      sql<number>`(select count(*) from feed_comments where feed_comments.post_id = feed_posts.id)`.as(
        'commentCount',
      ),
      'feedPosts.createdAt',
      'feedPosts.updatedAt',
    ]);
}

/**
 * Which posts a principal may read, as a condition on `feed_posts`: public ones, else their
 * own and those on their feed; and a post about a record only when the principal may view
 * that record (role scope and record visibility, as records/record-access.ts says).
 * Administrators read every post.
 */
export async function visibleTo(db: Db, principal: Principal): Promise<RawBuilder<SqlBool>> {
  if (principal.isAdmin) return sql<SqlBool>`true`;
  const modules = await listModules(db);
  const aboutVisibleRecord: RawBuilder<SqlBool>[] = [];
  for (const { name } of modules) {
    if (scopeFor(principal, name, 'view') === 'none') continue;
    const condition = await accessCondition(db, principal, name, 'view');
    // Unqualified columns in `condition` resolve to the record table, the innermost scope.
    aboutVisibleRecord.push(sql<SqlBool>`(feed_posts.module = ${name} and exists (
      select 1 from ${sql.table(tableOf(name))} where id = feed_posts.record_id
      ${condition ? sql`and ${condition}` : sql``}))`);
  }
  const records = aboutVisibleRecord.length > 0 ? sql.join(aboutVisibleRecord, sql` or `) : sql`false`;
  return sql<SqlBool>`((feed_posts.visibility = 'public' or feed_posts.author_id = ${principal.id}
    or feed_posts.target_user_id = ${principal.id}) and (feed_posts.module is null or ${records}))`;
}

/** Who a record belongs to, as SQL over its id (a json object, or null when there is no such record). */
function recordFactsOf(module: ModuleDefinition, recordId: RawBuilder<unknown> | string) {
  return sql<RecordFacts | null>`(select json_build_object('assignedTo', assigned_to, 'private', visibility <> 'public')
    from ${sql.table(module.table)} where id = ${recordId})`;
}

/** Who a record belongs to, for live audiences; null when the module or the record does not exist. */
export async function recordFacts(db: Db, module: string, recordId: string): Promise<RecordFacts | null> {
  const definition = await findModule(db, module);
  if (!definition) return null;
  const { rows } = await sql<{
    facts: RecordFacts | null;
  }>`select ${recordFactsOf(definition, recordId)} as facts`.execute(db);
  return rows[0]?.facts ?? null;
}

type AudienceOf = Pick<FeedPostView, 'visibility' | 'authorId' | 'targetUserId' | 'module' | 'recordId'>;

/** The sockets that may see a post, mirroring `visibleTo`; `record` when its facts were read already. */
export async function audienceOf(db: Db, post: AudienceOf, record?: RecordFacts | null): Promise<Audience> {
  const audience: Audience = {};
  if (post.module && post.recordId) {
    audience.module = post.module;
    audience.record = record !== undefined ? record : await recordFacts(db, post.module, post.recordId);
  }
  if (post.visibility === 'public') return { ...audience, everyone: true };
  const users = [post.authorId, post.targetUserId].filter((id): id is string => id !== null);
  return { ...audience, users, admins: true };
}

export async function fetchPost(db: Db, id: string): Promise<FeedPostView> {
  return postsQuery(db).where('feedPosts.id', '=', id).executeTakeFirstOrThrow();
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a user id names a user; flows pass ids rendered from templates, which may be anything. */
export async function userExists(db: Db, id: string): Promise<boolean> {
  if (!uuidPattern.test(id)) return false;
  return (await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Writes a post and pushes `feed.post.created`; call it inside the transaction of what it reports. */
export async function insertPost(db: Db, input: NewPost): Promise<FeedPostView> {
  return (await writePost(db, input, false)) as FeedPostView;
}

/**
 * A system post (its type one the admins may switch off, setting `feedSystemPosts`): the
 * insert reads the switch itself, in the same statement; null when the type is off.
 */
export async function insertSystemPost(db: Db, input: NewPost): Promise<FeedPostView | null> {
  return writePost(db, input, true);
}

async function writePost(db: Db, input: NewPost, unlessSwitchedOff: boolean): Promise<FeedPostView | null> {
  if (input.targetUserId && !(await userExists(db, input.targetUserId))) {
    throw invalid('targetUserId', 'is not an existing user');
  }
  const subject = input.module ? await findModule(db, input.module) : undefined;
  // Written and read back as `postsQuery` shows posts, with who its record belongs to (for
  // the live audience), in one statement; a new post has no comments. Every flow that
  // posts runs this, so it is plain SQL rather than built anew each time.
  const { rows } = await sql<FeedPostView & { subjectFacts: RecordFacts | null }>`
    with post as (
      insert into feed_posts (type, text, author_id, module, record_id, target_user_id, visibility)
      select ${input.type}, ${input.text}, ${input.authorId ?? null}::uuid, ${input.module ?? null}::text,
        ${input.recordId ?? null}::uuid, ${input.targetUserId ?? null}::uuid, ${input.visibility ?? 'public'}
      ${
        unlessSwitchedOff
          ? sql`where coalesce((select (value ->> ${input.type})::boolean from settings where key = 'feedSystemPosts'), true)`
          : sql``
      }
      returning id, type, text, author_id, module, record_id, target_user_id, visibility, pinned,
        created_at, updated_at)
    select post.id, post.type, post.text, post.author_id,
      ${input.authorId ? sql`(select ${displayName('author')} from users author where author.id = post.author_id)` : sql`null`} as author_name,
      post.module, post.record_id, post.target_user_id, post.visibility, post.pinned,
      0 as comment_count, post.created_at, post.updated_at,
      ${subject ? recordFactsOf(subject, sql.ref('post.record_id')) : sql`null`} as subject_facts
    from post`.execute(db);
  if (!rows[0]) return null;
  const { subjectFacts, ...post } = rows[0];
  const { id } = post;
  await publish(
    db,
    { type: 'feed.post.created', data: post, to: await audienceOf(db, post, subjectFacts) },
    { id, fetch: `/api/feed/${id}` },
  );
  return post;
}

/**
 * A post in a transaction that holds record writes (a batch of flow steps,
 * records/held-writes.ts): checked now, written with the batch's other rows at its end and
 * pushed live then (`writeHeldWrites`). Null when the transaction writes at once (the caller
 * then writes it with `insertPost`).
 */
export async function holdPostInBatch(
  db: Db,
  input: NewPost,
): Promise<{ id: string; authorId: string | null; targetUserId: string | null } | null> {
  if (!holdsRecordWrites(db)) return null;
  // A post about a module that does not exist is written at once, failing as it always did.
  if (input.module && !(await findModule(db, input.module))) return null;
  if (input.targetUserId && !(await userExists(db, input.targetUserId))) {
    throw invalid('targetUserId', 'is not an existing user');
  }
  const authorId = input.authorId ?? null;
  const targetUserId = input.targetUserId ?? null;
  const id = holdPost(db, {
    type: input.type,
    text: input.text,
    authorId,
    module: input.module ?? null,
    recordId: input.recordId ?? null,
    targetUserId,
    visibility: input.visibility ?? 'public',
  });
  return id === null ? null : { id, authorId, targetUserId };
}

/** Writes what a holding transaction holds (records/held-writes.ts) and pushes its posts to live feeds. */
export async function writeHeldWrites(db: Db): Promise<void> {
  for (const { subjectFacts, ...post } of await writeHeldRecordWrites(db)) {
    await publish(
      db,
      { type: 'feed.post.created', data: post, to: await audienceOf(db, post, subjectFacts) },
      { id: post.id, fetch: `/api/feed/${post.id}` },
    );
  }
}
