import { type Kysely, sql } from 'kysely';

/**
 * The email outbox. Every message is a row written in its sender's transaction, then
 * delivered by a job; the row says whether it went, so a redelivered job sends nothing twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // The Message-ID header, fixed before the first attempt: receivers can tell a resend.
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    // The sender's own key (a flow step's run/node/iteration): queueing twice stores one message.
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('to', sql`text[]`, (c) => c.notNull())
    .addColumn('cc', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('bcc', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('html', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('stored', 'queued', 'sent', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    // What the SMTP server answered to the accepted message.
    .addColumn('smtp_response', 'text')
    .addColumn('module', 'text')
    .addColumn('record_id', 'uuid')
    .addColumn('run_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('email_outbox_created_idx')
    .on('email_outbox')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('email_outbox_status_idx')
    .on('email_outbox')
    .columns(['status', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('email_outbox').execute();
}
