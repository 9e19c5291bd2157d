import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import type { FieldDefinition, ModuleDefinition } from '../studio/modules.ts';

/**
 * Records written many at a time (an import's batch, a web form's batch of leads, a
 * rollback's deletes) as one statement each: the rows, their changelog rows and their
 * outbox events, built in SQL from the rows as written, so that they never come back to
 * this process to be converted, diffed and sent again. The outbox rule holds: every record
 * written here has its changelog row and its event in the same statement.
 */

/** A column as `toRecord` answers it: a date-time as JavaScript's `toISOString` prints it. */
function columnValue(field: FieldDefinition) {
  const column = sql.id(columnName(field.name));
  return field.type === 'dateTime'
    ? sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : column;
}

/**
 * A records table's row as the API answers it (`toRecord`), as SQL over the row's columns:
 * camelCase field names, a date-time as JavaScript's `toISOString` prints it, the rest as JSON has them.
 */
export function recordJson(module: ModuleDefinition) {
  const pairs = [
    sql`'id', id`,
    ...module.fields.map((field) => sql`${field.name}::text, ${columnValue(field)}`),
  ];
  // jsonb_build_object takes at most 100 arguments: 40 fields a call, joined.
  const calls = [];
  for (let i = 0; i < pairs.length; i += 40)
    calls.push(sql`jsonb_build_object(${sql.join(pairs.slice(i, i + 40))})`);
  return sql.join(calls, sql` || `);
}

/**
 * The changelog's `changes` of a record created (every field with a value, from nothing) or
 * deleted (every field with a value, to nothing), as SQL over the row's columns: the same
 * JSON as `diff` of the record from or to nothing, written as text and read once as jsonb.
 * (Built from the record's JSON with jsonb_each and jsonb_object_agg it cost PostgreSQL three
 * times as much: about 50 ms per 1,000 records of a 27-field module, the largest part of an
 * import's statement after the row itself; bench/README.md.)
 */
export function changesJson(module: ModuleDefinition, action: 'create' | 'delete') {
  // A created record's times are not changes; a deleted one's creation time is kept.
  const skipped = action === 'create' ? ['createdAt', 'updatedAt'] : ['updatedAt'];
  const fields = module.fields.filter((field) => !skipped.includes(field.name));
  if (fields.length === 0) return sql`'{}'::jsonb`;
  const entries = fields.map((field) => {
    const key = JSON.stringify(field.name);
    const [open, close] =
      action === 'create' ? [`${key}:{"before":null,"after":`, '}'] : [`${key}:{"before":`, ',"after":null}'];
    const column = sql.id(columnName(field.name));
    return sql`case when ${column} is not null then ${sql.lit(open)} || to_json(${columnValue(field)})::text || ${sql.lit(close)} end`;
  });
  return sql`('{' || concat_ws(',', ${sql.join(entries)}) || '}')::jsonb`;
}

export interface NewRecords {
  module: ModuleDefinition;
  /** The columns the rows give (the same for every row: a column left out takes its default). */
  columns: string[];
  /** The rows, as table columns, serialised as one JSON array. */
  rows: string;
  actor: Actor;
  /** Added to every event's payload (an import's `importedWithoutFlows`). */
  mark?: Record<string, unknown>;
  /** The import these records belong to: their `import_records` rows are written too. */
  importId?: string;
  /** Each record as the API answers it comes back too (else only its id). */
  returnRecords?: boolean;
}

/** A value given per call, in a statement compiled once (`insertNewRecords`). */
class Slot {
  readonly name: 'rows' | 'actorId' | 'actorName' | 'mark' | 'importId';
  constructor(name: Slot['name']) {
    this.name = name;
  }
}

/**
 * One statement: the rows (read as the table's row type from one JSON parameter, with
 * jsonb_populate_recordset: no parameter per value to bind and check), each record's
 * changelog row (`create`, every field with a value) and its events (`record.created` with
 * the record, then a `tag.added` per tag), in the rows' order.
 */
function newRecordsStatement(
  module: ModuleDefinition,
  columnNames: string[],
  { recorded, returnRecords }: { recorded: boolean; returnRecords: boolean },
) {
  const table = sql.table(module.table);
  const columns = sql.join(columnNames.map((column) => sql.id(column)));
  const actorId = new Slot('actorId');
  const importRecords = recorded
    ? sql`, recorded as (
        insert into import_records (import_id, record_id, action)
        select ${new Slot('importId')}::uuid, id, 'created' from made
        on conflict do nothing
      )`
    : sql``;
  return sql`
    with inserted as (
      insert into ${table} (${columns})
      select ${columns} from jsonb_populate_recordset(null::${table}, ${new Slot('rows')}::jsonb)
      returning *
    ), made as (
      select row_number() over () as n, id, ${recordJson(module)} as record, ${changesJson(module, 'create')} as changes
      from inserted
    ), logged as (
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      select ${module.name}, id, 'create', changes, ${actorId}::uuid, ${new Slot('actorName')}
      from made order by n
    ), emitted as (
      insert into events (type, module, record_id, payload, actor_id)
      select e.type, ${module.name}, made.id, e.payload || ${new Slot('mark')}::jsonb, ${actorId}::uuid
      from made cross join lateral (
        select 0::bigint as k, 'record.created' as type, jsonb_build_object('record', made.record) as payload
        union all
        select t.k, 'tag.added', jsonb_build_object('tag', t.tag)
        from jsonb_array_elements_text(coalesce(made.record -> 'tags', '[]'::jsonb)) with ordinality as t(tag, k)
      ) as e
      order by made.n, e.k
    )${importRecords}
    select id${returnRecords ? sql`, record` : sql``} from made order by n`;
}

/**
 * Statements compiled per module definition (a changed definition is a new object) and set
 * of columns: building and compiling this one anew took a fifth of Weft's CPU in an import.
 */
const compiledStatements = new WeakMap<ModuleDefinition, Map<string, CompiledQuery>>();
const maxPerModule = 64;

/**
 * Writes the records, their changelog rows, events (and import_records rows) in one
 * statement; answers each record's id (and record), in the rows' order.
 */
export async function insertNewRecords(
  trx: Db,
  input: NewRecords,
): Promise<{ id: string; record?: Record<string, unknown> }[]> {
  const options = { recorded: input.importId !== undefined, returnRecords: input.returnRecords === true };
  const key = `${input.columns.join(',')}|${options.recorded}|${options.returnRecords}`;
  let statements = compiledStatements.get(input.module);
  if (!statements) {
    statements = new Map();
    compiledStatements.set(input.module, statements);
  }
  let compiled = statements.get(key);
  if (!compiled) {
    compiled = newRecordsStatement(input.module, input.columns, options).compile(recordsDb(trx));
    if (statements.size < maxPerModule) statements.set(key, compiled);
  }
  const values = {
    rows: input.rows,
    actorId: input.actor.id,
    actorName: input.actor.username,
    mark: JSON.stringify(input.mark ?? {}),
    importId: input.importId ?? null,
  };
  const parameters = compiled.parameters.map((value) => (value instanceof Slot ? values[value.name] : value));
  const { rows } = await recordsDb(trx).executeQuery<{ id: string; record?: Record<string, unknown> }>(
    CompiledQuery.raw(compiled.sql, parameters),
  );
  return rows;
}
