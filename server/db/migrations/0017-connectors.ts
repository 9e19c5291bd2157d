import { type Kysely, sql } from 'kysely';

/** Connectors: the inbound webhook log, web forms and their submissions, public rate limits. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Every delivery a webhook flow received: accepted, duplicate, refused (and why) or replayed.
  await db.schema
    .createTable('webhook_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('event_id', 'bigint')
    .addColumn('module', 'text')
    .addColumn('record_id', 'text')
    .addColumn('body', 'jsonb')
    .addColumn('headers', 'jsonb')
    .addColumn('replay_of', 'bigint')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index webhook_log_flow_idx on webhook_log (flow_id, id desc)`.execute(db);

  await db.schema
    .createTable('web_forms')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    // Signs the start time a rendered form carries (the minimum fill time cannot be forged).
    .addColumn('stamp_secret', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Stored before the visitor gets an answer; processed (matched, written, routed) by a job.
  await db.schema
    .createTable('web_form_submissions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('form_id', 'uuid', (c) => c.notNull().references('web_forms.id').onDelete('cascade'))
    .addColumn('submission_key', 'text', (c) => c.notNull())
    .addColumn('values', 'jsonb', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('origin', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('received'))
    .addColumn('outcome', 'text')
    .addColumn('module', 'text')
    .addColumn('record_id', 'text')
    .addColumn('contact_id', 'text')
    .addColumn('error', 'text')
    .addColumn('event_id', 'bigint')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addUniqueConstraint('web_form_submissions_key', ['form_id', 'submission_key'])
    .execute();
  await sql`create index web_form_submissions_form_idx on web_form_submissions (form_id, received_at desc)`.execute(
    db,
  );

  // The number a web form's service case is told ("Case 1042"), from its auto-response on.
  await sql`create sequence web_case_number_seq start 1000`.execute(db);

  // Outbound hooks (X2CRM's REST hooks, as Zapier uses them): who wants which events, and each delivery.
  await db.schema
    .createTable('hook_subscriptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('max_failures', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'text')
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('hook_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('subscription_id', 'uuid', (c) =>
      c.notNull().references('hook_subscriptions.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('response_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('hook_deliveries_event_key', ['subscription_id', 'event_id'])
    .execute();
  await sql`create index hook_deliveries_subscription_idx on hook_deliveries (subscription_id, created_at desc)`.execute(
    db,
  );

  // Inbound mail: IMAP mailboxes Weft polls (password encrypted: inbound-mail/secrets.ts), every
  // message captured once (by Message-ID per source, and by UID per mailbox), and the emails
  // logged on records.
  await db.schema
    .createTable('mailboxes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('tls', 'boolean', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('password_encrypted', 'text', (c) => c.notNull())
    .addColumn('folder', 'text', (c) => c.notNull().defaultTo('INBOX'))
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('dropbox'))
    .addColumn('poll_seconds', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('uid_validity', 'bigint')
    .addColumn('last_uid', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_polled_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // 'smtp', or the mailbox's id: a Message-ID counts once per source.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('mailbox_id', 'uuid', (c) => c.references('mailboxes.id').onDelete('set null'))
    .addColumn('uid_validity', 'bigint')
    .addColumn('uid', 'bigint')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text')
    .addColumn('to_addresses', 'jsonb')
    .addColumn('cc_addresses', 'jsonb')
    .addColumn('subject', 'text')
    .addColumn('body', 'text')
    .addColumn('attachments', 'jsonb')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('parse_error', 'text')
    .addColumn('raw', 'bytea')
    .addColumn('outcome', 'jsonb')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('inbound_messages_message_key', ['source', 'message_id'])
    .execute();
  await sql`create unique index inbound_messages_uid_key on inbound_messages (mailbox_id, uid_validity, uid) where uid is not null`.execute(
    db,
  );
  await db.schema
    .createTable('record_emails')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('from_address', 'text')
    .addColumn('to_addresses', 'jsonb')
    .addColumn('subject', 'text')
    .addColumn('body', 'text')
    .addColumn('attachments', 'jsonb')
    .addColumn('inbound_message_id', 'uuid')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index record_emails_record_idx on record_emails (module, record_id, at desc)`.execute(db);
  await db.schema
    .createTable('inbound_mail_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .execute();

  // Fixed-window counters shared by every process (public endpoints' per-IP and per-form limits).
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pkey', ['key', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limits').ifExists().execute();
  await db.schema.dropTable('inbound_mail_settings').ifExists().execute();
  await db.schema.dropTable('record_emails').ifExists().execute();
  await db.schema.dropTable('inbound_messages').ifExists().execute();
  await db.schema.dropTable('mailboxes').ifExists().execute();
  await db.schema.dropTable('hook_deliveries').ifExists().execute();
  await db.schema.dropTable('hook_subscriptions').ifExists().execute();
  await sql`drop sequence if exists web_case_number_seq`.execute(db);
  await db.schema.dropTable('web_form_submissions').ifExists().execute();
  await db.schema.dropTable('web_forms').ifExists().execute();
  await db.schema.dropTable('webhook_log').ifExists().execute();
}
