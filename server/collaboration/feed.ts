import { sql } from 'kysely';
import { type CommentView, type FeedPostType, feedPostTypes } from '../../schemas/feed.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { forbidden, invalid, notFound } from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import type { SettingsService } from '../platform/settings.ts';
import { accessCondition } from '../records/record-access.ts';
import { tableOf } from '../studio/fields.ts';
import { findModule } from '../studio/modules.ts';
import {
  audienceOf,
  displayName,
  fetchPost,
  insertPost,
  type NewPost,
  postsQuery,
  visibleTo,
} from './feed-posts.ts';
import { publish } from './live.ts';
import { notify } from './notifications.ts';

export type { NewPost } from './feed-posts.ts';

/**
 * Creates a feed post inside the caller's transaction when `db` is one (the workflow
 * engine's "post to activity feed"). With `notifyTarget`, the user whose feed it is on
 * is notified, unless they wrote it.
 */
export async function createPost(db: Db, input: NewPost & { notifyTarget?: boolean }) {
  return inTransaction(db, async (trx) => {
    const post = await insertPost(trx, input);
    if (input.notifyTarget && post.targetUserId && post.targetUserId !== post.authorId) {
      await notify(trx, {
        userId: post.targetUserId,
        type: 'profile-post',
        text: `${post.authorName ?? 'Weft'} posted on your feed`,
        postId: post.id,
      });
    }
    return post;
  });
}

/** A person's post through the API: when about a record, one they may view. */
export async function postAs(
  db: Db,
  principal: Principal,
  input: Pick<NewPost, 'text' | 'module' | 'recordId' | 'targetUserId' | 'visibility'>,
) {
  if (input.module && input.recordId) {
    if (!(await findModule(db, input.module))) throw invalid('module', 'is not a module');
    const condition = await accessCondition(db, principal, input.module, 'view');
    const { rows } = await sql`select 1 from ${sql.table(tableOf(input.module))} where id = ${input.recordId}
      ${condition ? sql`and ${condition}` : sql``}`.execute(db);
    if (rows.length === 0) throw notFound('Record');
  }
  return createPost(db, { ...input, type: 'post', authorId: principal.id, notifyTarget: true });
}

export interface FeedQuery {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  authorIds?: string[] | undefined;
  types?: FeedPostType[] | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  targetUserId?: string | undefined;
  userId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Pinned posts first, then the newest; keyset-paged on (pinned, createdAt, seq). */
export async function listPosts(db: Db, principal: Principal, query: FeedQuery) {
  const after = decodeCursor(query.cursor, ['integer', 'timestamp', 'integer']);
  let select = postsQuery(db)
    .select('feedPosts.seq')
    .where(await visibleTo(db, principal));
  if (query.authorIds?.length) select = select.where('feedPosts.authorId', 'in', query.authorIds);
  if (query.types?.length) select = select.where('feedPosts.type', 'in', query.types);
  if (query.module) select = select.where('feedPosts.module', '=', query.module);
  if (query.recordId) select = select.where('feedPosts.recordId', '=', query.recordId);
  if (query.targetUserId) select = select.where('feedPosts.targetUserId', '=', query.targetUserId);
  if (query.userId) {
    const { userId } = query;
    select = select.where((eb) =>
      eb.or([eb('feedPosts.authorId', '=', userId), eb('feedPosts.targetUserId', '=', userId)]),
    );
  }
  if (query.from) select = select.where('feedPosts.createdAt', '>=', new Date(query.from));
  if (query.to) select = select.where('feedPosts.createdAt', '<', new Date(query.to));
  if (query.q) select = select.where('feedPosts.text', 'ilike', containsPattern(query.q));
  if (after) {
    const [pinned, createdAt, seq] = after;
    select = select.where((eb) =>
      eb(
        eb.refTuple('feedPosts.pinned', 'feedPosts.createdAt', 'feedPosts.seq'),
        '<',
        eb.tuple(pinned === 1, new Date(String(createdAt)), Number(seq)),
      ),
    );
  }
  const rows = await select
    .orderBy('feedPosts.pinned', 'desc')
    .orderBy('feedPosts.createdAt', 'desc')
    .orderBy('feedPosts.seq', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.pinned ? 1 : 0, row.createdAt.toISOString(), row.seq]);
  return { items: page.items.map(({ seq: _seq, ...post }) => post), nextCursor: page.nextCursor };
}

/** A post the principal may see; 404 otherwise, so that private posts do not reveal they exist. */
async function visiblePost(db: Db, principal: Principal, id: string) {
  const post = await postsQuery(db)
    .where('feedPosts.id', '=', id)
    .where(await visibleTo(db, principal))
    .executeTakeFirst();
  if (!post) throw notFound('Post');
  return post;
}

