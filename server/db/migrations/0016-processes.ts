import { type Kysely, sql } from 'kysely';

/**
 * Processes (X2Process): definitions with their ordered stages (stable ids inside
 * `stages`), each record's progress as the persisted snapshot of the process machine
 * (engine/core/process-machine.ts), and one row per started stage of a record, derived
 * from that snapshot in the same transaction, for the board, the funnel and conditions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('processes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('modules', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // Modules whose default process this is (at most one per module: checked by the service under a lock).
    .addColumn('default_for', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('color', 'text')
    .addColumn('financial_module', 'text')
    .addColumn('financial_field', 'text')
    .addColumn('stages', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('process_progress')
    .addColumn('process_id', 'uuid', (c) => c.notNull().references('processes.id').onDelete('cascade'))
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb')
    // The board's column: the earliest started stage, 'completed', or null (nothing started).
    .addColumn('current_stage', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('process_progress_pkey', ['process_id', 'record_id'])
    .execute();
  await sql`create index process_progress_board_idx on process_progress (process_id, current_stage, updated_at desc)`.execute(
    db,
  );
  await sql`create index process_progress_record_idx on process_progress (record_id)`.execute(db);

  await db.schema
    .createTable('process_stage_states')
    .addColumn('process_id', 'uuid', (c) => c.notNull().references('processes.id').onDelete('cascade'))
    .addColumn('stage_id', 'text', (c) => c.notNull())
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('started', 'completed')`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_by', 'uuid')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('completed_by', 'uuid')
    .addColumn('comment', 'text')
    .addPrimaryKeyConstraint('process_stage_states_pkey', ['process_id', 'record_id', 'stage_id'])
    .execute();
  await sql`create index process_stage_states_stage_idx on process_stage_states (process_id, stage_id, status, started_at)`.execute(
    db,
  );
  await sql`create index process_stage_states_record_idx on process_stage_states (record_id, process_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('process_stage_states').ifExists().execute();
  await db.schema.dropTable('process_progress').ifExists().execute();
  await db.schema.dropTable('processes').ifExists().execute();
}
