import { type ExpressionBuilder, sql } from 'kysely';
import type { FeedPostType, FeedPostView } from '../../schemas/feed.ts';
import type { Db } from '../db/index.ts';
import type { Database } from '../db/types.ts';
import { invalid } from '../errors.ts';
import type { Principal } from './authz.ts';
import { type Audience, publish } from './live.ts';

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
 * Which posts a principal may read: public ones, else their own, those on their feed,
 * and every one for administrators; posts about a record only when their roles may
 * view that module (record-level scopes are not applied to the feed).
 */
export function visibleTo(principal: Principal) {
  return (eb: ExpressionBuilder<Database, 'feedPosts'>) => {
    if (principal.isAdmin) return eb.lit(true);
    const conditions = [
      eb.or([
        eb('feedPosts.visibility', '=', 'public'),
        eb('feedPosts.authorId', '=', principal.id),
        eb('feedPosts.targetUserId', '=', principal.id),
      ]),
    ];
    const listed = Object.entries(principal.permissions).filter(
      ([module, cells]) => module !== '*' && cells.view !== undefined,
    );
    if ((principal.permissions['*']?.view ?? 'none') === 'none') {
      const allowed = listed.filter(([, cells]) => cells.view !== 'none').map(([module]) => module);
      conditions.push(
        eb.or([
          eb('feedPosts.module', 'is', null),
          ...(allowed.length > 0 ? [eb('feedPosts.module', 'in', allowed)] : []),
        ]),
      );
    } else {
      const denied = listed.filter(([, cells]) => cells.view === 'none').map(([module]) => module);
      if (denied.length > 0) {
        conditions.push(
          eb.or([eb('feedPosts.module', 'is', null), eb('feedPosts.module', 'not in', denied)]),
        );
      }
    }
    return eb.and(conditions);
  };
}

/** The sockets that may see a post, mirroring `visibleTo`. */
export function audienceOf(post: Pick<FeedPostView, 'visibility' | 'authorId' | 'targetUserId' | 'module'>) {
  const audience: Audience = { module: post.module };
  if (post.visibility === 'public') return { ...audience, everyone: true };
  const users = [post.authorId, post.targetUserId].filter((id): id is string => id !== null);
  return { ...audience, users, admins: true };
}

/** A post known to exist (just written or checked in the same transaction). */
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
  if (input.targetUserId && !(await userExists(db, input.targetUserId))) {
    throw invalid('targetUserId', 'is not an existing user');
  }
  const { id } = await db
    .insertInto('feedPosts')
    .values({
      type: input.type,
      text: input.text,
      authorId: input.authorId ?? null,
      module: input.module ?? null,
      recordId: input.recordId ?? null,
      targetUserId: input.targetUserId ?? null,
      visibility: input.visibility ?? 'public',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const post = await fetchPost(db, id);
  await publish(
    db,
    { type: 'feed.post.created', data: post, to: audienceOf(post) },
    { id, fetch: `/api/feed/${id}` },
  );
  return post;
}
