import { type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { ImportMode } from '../db/types.ts';
import type { Principal } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import { checkDropdownValue, loadDropdown } from '../studio/dropdown-values.ts';
import { columnName, isMultiple, recordsDb, tableOf } from '../studio/fields.ts';
import type { FieldDefinition, ModuleDefinition } from '../studio/modules.ts';
import { displayExpression, getModule } from '../studio/modules.ts';
import { toRecord, validateRecordInput } from '../studio/record-schema.ts';
import type { Plan, Values } from './import-batch.ts';
import { type LinkChoices, LinkCreator, type LinkReport } from './import-links.ts';
import { BadCell, cellValue, LinkName } from './import-values.ts';

/**
 * From a batch of rows to the plans the batch writes: each row's values, whether it
 * creates, updates or is skipped, and why a row fails. Checks that need the database
 * (matching keys, links, assignees) run once per batch, not once per row.
 */

export interface RowError {
  row: number;
  field: string | null;
  reason: string;
}

/** What stays the same for every batch of one import. */
export interface Preparer {
  module: ModuleDefinition;
  principal: Principal;
  mode: ImportMode;
  /** The key field's name (`id` or a field), for update and skip. */
  keyField: string | null;
  keyColumn: number | null;
  columns: { index: number; field: FieldDefinition }[];
  route: boolean;
  tags: string[];
  /** username / group name (lower-cased) → id */
  names: ReadonlyMap<string, string>;
  /** Every user and group id: an assignment must name one. */
  assignees: ReadonlySet<string>;
  /** The assignees the principal's create scope reaches; null: anyone. */
  reach: ReadonlySet<string> | null;
  /** The update (or, for skip, view) scope as SQL; null: every record. */
  matchable: ReturnType<typeof sql<SqlBool>> | null;
  /** What to do with link names that match no record or several (import-links.ts). */
  links?: LinkChoices;
  /** Creates linked records for unmatched names; absent in a pre-flight, which writes nothing. */
  creator?: LinkCreator;
  /** The pre-flight's tally of unmatched and ambiguous link names, per field. */
  linkReport?: Map<string, LinkReport>;
}

export interface Prepared {
  plans: Plan[];
  errors: RowError[];
  failedRows: number;
  skipped: number;
}

export interface SourceRow {
  row: number;
  cells: string[];
}

/** The key text of a row, trimmed; empty means the row matches nothing. */
export const keyOf = (preparer: Preparer, cells: string[]) =>
  preparer.keyColumn === null ? '' : (cells[preparer.keyColumn] ?? '').trim();

interface Parsed {
  row: number;
  key: string;
  present: Values;
  /** What the row's empty cells clear a matched record's fields to. */
  blanks: Values;
}

function parseRow(preparer: Preparer, source: SourceRow, errors: RowError[]): Parsed | null {
  const present: Values = {};
  const blanks: Values = {};
  let bad = false;
  for (const { index, field } of preparer.columns) {
    const text = source.cells[index] ?? '';
    if (text === '') {
      // An empty cell clears an optional field of a matched record, and leaves a required one alone.
      if (!field.required) blanks[field.name] = isMultiple(field) ? [] : null;
      continue;
    }
    try {
      present[field.name] = cellValue(field, text, preparer.names);
    } catch (error) {
      if (!(error instanceof BadCell)) throw error;
      errors.push({ row: source.row, field: field.name, reason: error.message });
      bad = true;
    }
  }
  return bad ? null : { row: source.row, key: keyOf(preparer, source.cells), present, blanks };
}

const union = (...lists: unknown[]) => [
  ...new Set(lists.flatMap((list) => (Array.isArray(list) ? list.map(String) : []))),
];

function problemsOf(row: number, error: unknown): RowError[] {
  if (!(error instanceof WeftError)) throw error;
  const details = Array.isArray(error.details)
    ? (error.details as { field?: string; reason?: string }[])
    : [];
  if (details.length === 0) return [{ row, field: null, reason: error.message }];
  return details.map((detail) => ({
    row,
    field: detail.field?.split('.')[0] ?? null,
    reason: detail.reason ?? error.message,
  }));
}

/**
 * A key as the value it stands for, so that "5" and "5.0", or an id in capitals, find
 * their record; null when the text cannot be a value of the key field.
 */
function keyValue(preparer: Preparer, text: string): unknown {
  if (preparer.keyField === 'id') return /^[0-9a-f-]{36}$/i.test(text) ? text.toLowerCase() : null;
  const field = preparer.module.fields.find((candidate) => candidate.name === preparer.keyField);
  if (!field) return null;
  try {
    return cellValue(field, text, preparer.names);
  } catch {
    return null;
  }
}

const canonical = (value: unknown) => JSON.stringify(value);

/** The records whose key matches, by canonical key value. */
async function matchKeys(db: Db, preparer: Preparer, keys: unknown[]): Promise<Map<string, Values[]>> {
  const found = new Map<string, Values[]>();
  const { module, keyField } = preparer;
  if (keys.length === 0 || keyField === null) return found;
  const column = keyField === 'id' ? 'id' : columnName(keyField);
  let select = recordsDb(db).selectFrom(module.table).selectAll().where(sql.ref(column), 'in', keys);
  if (preparer.matchable) select = select.where(preparer.matchable);
  for (const row of await select.execute()) {
    const record = toRecord(module, row);
    const key = canonical(keyField === 'id' ? record.id : record[keyField]);
    found.set(key, [...(found.get(key) ?? []), record]);
  }
  return found;
}

/** A managed dropdown's value must be one of its values (allowed by the parent's value when dependent). */
async function dropdownProblem(
  db: Db,
  module: ModuleDefinition,
  field: FieldDefinition,
  given: Values,
  record: Values,
): Promise<string | null> {
  if (field.type !== 'dropdown' || typeof field.options.dropdownId !== 'string') return null;
  const dropdown = await loadDropdown(db, field.options.dropdownId);
  if (!dropdown) return field.name in given ? 'uses a dropdown that no longer exists' : null;
  const parent = dropdown.parentId
    ? module.fields.find((candidate) => candidate.options.dropdownId === dropdown.parentId)
    : undefined;
  if (!(field.name in given) && !(parent && parent.name in given)) return null;
  return checkDropdownValue(dropdown, record[field.name], {
    multiple: field.options.multiple === true,
    parentValue: parent ? (record[parent.name] as string | string[] | null | undefined) : undefined,
  });
}

/** Links must name existing records and assignments users or groups: one query per target module. */
async function checkReferences(
  db: Db,
  preparer: Preparer,
  plans: Plan[],
  errors: RowError[],
): Promise<Plan[]> {
  const links = preparer.module.fields.filter((field) => field.type === 'link');
  const wanted = new Map<string, Set<string>>();
  const targetOf = (field: FieldDefinition, values: Values) => {
    const { module, moduleField } = field.options;
    if (typeof module === 'string') return module;
    return typeof moduleField === 'string' && typeof values[moduleField] === 'string'
      ? (values[moduleField] as string)
      : undefined;
  };
  for (const plan of plans) {
    for (const field of links) {
      const value = plan.values[field.name];
      const target = targetOf(field, plan.values);
      if (typeof value === 'string' && target)
        wanted.set(target, (wanted.get(target) ?? new Set()).add(value));
    }
  }
  const existing = new Set<string>();
  for (const [target, ids] of wanted) {
    const rows = await recordsDb(db)
      .selectFrom(tableOf(target))
      .select('id')
      .where('id', 'in', [...ids])
      .execute()
      .catch(() => []);
    for (const row of rows) existing.add(`${target}:${String(row.id)}`);
  }
  const dropdowns = preparer.module.fields.filter(
    (field) => field.type === 'dropdown' && typeof field.options.dropdownId === 'string',
  );
  const assignments = preparer.module.fields.filter((field) => field.type === 'assignment');
  const valid: Plan[] = [];
  for (const plan of plans) {
    const problems: RowError[] = [];
    for (const field of links) {
      const value = plan.values[field.name];
      if (typeof value !== 'string') continue;
      const target = targetOf(field, plan.values);
      if (!target)
        problems.push({ row: plan.row, field: field.name, reason: 'needs its module set as well' });
      else if (!existing.has(`${target}:${value}`))
        problems.push({ row: plan.row, field: field.name, reason: `names no ${target} record` });
    }
    const record = plan.kind === 'update' ? { ...plan.before, ...plan.values } : plan.values;
    for (const field of dropdowns) {
      const problem = await dropdownProblem(db, preparer.module, field, plan.values, record);
      if (problem) problems.push({ row: plan.row, field: field.name, reason: problem });
    }
    for (const field of assignments) {
      const value = plan.values[field.name];
      if (field.type !== 'assignment' || typeof value !== 'string') continue;
      if (!preparer.assignees.has(value))
        problems.push({ row: plan.row, field: field.name, reason: 'is not a user or group' });
      else if (
        field.name === 'assignedTo' &&
        plan.kind === 'create' &&
        preparer.reach &&
        !preparer.reach.has(value)
      )
        problems.push({
          row: plan.row,
          field: field.name,
          reason: 'is outside what your roles let you create',
        });
    }
    if (problems.length > 0) errors.push(...problems);
    else valid.push(plan);
  }
  return valid;
}

/**
 * Link cells given by name ("Acme Ltd" in a Company column) become the id of the one record
 * of the target module with that name (its display fields) or that email; none or several
 * is the row's error, said with the name. One query per linked module and batch.
 */
async function resolveLinkNames(
  db: Db,
  preparer: Preparer,
  parsed: Parsed[],
  errors: RowError[],
): Promise<Parsed[]> {
  const links = preparer.module.fields.filter((field) => field.type === 'link');
  const wanted = new Map<string, Set<string>>();
  for (const row of parsed)
    for (const field of links) {
      const value = row.present[field.name];
      const target = field.options.module;
      if (value instanceof LinkName && typeof target === 'string')
        wanted.set(target, (wanted.get(target) ?? new Set()).add(value.text.toLowerCase()));
    }
  const found = new Map<string, string[]>();
  const labels = new Map<string, string>();
  for (const [target, names] of wanted) {
    const module = await getModule(db, target);
    labels.set(target, module.label);
    const name = sql<string>`lower(${displayExpression(module)})`;
    const hasEmail = module.fields.some((field) => field.name === 'email' && field.type === 'email');
    const rows = await recordsDb(db)
      .selectFrom(module.table)
      .select(['id', name.as('name'), ...(hasEmail ? [sql<string>`lower(email)`.as('email')] : [])])
      .where((eb) =>
        hasEmail
          ? eb.or([eb(name, 'in', [...names]), eb(sql`lower(email)`, 'in', [...names])])
          : eb(name, 'in', [...names]),
      )
      .execute();
    for (const row of rows as { id: unknown; name: string | null; email?: string | null }[])
      for (const key of new Set([row.name, row.email].filter((k): k is string => typeof k === 'string'))) {
        const at = `${target}:${key}`;
        found.set(at, [...(found.get(at) ?? []), String(row.id)]);
      }
  }
  const kept: Parsed[] = [];
  for (const row of parsed) {
    let ok = true;
    for (const field of links) {
      const value = row.present[field.name];
      if (!(value instanceof LinkName)) continue;
      const target = field.options.module;
      if (typeof target !== 'string') {
        errors.push({ row: row.row, field: field.name, reason: `"${value.text}" is not a record id` });
        ok = false;
        continue;
      }
      const lower = value.text.toLowerCase();
      const ids = found.get(`${target}:${lower}`) ?? [];
      const label = labels.get(target) ?? target;
      const choice = preparer.links?.[field.name];
      if (ids.length === 1) {
        row.present[field.name] = ids[0];
        continue;
      }
      reportLink(preparer, field.name, value.text, ids);
      const picked = choice?.picks[lower];
      if (ids.length > 1 && picked && ids.includes(picked)) row.present[field.name] = picked;
      else if ((ids.length === 0 ? choice?.missing : choice?.ambiguous) === 'empty')
        row.present[field.name] = null;
      else if (ids.length === 0 && choice?.missing === 'create') {
        const module = await getModule(db, target);
        if (!LinkCreator.fieldFor(module)) {
          errors.push({
            row: row.row,
            field: field.name,
            reason: `no record of ${label} is named "${value.text}", and one cannot be made from a name alone`,
          });
          ok = false;
        } else if (preparer.creator) {
          try {
            row.present[field.name] = await preparer.creator.create(module, value.text);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            errors.push({
              row: row.row,
              field: field.name,
              reason: `"${value.text}" could not be created: ${reason}`,
            });
            ok = false;
          }
        } else row.present[field.name] = null;
      } else {
        errors.push({
          row: row.row,
          field: field.name,
          reason:
            ids.length === 0
              ? `no record of ${label} is named "${value.text}"`
              : `${ids.length} records of ${label} are named "${value.text}": choose one, or give the record's id`,
        });
        ok = false;
      }
    }
    if (ok) kept.push(row);
  }
  return kept;
}

function reportLink(preparer: Preparer, field: string, text: string, ids: string[]) {
  const report = preparer.linkReport;
  if (!report) return;
  let entry = report.get(field);
  if (!entry) {
    entry = { missing: new Map(), ambiguous: new Map() };
    report.set(field, entry);
  }
  const key = text.toLowerCase();
  if (ids.length === 0) {
    const known = entry.missing.get(key) ?? { text, rows: 0 };
    known.rows++;
    entry.missing.set(key, known);
  } else {
    const known = entry.ambiguous.get(key) ?? { text, rows: 0, ids };
    known.rows++;
    entry.ambiguous.set(key, known);
  }
}

/** Plans for a batch: rows whose keys repeat within it must be split off by the caller first. */
export async function prepareBatch(db: Db, preparer: Preparer, sources: SourceRow[]): Promise<Prepared> {
  const errors: RowError[] = [];
  const parsed = await resolveLinkNames(
    db,
    preparer,
    sources.flatMap((source) => parseRow(preparer, source, errors) ?? []),
    errors,
  );
  const matching = preparer.mode !== 'create' && preparer.keyField !== null;
  const keys = new Map<Parsed, unknown>();
  if (matching) {
    for (const row of parsed) {
      const value = row.key === '' ? null : keyValue(preparer, row.key);
      if (value !== null) keys.set(row, value);
    }
  }
  const matches = matching
    ? await matchKeys(db, preparer, [
        ...new Map([...keys.values()].map((value) => [canonical(value), value])).values(),
      ])
    : new Map<string, Values[]>();
  const plans: Plan[] = [];
  let skipped = 0;
  for (const row of parsed) {
    const found = keys.has(row) ? (matches.get(canonical(keys.get(row))) ?? []) : [];
    try {
      if (found.length > 1) {
        errors.push({ row: row.row, field: preparer.keyField, reason: `matches ${found.length} records` });
      } else if (found.length === 1 && preparer.mode === 'skip') {
        skipped++;
      } else if (found[0]) {
        const before = found[0];
        const values: Values = { ...row.blanks, ...row.present };
        delete values.id;
        if (preparer.tags.length > 0) values.tags = union(values.tags ?? before.tags, preparer.tags);
        if (Object.keys(values).length > 0) validateRecordInput(preparer.module, 'update', values);
        plans.push({ kind: 'update', row: row.row, id: String(before.id), before, values });
      } else {
        const values: Values = { ...row.present };
        // Matched on id and matching nothing: the record is created with that id, so that links
        // to it from other modules' rows of the same export still hold.
        const key = keys.get(row);
        const keep = preparer.keyField === 'id' && typeof key === 'string' ? key : undefined;
        delete values.id;
        if (preparer.tags.length > 0) values.tags = union(values.tags, preparer.tags);
        const route = preparer.route && !('assignedTo' in values);
        if (!route && !('assignedTo' in values)) values.assignedTo = preparer.principal.id;
        validateRecordInput(preparer.module, 'create', values);
        plans.push({ kind: 'create', row: row.row, values, route, ...(keep ? { id: keep } : {}) });
      }
    } catch (error) {
      errors.push(...problemsOf(row.row, error));
    }
  }
  const valid = await checkReferences(db, preparer, plans, errors);
  return { plans: valid, errors, failedRows: new Set(errors.map((error) => error.row)).size, skipped };
}
