import { sql } from 'kysely';
import type { NotificationType, NotificationView } from '../../schemas/feed.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { invalid, notFound } from '../platform/errors.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import { insertPost, userExists } from './feed-posts.ts';
import { publish } from './live.ts';

/** Notifications belong to one user: every function here takes that user's id and touches nothing else. */

export interface NotifyInput {
  userId: string;
  text: string;
  type: NotificationType;
  module?: string | null;
  recordId?: string | null;
  postId?: string | null;
  /**
   * Also post it to the user's feed, privately (REFERENCE §5, seed guide "User Menu": when a
   * notification occurs, it is also posted to the activity feed). By default: yes, unless the
   * user turned that off for themselves, an administrator switched the `notification` post
   * type off, or the notification is about a post already (a comment, a post on their feed).
   */
  postToFeed?: boolean;
}

export interface NotificationPreferences {
  /** Copy my notifications to my activity feed. */
  postToFeed: boolean;
  /** Notify me when a record is assigned to me (by a person, an import, routing or a flow). */
  assignments: boolean;
}

export async function getPreferences(db: Db, userId: string): Promise<NotificationPreferences> {
  const row = await db
    .selectFrom('notificationPreferences')
    .select(['postToFeed', 'assignments'])
    .where('userId', '=', userId)
    .executeTakeFirst();
  return { postToFeed: row?.postToFeed ?? true, assignments: row?.assignments ?? true };
}

export async function setPreferences(
  db: Db,
  userId: string,
  patch: Partial<NotificationPreferences>,
): Promise<NotificationPreferences> {
  return inTransaction(db, async (trx) => {
    const next = { ...(await getPreferences(trx, userId)), ...patch };
    await trx
      .insertInto('notificationPreferences')
      .values({ userId, ...next })
      .onConflict((oc) => oc.column('userId').doUpdateSet({ ...next, updatedAt: new Date() }))
      .execute();
    return next;
  });
}

/** Whether a notification of `userId` is copied to their feed: their preference and the admins' switch, in one query. */
async function copiesToFeed(db: Db, userId: string): Promise<boolean> {
  const { rows } = await sql<{ copy: boolean }>`select
    coalesce((select post_to_feed from notification_preferences where user_id = ${userId}), true)
    and coalesce((select (value ->> 'notification')::boolean from settings where key = 'feedSystemPosts'), true) as copy`.execute(
    db,
  );
  return rows[0]?.copy === true;
}

const columns = ['id', 'type', 'text', 'module', 'recordId', 'postId', 'read', 'createdAt'] as const;

export async function unreadCount(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('userId', '=', userId)
    .where('read', '=', false)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Notifies a user and pushes `notification.created` with their new unread count, inside
 * the caller's transaction when `db` is one (the workflow engine's "create notification").
 */
export async function notify(db: Db, input: NotifyInput): Promise<NotificationView> {
  return inTransaction(db, async (trx) => {
    if (!(await userExists(trx, input.userId))) throw invalid('userId', 'is not an existing user');
    let postId = input.postId ?? null;
    const copy = input.postToFeed ?? (postId === null && (await copiesToFeed(trx, input.userId)));
    if (copy) {
      const post = await insertPost(trx, {
        type: 'notification',
        text: input.text,
        module: input.module ?? null,
        recordId: input.recordId ?? null,
        targetUserId: input.userId,
        visibility: 'private',
      });
      postId ??= post.id;
    }
    const notification = await trx
      .insertInto('notifications')
      .values({
        userId: input.userId,
        type: input.type,
        text: input.text,
        module: input.module ?? null,
        recordId: input.recordId ?? null,
        postId,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    await publish(
      trx,
      {
        type: 'notification.created',
        data: { notification, unreadCount: await unreadCount(trx, input.userId) },
        to: { users: [input.userId] },
      },
      { id: notification.id, fetch: '/api/notifications' },
    );
    return notification;
  });
}

/** Newest first, keyset-paged on (createdAt, seq). */
export async function listNotifications(
  db: Db,
  userId: string,
  query: { limit: number; cursor?: string | undefined; unread?: boolean | undefined },
) {
  const after = decodeCursor(query.cursor, ['timestamp', 'integer']);
  let select = db
    .selectFrom('notifications')
    .select([...columns, 'seq'])
    .where('userId', '=', userId);
  if (query.unread === true) select = select.where('read', '=', false);
  if (query.unread === false) select = select.where('read', '=', true);
  if (after) {
    const [createdAt, seq] = after;
    select = select.where((eb) =>
      eb(eb.refTuple('createdAt', 'seq'), '<', eb.tuple(new Date(String(createdAt)), Number(seq))),
    );
  }
  const rows = await select
    .orderBy('createdAt', 'desc')
    .orderBy('seq', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.seq]);
  return {
    items: page.items.map(({ seq: _seq, ...notification }) => notification),
    nextCursor: page.nextCursor,
  };
}

/** Marks one notification read (`id`) or all of them; answers the new unread count. */
export async function markRead(db: Db, userId: string, id?: string): Promise<{ unreadCount: number }> {
  return inTransaction(db, async (trx) => {
    let update = trx.updateTable('notifications').set({ read: true }).where('userId', '=', userId);
    if (id) {
      update = update.where('id', '=', id);
      const result = await update.executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw notFound('Notification');
    } else {
      await update.where('read', '=', false).execute();
    }
    const count = await unreadCount(trx, userId);
    await publish(trx, {
      type: 'notification.read',
      data: { ...(id ? { ids: [id] } : { all: true }), unreadCount: count },
      to: { users: [userId] },
    });
    return { unreadCount: count };
  });
}

/** Clears (deletes) one notification (`id`) or all of them. */
export async function clearNotifications(
  db: Db,
  userId: string,
  id?: string,
): Promise<{ unreadCount: number }> {
  return inTransaction(db, async (trx) => {
    let remove = trx.deleteFrom('notifications').where('userId', '=', userId);
    if (id) remove = remove.where('id', '=', id);
    const result = await remove.executeTakeFirst();
    if (id && result.numDeletedRows === 0n) throw notFound('Notification');
    const count = await unreadCount(trx, userId);
    await publish(trx, {
      type: 'notification.cleared',
      data: { ...(id ? { ids: [id] } : { all: true }), unreadCount: count },
      to: { users: [userId] },
    });
    return { unreadCount: count };
  });
}
