import { type Kysely, sql } from 'kysely';

/** Imports of CSV/XLSX files: the job and its progress, its failed rows, the records it wrote. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('imports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // No foreign key: `users` is a module here too, and a deleted custom module keeps its history.
    .addColumn('module', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('csv', 'xlsx')`))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('create', 'update', 'skip')`))
    .addColumn('key_field', 'text')
    // Column header → field name (null: the column is ignored).
    .addColumn('mapping', 'jsonb', (c) => c.notNull())
    .addColumn('route', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued', 'running', 'done', 'failed', 'rolledBack')`),
    )
    // The uploaded file, kept until the job has read it to the end.
    .addColumn('data', 'bytea')
    .addColumn('total', 'integer')
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    // The first row (0-based) of each committed batch: a resumed job skips exactly those.
    .addColumn('done_batches', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('rolled_back_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('imports_created_at_idx').on('imports').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('import_errors')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('imports.id').onDelete('cascade'))
    // The row's line in a spreadsheet's numbering: the header is row 1.
    .addColumn('row', 'integer', (c) => c.notNull())
    .addColumn('field', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('import_errors_import_idx')
    .on('import_errors')
    .columns(['import_id', 'id'])
    .execute();

  // What rollback deletes (created) and what it cannot undo (updated).
  await db.schema
    .createTable('import_records')
    .addColumn('import_id', 'uuid', (c) => c.notNull().references('imports.id').onDelete('cascade'))
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('created', 'updated')`))
    .addPrimaryKeyConstraint('import_records_pkey', ['import_id', 'record_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['import_records', 'import_errors', 'imports']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
