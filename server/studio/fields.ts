import { createHash } from 'node:crypto';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { FieldType } from '../../schemas/modules.ts';
import type { Db } from '../db/index.ts';

/**
 * The DDL behind Studio: every field is a real PostgreSQL column of `rec_<module>`,
 * changed in the caller's transaction together with its metadata row.
 */

/** What the DDL needs of a field (a FieldDefinition, or one about to become one). */
export interface FieldShape {
  name: string;
  type: FieldType;
  required: boolean;
  unique: boolean;
  searchable: boolean;
  defaultValue: unknown;
  options: Record<string, unknown>;
}

/** A records table is queried by names only known at run time, so without the camelCase plugin. */
// biome-ignore lint/suspicious/noExplicitAny: table and column names come from module definitions
export type RecordsDb = Kysely<any>;
export const recordsDb = (db: Db): RecordsDb => db.withoutPlugins() as RecordsDb;

export const tableOf = (module: string) => `rec_${module}`;

/** camelCase field name → snake_case column, the same mapping kysely's CamelCasePlugin makes. */
export function columnName(name: string): string {
  let column = columnNames.get(name);
  if (column === undefined) {
    column = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    // Field names are few; remembered, a row conversion costs no regular expression per field.
    if (columnNames.size < 10_000) columnNames.set(name, column);
  }
  return column;
}
const columnNames = new Map<string, string>();

/** Columns every records table has; their fields are the `system` ones of `systemFields`. */
export const builtinColumns = new Set([
  'id',
  'assigned_to',
  'visibility',
  'tags',
  'created_by',
  'created_at',
  'updated_at',
]);

const isMultiple = (field: Pick<FieldShape, 'type' | 'options'>) =>
  field.type === 'tags' || (field.type === 'dropdown' && field.options.multiple === true);

/** Types whose column holds text that a contains-search (ILIKE '%q%') reads: a trigram index serves it. */
const textual = new Set<FieldType>(['text', 'longText', 'email', 'phone', 'url', 'dropdown']);

function columnType(field: FieldShape): RawBuilder<unknown> {
  if (isMultiple(field)) return sql`text[]`;
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percentage':
      return sql`numeric`;
    case 'rating':
      return sql`smallint`;
    case 'date':
      return sql`date`;
    case 'dateTime':
      return sql`timestamptz`;
    case 'boolean':
      return sql`boolean`;
    case 'link':
    case 'assignment':
      return sql`uuid`;
    default:
      return sql`text`;
  }
}

/** A default as SQL text: DDL takes no parameters, so values are inlined as escaped literals. */
function defaultLiteral(field: FieldShape): RawBuilder<unknown> | null {
  const value = field.defaultValue;
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    if (value.length === 0) return sql`'{}'::text[]`;
    return sql`array[${sql.join(value.map((item) => sql.lit(String(item))))}]::text[]`;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return sql`${sql.lit(value)}::${columnType(field)}`;
  }
  return null;
}

/** Index names stay under PostgreSQL's 63 characters (longer ones would be truncated and could collide). */
export function indexName(
  table: string,
  column: string,
  suffix: 'key' | 'search' | 'sort' | 'order' | 'link',
) {
  const name = `${table}_${column}_${suffix}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 50)}_${hash}_${suffix}`;
}

export async function createRecordsTable(db: Db, module: string): Promise<void> {
  const table = tableOf(module);
  await recordsDb(db)
    .schema.createTable(table)
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // A user or a group: their uuids never collide, and routing may assign to either.
    .addColumn('assigned_to', 'uuid')
    .addColumn('visibility', 'text', (c) =>
      c.notNull().defaultTo('public').check(sql`visibility in ('public', 'private')`),
    )
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A tenth of each page kept free: an update of unindexed fields stays on its page (HOT) and
  // writes no index entry (migration 0038 says what it saves).
  await sql`alter table ${sql.id(table)} set (fillfactor = 90)`.execute(db);
  // Permission scopes filter every list on the assignee; tag filters use the GIN index.
  await sql`create index ${sql.id(`${table}_assigned_to_idx`)} on ${sql.id(table)} (assigned_to)`.execute(db);
  await sql`create index ${sql.id(`${table}_tags_idx`)} on ${sql.id(table)} using gin (tags)`.execute(db);
  await sql`create index ${sql.id(`${table}_created_idx`)} on ${sql.id(table)} (created_at, id)`.execute(db);
}

export async function dropRecordsTable(db: Db, module: string): Promise<void> {
  await recordsDb(db).schema.dropTable(tableOf(module)).execute();
}

