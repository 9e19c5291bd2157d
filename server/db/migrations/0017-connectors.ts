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
  await db.schema.dropTable('hook_deliveries').ifExists().execute();
  await db.schema.dropTable('hook_subscriptions').ifExists().execute();
  await sql`drop sequence if exists web_case_number_seq`.execute(db);
  await db.schema.dropTable('web_form_submissions').ifExists().execute();
  await db.schema.dropTable('web_forms').ifExists().execute();
  await db.schema.dropTable('webhook_log').ifExists().execute();
}