function commentsQuery(db: Db) {
  return db
    .selectFrom('feedComments')
    .leftJoin('users as author', 'author.id', 'feedComments.authorId')
    .select([
      'feedComments.id',
      'feedComments.postId',
      'feedComments.authorId',
      displayName('author').as('authorName'),
      'feedComments.text',
      'feedComments.createdAt',
    ]);
}

export async function getPost(db: Db, principal: Principal, id: string) {
  const post = await visiblePost(db, principal, id);
  const comments = await commentsQuery(db)
    .where('feedComments.postId', '=', id)
    .orderBy('feedComments.createdAt')
    .orderBy('feedComments.id')
    .execute();
  return { ...post, comments };
}

/** Authors edit and delete their own posts; administrators any post (and it is audited). */
async function editablePost(trx: Db, principal: Principal, actor: Actor, id: string, action: string) {
  const post = await visiblePost(trx, principal, id);
  if (post.authorId !== principal.id) {
    if (!principal.isAdmin) throw forbidden('Only the author or an administrator may change this post');
    await audit(trx, actor, action, { type: 'feed-post', id }, { authorId: post.authorId });
  }
  return post;
}

export async function updatePost(
  db: Db,
  principal: Principal,
  actor: Actor,
  id: string,
  patch: { text?: string; visibility?: 'public' | 'private' },
) {
  return inTransaction(db, async (trx) => {
    await editablePost(trx, principal, actor, id, 'feed.post.update');
    await trx
      .updateTable('feedPosts')
      .set({ ...patch, updatedAt: new Date() })
      .where('id', '=', id)
      .execute();
    return fetchPost(trx, id);
  });
}

export async function deletePost(db: Db, principal: Principal, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    await editablePost(trx, principal, actor, id, 'feed.post.delete');
    await trx.deleteFrom('feedPosts').where('id', '=', id).execute();
  });
}

/** Pinning is an administrator's (the route checks); pinned posts lead the feed. */
export async function setPinned(db: Db, principal: Principal, actor: Actor, id: string, pinned: boolean) {
  return inTransaction(db, async (trx) => {
    await visiblePost(trx, principal, id);
    await trx.updateTable('feedPosts').set({ pinned }).where('id', '=', id).execute();
    await audit(trx, actor, pinned ? 'feed.post.pin' : 'feed.post.unpin', { type: 'feed-post', id });
    return fetchPost(trx, id);
  });
}

/** Anyone who can see a post may comment; its author is notified. */
export async function addComment(db: Db, principal: Principal, postId: string, text: string) {
  return inTransaction(db, async (trx): Promise<CommentView> => {
    const post = await visiblePost(trx, principal, postId);
    const { id } = await trx
      .insertInto('feedComments')
      .values({ postId, authorId: principal.id, text })
      .returning('id')
      .executeTakeFirstOrThrow();
    const comment = await commentsQuery(trx).where('feedComments.id', '=', id).executeTakeFirstOrThrow();
    await publish(
      trx,
      { type: 'feed.comment.created', data: comment, to: await audienceOf(trx, post) },
      { id, postId, fetch: `/api/feed/${postId}` },
    );
    if (post.authorId && post.authorId !== principal.id) {
      await notify(trx, {
        userId: post.authorId,
        type: 'comment',
        text: `${comment.authorName ?? 'Someone'} commented on your post`,
        postId,
      });
    }
    return comment;
  });
}

/** The comment's author, the post's author, or an administrator may delete a comment. */
export async function deleteComment(db: Db, principal: Principal, postId: string, commentId: string) {
  await inTransaction(db, async (trx) => {
    const post = await visiblePost(trx, principal, postId);
    const comment = await trx
      .selectFrom('feedComments')
      .select('authorId')
      .where('id', '=', commentId)
      .where('postId', '=', postId)
      .executeTakeFirst();
    if (!comment) throw notFound('Comment');
    if (![comment.authorId, post.authorId].includes(principal.id) && !principal.isAdmin) {
      throw forbidden('Only the author of the comment or of the post, or an administrator, may delete it');
    }
    await trx.deleteFrom('feedComments').where('id', '=', commentId).execute();
  });
}

/**
 * The retention job: deletes unpinned posts older than their type's retention
 * (`feedRetentionDaysByType`, else `feedRetentionDays`; null keeps them). Returns how many.
 */
export async function purgeExpiredPosts(db: Db, settings: SettingsService): Promise<number> {
  const { feedRetentionDays, feedRetentionDaysByType } = await settings.get();
  let deleted = 0;
  for (const type of feedPostTypes) {
    const days =
      feedRetentionDaysByType[type] === undefined ? feedRetentionDays : feedRetentionDaysByType[type];
    if (days === null || days === undefined) continue;
    const result = await db
      .deleteFrom('feedPosts')
      .where('type', '=', type)
      .where('pinned', '=', false)
      .where('createdAt', '<', sql<Date>`now() - make_interval(days => ${days})`)
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