/** Whether the table has a row where the column is null: NOT NULL is only safe when none does. */
async function hasNulls(db: Db, table: string, column: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select exists (select 1 from ${sql.id(table)} where ${sql.id(column)} is null) as found
  `.execute(db);
  return rows[0]?.found === true;
}

export async function addFieldColumn(db: Db, module: string, field: FieldShape): Promise<void> {
  const table = tableOf(module);
  const column = columnName(field.name);
  const fallback = defaultLiteral(field);
  await recordsDb(db)
    .schema.alterTable(table)
    .addColumn(column, columnType(field), (c) => {
      let built = fallback ? c.defaultTo(fallback) : c;
      if (field.type === 'link' && typeof field.options.module === 'string') {
        // A deleted target leaves the link empty rather than dangling.
        built = built.references(`${tableOf(field.options.module)}.id`).onDelete('set null');
      }
      return built;
    })
    .execute();
  if (field.type === 'link' && typeof field.options.module === 'string')
    await createLinkIndex(db, table, column);
  await applyConstraints(db, module, null, field);
}

/**
 * Brings NOT NULL, the default and the unique and search indexes of a column from what
 * `before` said (null for a new column) to what `after` says.
 */
export async function applyConstraints(
  db: Db,
  module: string,
  before: FieldShape | null,
  after: FieldShape,
): Promise<void> {
  const table = tableOf(module);
  const column = columnName(after.name);
  if (before && JSON.stringify(before.defaultValue ?? null) !== JSON.stringify(after.defaultValue ?? null)) {
    const fallback = defaultLiteral(after);
    await sql`alter table ${sql.id(table)} alter column ${sql.id(column)} ${
      fallback ? sql`set default ${fallback}` : sql`drop default`
    }`.execute(db);
  }
  // Required is always checked by the API; the column says NOT NULL too when no row breaks it.
  if (after.required && !(await hasNulls(db, table, column))) {
    await sql`alter table ${sql.id(table)} alter column ${sql.id(column)} set not null`.execute(db);
  } else if (before?.required && !after.required) {
    await sql`alter table ${sql.id(table)} alter column ${sql.id(column)} drop not null`.execute(db);
  }
  if (after.unique && !before?.unique) {
    await sql`create unique index ${sql.id(indexName(table, column, 'key'))} on ${sql.id(table)} (${sql.id(column)})`.execute(
      db,
    );
  } else if (before?.unique && !after.unique) {
    await sql`drop index if exists ${sql.id(indexName(table, column, 'key'))}`.execute(db);
  }
  if (after.searchable && !before?.searchable) {
    const method = isMultiple(after)
      ? sql`using gin (${sql.id(column)})`
      : textual.has(after.type)
        ? sql`using gin (${sql.id(column)} gin_trgm_ops)`
        : sql`(${sql.id(column)})`;
    await sql`create index ${sql.id(indexName(table, column, 'search'))} on ${sql.id(table)} ${method}`.execute(
      db,
    );
  } else if (before?.searchable && !after.searchable) {
    await sql`drop index if exists ${sql.id(indexName(table, column, 'search'))}`.execute(db);
  }
  // `options.sortable`: a btree on (column, id), so that a list sorted by the field walks it
  // (issue 19: a sort without an index reads and sorts every matching row). Each such index
  // is one more to write per record, so it is the module designer's choice, field by field.
  const sortable = (field: FieldShape | null) => field?.options.sortable === true && !isMultiple(field);
  if (sortable(after) && !sortable(before)) {
    await sql`create index if not exists ${sql.id(indexName(table, column, 'order'))} on ${sql.id(table)} (${sql.id(column)}, id)`.execute(
      db,
    );
  } else if (sortable(before) && !sortable(after)) {
    await sql`drop index if exists ${sql.id(indexName(table, column, 'order'))}`.execute(db);
  }
}

/**
 * A link column's index. Deleting a record sets the links to it to null (the foreign key's
 * ON DELETE SET NULL): without an index on each linking column, PostgreSQL scans every
 * linking table once per deleted record (a bulk delete of 5,000 contacts with 20,000 cases
 * took 12.3 s; with the index, 30 ms). Lists of a record's related records read it too.
 * Each index is one more entry per write of a linking record (a bulk tag of 5,000 contacts
 * writes a new version of every index entry), hence partial.
 */
export async function createLinkIndex(db: Db, table: string, column: string): Promise<void> {
  // Partial: records that link nowhere (most, for many links) cost no index entry on writes,
  // and the foreign key's `= id` look-up can still use it.
  await sql`create index if not exists ${sql.id(indexName(table, column, 'link'))} on ${sql.id(table)} (${sql.id(column)}) where ${sql.id(column)} is not null`.execute(
    db,
  );
}

/** A btree on (column, id): lists sorted by a record's name walk it instead of sorting the table. */
export async function createSortIndex(db: Db, module: string, field: FieldShape): Promise<void> {
  const table = tableOf(module);
  const column = columnName(field.name);
  await sql`create index ${sql.id(indexName(table, column, 'sort'))} on ${sql.id(table)} (${sql.id(column)}, id)`.execute(
    db,
  );
}

export async function dropFieldColumn(db: Db, module: string, field: FieldShape): Promise<void> {
  await recordsDb(db).schema.alterTable(tableOf(module)).dropColumn(columnName(field.name)).execute();
}

/** How many records hold a value in the column: what removing the field would destroy. */
export async function countValues(db: Db, module: string, field: FieldShape): Promise<number> {
  const column = sql.id(columnName(field.name));
  const empty = isMultiple(field) ? sql`and cardinality(${column}) > 0` : sql``;
  const { rows } = await sql<{ count: number }>`
    select count(*)::int as count from ${sql.id(tableOf(module))} where ${column} is not null ${empty}
  `.execute(db);
  return rows[0]?.count ?? 0;
}

export { isMultiple };
