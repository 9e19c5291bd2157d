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
import { recordsDb } from '../studio/fields.ts';
import { displayExpression, getModule, type ModuleDefinition } from '../studio/modules.ts';
import { LinkCreator, type LinkReport, parseLinkChoices } from './import-links.ts';
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
  /** Active flows on records of this module being created or updated: they would run if asked. */
  flows: { created: number; updated: number };
  /**
   * Per link field, the names that match no record (`missing`) or several (`ambiguous`, with
   * the records they match): the choices the user makes (`links` of the import).
   */
  links: LinkIssues[];
}

export interface LinkIssues {
  field: string;
  label: string;
  module: string;
  moduleLabel: string;
  /** Whether a record of the linked module can be created from a name alone (one display field). */
  canCreate: boolean;
  missing: { name: string; rows: number }[];
  ambiguous: { name: string; rows: number; candidates: { id: string; name: string }[] }[];
}

/** Names listed per field, at most: the counts still cover them all. */
const namesPerField = 50;

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
  const linkChoices = parseLinkChoices(query.links, module);
  const preparer = await preparerFor(
    db,
    { mode, keyField, mapping, route: query.route ?? false, tags, linkChoices },
    module,
    principal,
    table.header,
    { dryRun: true },
  );
  preparer.linkReport = new Map();
  const sources = table.rows.map((cells, index) => ({ row: index + 2, cells }));
  const result: Preflight = {
    total: sources.length,
    create: 0,
    update: 0,
    skip: 0,
    fail: 0,
    columns: [],
    flows: { created: 0, updated: 0 },
    links: [],
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
  result.links = await linkIssues(db, module, preparer.linkReport);
  result.flows = {
    created: flows.filter((flow) => flow.triggerType === 'trigger.recordCreated').length,
    updated: flows.filter((flow) => flow.triggerType === 'trigger.recordUpdated').length,
  };
  return result;
}

async function linkIssues(
  db: Db,
  module: ModuleDefinition,
  report: Map<string, LinkReport>,
): Promise<LinkIssues[]> {
  const issues: LinkIssues[] = [];
  for (const [name, entry] of report) {
    const field = module.fields.find((candidate) => candidate.name === name);
    const target = field?.options.module;
    if (!field || typeof target !== 'string') continue;
    const linked = await getModule(db, target);
    const ambiguous = [...entry.ambiguous.values()].slice(0, namesPerField);
    const ids = [...new Set(ambiguous.flatMap((item) => item.ids))];
    const names = new Map<string, string>();
    if (ids.length > 0) {
      const rows = await recordsDb(db)
        .selectFrom(linked.table)
        .select(['id', displayExpression(linked).as('name')])
        .where('id', 'in', ids)
        .execute();
      for (const row of rows as { id: unknown; name: string | null }[])
        names.set(String(row.id), row.name ?? '');
    }
    issues.push({
      field: name,
      label: field.label,
      module: target,
      moduleLabel: linked.label,
      canCreate: LinkCreator.fieldFor(linked) !== null,
      missing: [...entry.missing.values()]
        .slice(0, namesPerField)
        .map(({ text, rows }) => ({ name: text, rows })),
      ambiguous: ambiguous.map(({ text, rows, ids: matched }) => ({
        name: text,
        rows,
        candidates: matched.map((id) => ({ id, name: names.get(id) ?? id })),
      })),
    });
  }
  return issues;
}
