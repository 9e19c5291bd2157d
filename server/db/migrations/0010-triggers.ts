import { type Kysely, sql } from 'kysely';

/** What the time-based and inbound triggers need to fire exactly once. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // An inbound webhook delivery, stored in the transaction of its event before it is acknowledged.
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    // Set right after the row claims the delivery id, in the same transaction.
    .addColumn('event_id', 'bigint')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_deliveries_pkey', ['flow_id', 'delivery_id'])
    .execute();

  // A task that crossed a flow's overdue threshold: the scan emits its event once, however often it runs.
  await db.schema
    .createTable('task_overdue_marks')
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('task_id', 'uuid', (c) => c.notNull())
    .addColumn('threshold_seconds', 'integer', (c) => c.notNull())
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('task_overdue_marks_pkey', ['flow_id', 'task_id', 'threshold_seconds'])
    .execute();

  // One tick per (flow, slot): a doubled cron job (several workers, a redelivery) inserts nothing.
  await sql`create unique index events_schedule_slot_key on events ((payload->>'flowId'), (payload->>'slot')) where type = 'schedule.tick'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists events_schedule_slot_key`.execute(db);
  await db.schema.dropTable('task_overdue_marks').ifExists().execute();
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
}
