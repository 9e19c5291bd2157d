import { type Kysely, sql } from 'kysely';

/** Flows, their immutable published versions, runs and the steps of each run. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('flows')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('draft', 'jsonb', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('published_version', 'integer')
    // Copied from the published version so that dispatching events is one indexed lookup.
    .addColumn('trigger_type', 'text')
    .addColumn('trigger_module', 'text')
    // Secret of the flow's inbound webhook trigger (HMAC-SHA256 key).
    .addColumn('webhook_secret', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index flows_trigger_idx on flows (trigger_type, trigger_module) where active`.execute(db);

  await db.schema
    .createTable('flow_versions')
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('published_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('flow_versions_pkey', ['flow_id', 'version'])
    .execute();

  await db.schema
    .createTable('flow_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('event_id', 'bigint')
    .addColumn('module', 'text')
    .addColumn('record_id', 'uuid')
    .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('parent_run_id', 'uuid', (c) => c.references('flow_runs.id').onDelete('set null'))
    .addColumn('parent_node_id', 'text')
    .addColumn('input', 'jsonb', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // One run per (event, flow version), however often the event is dispatched.
  await sql`create unique index flow_runs_event_key on flow_runs (event_id, flow_id, version) where event_id is not null`.execute(
    db,
  );
  await sql`create index flow_runs_flow_idx on flow_runs (flow_id, started_at desc)`.execute(db);
  await sql`create index flow_runs_record_idx on flow_runs (module, record_id)`.execute(db);
  // Admission (one run per record at a time, a flow's concurrency cap) counts active runs
  // on every start and release: this index holds only those, however many runs have finished.
  await sql`create index flow_runs_active_idx on flow_runs (flow_id, record_id) where status in ('queued', 'running', 'waiting')`.execute(
    db,
  );

  await db.schema
    .createTable('flow_steps')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('flow_runs.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('iteration', 'integer', (c) => c.notNull())
    .addColumn('node_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('input', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // The idempotency key of a step: a redelivered job finds its step done and does nothing.
  await sql`create unique index flow_steps_key on flow_steps (run_id, node_id, iteration)`.execute(db);

  // Events a flow matched but did not run, and why (depth limit, cycle): never silently.
  await db.schema
    .createTable('flow_trigger_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('event_id', 'bigint')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('run_id', 'uuid')
    .addColumn('detail', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index flow_trigger_log_flow_idx on flow_trigger_log (flow_id, id desc)`.execute(db);

  await db.schema.alterTable('events').addColumn('dispatched_at', 'timestamptz').execute();
  await sql`create index events_undispatched_idx on events (id) where dispatched_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('dispatched_at').execute();
  for (const table of ['flow_trigger_log', 'flow_steps', 'flow_runs', 'flow_versions', 'flows']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
