import { type Selectable, sql } from 'kysely';
import type { Dropdown, DropdownInput, DropdownOption, DropdownPatch } from '../../schemas/dropdowns.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import type { DropdownsTable } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import {
  conflict,
  type FieldProblem,
  invalid,
  invalidFields,
  notFound,
  WeftError,
} from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import { forgetDropdowns } from './dropdown-values.ts';

const columns = [
  'id',
  'name',
  'options',
  'multi',
  'parentId',
  'dependencies',
  'createdAt',
  'updatedAt',
] as const;

export const toDropdown = (row: Selectable<DropdownsTable>): Dropdown => ({ ...row });

export async function listDropdowns(
  db: Db,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('dropdowns').select(columns);
  if (query.q) select = select.where('name', 'ilike', containsPattern(query.q));
  if (after)
    select = select.where((eb) =>
      eb(eb.refTuple('name', 'id'), '>', eb.tuple(String(after[0]), String(after[1]))),
    );
  const rows = await select
    .orderBy('name')
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.name, row.id]);
  return { items: page.items.map(toDropdown), nextCursor: page.nextCursor };
}

export async function getDropdown(db: Db, id: string): Promise<Dropdown> {
  const row = await db.selectFrom('dropdowns').select(columns).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Dropdown');
  return toDropdown(row);
}

/** The fields (of any module) whose values come from a dropdown. */
export async function fieldsUsing(db: Db, dropdownId: string) {
  const { rows } = await sql<{ module: string; name: string; multiple: boolean }>`
    select module, name, coalesce((options->>'multiple')::boolean, false) as multiple
    from module_fields
    where type = 'dropdown' and options->>'dropdownId' = ${dropdownId}
    order by module, name`.execute(db);
  return rows;
}

export type Candidate = Pick<Dropdown, 'name' | 'options' | 'multi' | 'parentId' | 'dependencies'>;

/** Rules a JSON Schema cannot say: unique values, and dependencies that name real values. */
export function dropdownProblems(candidate: Candidate, parent: Candidate | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const first = new Map<string, number>();
  candidate.options.forEach((option, index) => {
    const earlier = first.get(option.value);
    if (earlier === undefined) first.set(option.value, index);
    else problems.push({ field: `options[${index}].value`, reason: `repeats options[${earlier}].value` });
  });
  const entries = Object.entries(candidate.dependencies);
  if (!parent) {
    if (entries.length > 0) problems.push({ field: 'dependencies', reason: 'needs a parentId' });
    return problems;
  }
  const parentValues = new Set(parent.options.map((option) => option.value));
  for (const [parentValue, values] of entries) {
    const path = `dependencies[${JSON.stringify(parentValue)}]`;
    if (!parentValues.has(parentValue))
      problems.push({ field: path, reason: `is not a value of the parent dropdown "${parent.name}"` });
    values.forEach((value, index) => {
      if (!first.has(value))
        problems.push({ field: `${path}[${index}]`, reason: 'is not a value of this dropdown' });
    });
  }
  return problems;
}

/** Walks up from the proposed parent: reaching the dropdown itself would make a cycle. */
async function loadParent(db: Db, id: string | undefined, parentId: string | null) {
  if (parentId === null) return undefined;
  if (parentId === id) throw invalid('parentId', 'cannot be the dropdown itself');
  const parent = await db
    .selectFrom('dropdowns')
    .select(columns)
    .where('id', '=', parentId)
    .executeTakeFirst();
  if (!parent) throw invalid('parentId', 'names a dropdown that does not exist');
  if (id !== undefined) {
    const { rows } = await sql<{ id: string }>`
      with recursive up(id, parent_id) as (
        select id, parent_id from dropdowns where id = ${parentId}
        union
        select d.id, d.parent_id from dropdowns d join up on d.id = up.parent_id
      )
      select id from up where id = ${id}`.execute(db);
    if (rows.length > 0)
      throw invalid('parentId', 'would make the dropdowns depend on each other in a cycle');
  }
  return parent;
}

function refuse(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidFields(problems);
}

async function guardName<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('name', 'is taken by another dropdown');
    throw error;
  }
}

/** Keeps only the dependency entries whose parent value and child values still exist. */
function prune(
  dependencies: Record<string, string[]>,
  parentValues: Set<string> | null,
  ownValues: Set<string> | null,
) {
  return Object.fromEntries(
    Object.entries(dependencies)
      .filter(([parentValue]) => parentValues === null || parentValues.has(parentValue))
      .map(([parentValue, values]) => [
        parentValue,
        ownValues === null ? values : values.filter((value) => ownValues.has(value)),
      ]),
  );
}

const valuesOf = (options: DropdownOption[]) => new Set(options.map((option) => option.value));

export async function createDropdown(db: Db, actor: Actor, input: DropdownInput): Promise<Dropdown> {
  const candidate: Candidate = {
    name: input.name,
    options: input.options,
    multi: input.multi ?? false,
    parentId: input.parentId ?? null,
    dependencies: input.dependencies ?? {},
  };
  return db.transaction().execute(async (trx) => {
    const parent = await loadParent(trx, undefined, candidate.parentId);
    refuse(dropdownProblems(candidate, parent));
    const row = await guardName(() =>
      trx
        .insertInto('dropdowns')
        .values({
          ...candidate,
          options: JSON.stringify(candidate.options),
          dependencies: JSON.stringify(candidate.dependencies),
        })
        .returning(columns)
        .executeTakeFirstOrThrow(),
    );
    await audit(trx, actor, 'dropdown.create', { type: 'dropdown', id: row.id }, { name: row.name });
    return toDropdown(row);
  });
}

