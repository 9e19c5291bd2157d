/**
 * The pre-flight check of an import: the whole file against the mapping, before anything is
 * written. Every row goes through the same preparation the import runs (cell values, link
 * names, required fields, dropdowns, assignees, keys), which only reads; the answer says how
 * many rows would be created, updated, skipped or fail, each column's problems with sample
 * rows, and how many active flows would run for the imported records.
 */
import type { ImportQuery } from '../../schemas/imports.ts';
import type { Db } from '../db/index.ts';
import { type Principal, requireScope } from '../platform/authz.ts';
import { invalid } from '../platform/errors.ts';
import { getModule } from '../studio/modules.ts';
import { type FileFormat, readTable } from './import-parse.ts';
import { prepareBatch, type RowError } from './import-rows.ts';
import { batchSize, nextBatch, preparerFor } from './import-run.ts';
import { checkMapping, suggestMapping } from './import-values.ts';
import { targetsOf } from './imports.ts';

export interface ColumnProblems {
  field: string | null;
  label: string;
  column: string | null;
  rows: number;
  samples: { row: number; value: string; reason: string }[];
}

export interface Preflight {
  total: number;
  create: number;
  update: number;
  skip: number;
  fail: number;
  columns: ColumnProblems[];
  /** Active flows on records of this module being created or updated: they would run. */
  flows: { created: number; updated: number };
}

const samplesPerColumn = 3;

export async function preflightImport(
  db: Db,
  principal: Principal,
  query: ImportQuery,
  data: Buffer,
  format: FileFormat,
): Promise<Preflight> {
  if (query.module === 'users') throw invalid('module', 'users are checked when their import runs');
  const targets = await targetsOf(db, principal, query.module);
  const module = await getModule(db, query.module);
  const mode = query.mode ?? 'create';
  if (mode === 'update') requireScope(principal, query.module, 'update');
  const table = await readTable(data, format);
  let given: unknown;
  try {
    given = query.mapping === undefined ? undefined : JSON.parse(query.mapping);
  } catch {
    throw invalid('mapping', 'is not valid JSON');
  }
  const mapping =
    given === undefined ? suggestMapping(table.header, targets) : checkMapping(given, table.header, targets);
  const keyField = query.keyField ?? null;
  if (mode !== 'create' && keyField === null) throw invalid('keyField', `is required in ${mode} mode`);
  const tags = (query.tags ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  const preparer = await preparerFor(
    db,
    { mode, keyField, mapping, route: query.route ?? false, tags },
    module,
    principal,
    table.header,
  );
  const sources = table.rows.map((cells, index) => ({ row: index + 2, cells }));
  const result: Preflight = {
    total: sources.length,
    create: 0,
    update: 0,
    skip: 0,
    fail: 0,
    columns: [],
    flows: { created: 0, updated: 0 },
  };
  const errors: RowError[] = [];
  for (let start = 0; start < sources.length; ) {
    const batch = nextBatch(preparer, sources, start, batchSize);
    const prepared = await prepareBatch(db, preparer, batch);
    for (const plan of prepared.plans) result[plan.kind === 'update' ? 'update' : 'create']++;
    result.skip += prepared.skipped;
    result.fail += prepared.failedRows;
    errors.push(...prepared.errors);
    start += batch.length;
  }
  const columnOf = new Map(Object.entries(mapping).map(([column, field]) => [field, column]));
  const byField = new Map<string | null, ColumnProblems>();
  for (const error of errors) {
    let entry = byField.get(error.field);
    if (!entry) {
      const column = error.field === null ? null : (columnOf.get(error.field) ?? null);
      entry = {
        field: error.field,
        label: targets.find((target) => target.name === error.field)?.label ?? error.field ?? 'The row',
        column,
        rows: 0,
        samples: [],
      };
      byField.set(error.field, entry);
    }
    entry.rows++;
    if (entry.samples.length < samplesPerColumn) {
      const index = entry.column === null ? -1 : table.header.indexOf(entry.column);
      const value = index === -1 ? '' : (table.rows[error.row - 2]?.[index] ?? '');
      entry.samples.push({ row: error.row, value, reason: error.reason });
    }
  }
  result.columns = [...byField.values()].sort((a, b) => b.rows - a.rows);
  const flows = await db
    .selectFrom('flows')
    .select(['triggerType'])
    .where('active', '=', true)
    .where('triggerModule', '=', query.module)
    .execute();
  result.flows = {
    created: flows.filter((flow) => flow.triggerType === 'trigger.recordCreated').length,
    updated: flows.filter((flow) => flow.triggerType === 'trigger.recordUpdated').length,
  };
  return result;
}
