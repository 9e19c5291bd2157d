import { type Kysely, sql } from 'kysely';

/**
 * Activity feed, its comments, and per-user notifications. Records are referenced by
 * (module, record_id) without a foreign key: each module keeps its records in its own table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Millisecond timestamps: keyset cursors carry them through JavaScript Dates, which stop at
  // milliseconds; `seq` orders rows written within the same millisecond.
  const createdAt = sql`date_trunc('milliseconds', now())`;

  await db.schema
    .createTable('feed_posts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('seq', 'bigserial', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    // A deleted author's posts stay, as Weft's own (null author).
    .addColumn('author_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('module', 'text')
    .addColumn('record_id', 'uuid')
    // A post on a user's feed (their profile) goes with that user.
    .addColumn('target_user_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('public'))
    .addColumn('pinned', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(createdAt))
    .addColumn('updated_at', 'timestamptz')
    .addCheckConstraint('feed_posts_visibility_check', sql`visibility in ('public', 'private')`)
    .addCheckConstraint('feed_posts_record_check', sql`(module is null) = (record_id is null)`)
    .execute();
  // The feed's order: pinned first, then newest.
  await sql`create index feed_posts_order_idx on feed_posts (pinned desc, created_at desc, seq desc)`.execute(
    db,
  );
  await db.schema
    .createIndex('feed_posts_record_idx')
    .on('feed_posts')
    .columns(['module', 'record_id'])
    .execute();
  await db.schema.createIndex('feed_posts_target_idx').on('feed_posts').column('target_user_id').execute();
  await db.schema.createIndex('feed_posts_author_idx').on('feed_posts').column('author_id').execute();
  await db.schema
    .createIndex('feed_posts_type_idx')
    .on('feed_posts')
    .columns(['type', 'created_at'])
    .execute();

  await db.schema
    .createTable('feed_comments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('post_id', 'uuid', (c) => c.notNull().references('feed_posts.id').onDelete('cascade'))
    .addColumn('author_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(createdAt))
    .execute();
  await db.schema
    .createIndex('feed_comments_post_idx')
    .on('feed_comments')
    .columns(['post_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('seq', 'bigserial', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('module', 'text')
    .addColumn('record_id', 'uuid')
    .addColumn('post_id', 'uuid', (c) => c.references('feed_posts.id').onDelete('set null'))
    .addColumn('read', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(createdAt))
    .addCheckConstraint('notifications_record_check', sql`(module is null) = (record_id is null)`)
    .execute();
  await sql`create index notifications_user_idx on notifications (user_id, created_at desc, seq desc)`.execute(
    db,
  );
  // The top-bar counter is read on every page: count from a small partial index.
  await sql`create index notifications_unread_idx on notifications (user_id) where not read`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['notifications', 'feed_comments', 'feed_posts']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