/**
 * A patch replaces what it names. Options it drops leave the dependencies (its own and its
 * children's) that named them, rather than refusing: removing a value is what was asked.
 */
export async function updateDropdown(
  db: Db,
  actor: Actor,
  id: string,
  patch: DropdownPatch,
): Promise<Dropdown> {
  const changed = await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('dropdowns')
      .select(columns)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('Dropdown');
    const parentId = patch.parentId === undefined ? current.parentId : patch.parentId;
    const parent = await loadParent(trx, id, parentId);
    const options = patch.options ?? current.options;
    const dependencies =
      patch.dependencies ??
      (parentId === current.parentId
        ? prune(current.dependencies, parent ? valuesOf(parent.options) : null, valuesOf(options))
        : {});
    const candidate: Candidate = {
      name: patch.name ?? current.name,
      options,
      multi: patch.multi ?? current.multi,
      parentId,
      dependencies,
    };
    refuse(dropdownProblems(candidate, parent));
    if (current.multi && !candidate.multi) {
      const multiple = (await fieldsUsing(trx, id)).filter((field) => field.multiple);
      if (multiple.length > 0)
        throw conflict(
          'multi',
          `cannot be turned off: multi-select fields use it (${multiple.map((f) => `${f.module}.${f.name}`).join(', ')})`,
        );
    }
    const row = await guardName(() =>
      trx
        .updateTable('dropdowns')
        .set({
          ...candidate,
          options: JSON.stringify(candidate.options),
          dependencies: JSON.stringify(candidate.dependencies),
          updatedAt: sql`now()`,
        })
        .where('id', '=', id)
        .returning(columns)
        .executeTakeFirstOrThrow(),
    );
    const children = patch.options ? await pruneChildren(trx, id, valuesOf(options)) : [];
    await audit(trx, actor, 'dropdown.update', { type: 'dropdown', id }, { fields: Object.keys(patch) });
    return { row, ids: [id, ...children] };
  });
  forgetDropdowns(changed.ids);
  return toDropdown(changed.row);
}

async function pruneChildren(trx: Db, id: string, values: Set<string>): Promise<string[]> {
  const children = await trx
    .selectFrom('dropdowns')
    .select(['id', 'dependencies'])
    .where('parentId', '=', id)
    .execute();
  for (const child of children) {
    await trx
      .updateTable('dropdowns')
      .set({ dependencies: JSON.stringify(prune(child.dependencies, values, null)), updatedAt: sql`now()` })
      .where('id', '=', child.id)
      .execute();
  }
  return children.map((child) => child.id);
}

/** Reorders without touching labels: `values` must be exactly the dropdown's values. */
export async function reorderDropdown(db: Db, actor: Actor, id: string, values: string[]): Promise<Dropdown> {
  const row = await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('dropdowns')
      .select(['options'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('Dropdown');
    const byValue = new Map(current.options.map((option) => [option.value, option]));
    const problems: FieldProblem[] = values.flatMap((value, index) =>
      byValue.has(value) ? [] : [{ field: `values[${index}]`, reason: 'is not a value of this dropdown' }],
    );
    const given = new Set(values);
    for (const value of byValue.keys())
      if (!given.has(value)) problems.push({ field: 'values', reason: `leaves out "${value}"` });
    refuse(problems);
    const options = values.map((value) => byValue.get(value)).filter((option) => option !== undefined);
    const updated = await trx
      .updateTable('dropdowns')
      .set({ options: JSON.stringify(options), updatedAt: sql`now()` })
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'dropdown.reorder', { type: 'dropdown', id });
    return updated;
  });
  forgetDropdowns([id]);
  return toDropdown(row);
}

/** Refused while a field or a dependent dropdown uses it: the 409 names them. */
export async function deleteDropdown(db: Db, actor: Actor, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('dropdowns')
      .select(['id', 'name'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw notFound('Dropdown');
    const [fields, children] = await Promise.all([
      fieldsUsing(trx, id),
      trx.selectFrom('dropdowns').select(['id', 'name']).where('parentId', '=', id).orderBy('name').execute(),
    ]);
    if (fields.length > 0 || children.length > 0) {
      const users = [
        ...fields.map((field) => `field ${field.module}.${field.name}`),
        ...children.map((child) => `dropdown "${child.name}"`),
      ];
      throw new WeftError('CONFLICT', `Dropdown "${current.name}" is in use by ${users.join(', ')}`, {
        fields: fields.map(({ module, name }) => ({ module, name })),
        dropdowns: children,
      });
    }
    await trx.deleteFrom('dropdowns').where('id', '=', id).execute();
    await audit(trx, actor, 'dropdown.delete', { type: 'dropdown', id }, { name: current.name });
  });
  forgetDropdowns([id]);
}
