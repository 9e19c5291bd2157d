import { sql } from 'kysely';
import type { ExportedDropdown } from '../../schemas/dropdowns.ts';
import type { ExportedLayout } from '../../schemas/layout.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import { conflict, type FieldProblem, invalidFields } from '../platform/errors.ts';
import { type Candidate, dropdownProblems } from './dropdowns.ts';
import { inspectLayout } from './layout-check.ts';
import { getModule } from './modules.ts';

/**
 * The Studio part of a module file: the dropdowns its fields use (with the parents they
 * depend on) and its layouts. Importing runs in two steps around the fields, inside the
 * caller's transaction: dropdowns before (fields point at them), layouts after (they
 * name fields).
 */

export interface StudioExport {
  dropdowns: ExportedDropdown[];
  layouts: ExportedLayout[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const prefixed = (prefix: string, problems: FieldProblem[]) =>
  problems.map((problem) => ({ field: `${prefix}.${problem.field}`, reason: problem.reason }));

function refuse(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidFields(problems);
}

/** Parents before children, so that each dropdown's parent is in place when it is. */
function parentsFirst<T extends { id: string; parentId: string | null }>(dropdowns: T[]): T[] {
  const byId = new Map(dropdowns.map((dropdown) => [dropdown.id, dropdown]));
  const depth = (dropdown: T, seen = 0): number => {
    const parent = dropdown.parentId === null ? undefined : byId.get(dropdown.parentId);
    return parent && seen < dropdowns.length ? 1 + depth(parent, seen + 1) : 0;
  };
  return [...dropdowns].sort((a, b) => depth(a) - depth(b));
}

export async function exportStudio(db: Db, moduleName: string): Promise<StudioExport> {
  const module = await getModule(db, moduleName);
  const used = module.fields.flatMap((field) =>
    field.type === 'dropdown' &&
    typeof field.options.dropdownId === 'string' &&
    uuidPattern.test(field.options.dropdownId)
      ? [field.options.dropdownId]
      : [],
  );
  const [dropdowns, layouts] = await Promise.all([
    used.length === 0
      ? []
      : sql<ExportedDropdown>`
          with recursive wanted(id) as (
            select unnest(${used}::uuid[])
            union
            select d.parent_id from dropdowns d join wanted on d.id = wanted.id where d.parent_id is not null
          )
          select d.id, d.name, d.options, d.multi, d.parent_id as "parentId", d.dependencies
          from dropdowns d join wanted on d.id = wanted.id
          order by d.name`
          .execute(db)
          .then((result) => result.rows),
    db
      .selectFrom('layouts')
      .select(['name', 'definition', 'defaultView', 'defaultForm'])
      .where('module', '=', moduleName)
      .orderBy('name')
      .execute(),
  ]);
  return {
    dropdowns: parentsFirst(dropdowns),
    // Names of fields removed since a layout was saved stay behind: the file must import cleanly.
    layouts: layouts.map((layout) => ({
      ...layout,
      definition: inspectLayout(module, layout.definition).pruned,
    })),
  };
}

/**
 * Installs a file's dropdowns and answers, for each, the local id its fields must use.
 * A dropdown already here (same id: a file from this installation; or same name, values,
 * multi flag and parent) is reused as it is. Otherwise it is created under its exported id, so
 * ids stay stable across installations, renamed "… (imported)" if its name is taken.
 */
export async function importStudioDropdowns(
  trx: Db,
  dropdowns: ExportedDropdown[],
): Promise<Record<string, string>> {
  const localIds: Record<string, string> = {};
  const index = new Map(dropdowns.map((dropdown, i) => [dropdown, i]));
  for (const dropdown of parentsFirst(dropdowns)) {
    const path = `dropdowns[${index.get(dropdown)}]`;
    const parentId = dropdown.parentId === null ? null : (localIds[dropdown.parentId] ?? dropdown.parentId);
    const local = await findLocal(trx, dropdown, parentId);
    if (local) {
      localIds[dropdown.id] = local;
      continue;
    }
    const parent =
      parentId === null
        ? undefined
        : await trx
            .selectFrom('dropdowns')
            .select(['name', 'options', 'multi', 'parentId', 'dependencies'])
            .where('id', '=', parentId)
            .executeTakeFirst();
    if (parentId !== null && !parent)
      refuse([
        { field: `${path}.parentId`, reason: 'names a dropdown that is neither in the file nor here' },
      ]);
    const candidate: Candidate = { ...dropdown, parentId, name: await freeName(trx, dropdown.name) };
    refuse(prefixed(path, dropdownProblems(candidate, parent)));
    await trx
      .insertInto('dropdowns')
      .values({
        ...candidate,
        id: dropdown.id,
        options: JSON.stringify(candidate.options),
        dependencies: JSON.stringify(candidate.dependencies),
      })
      .execute();
    localIds[dropdown.id] = dropdown.id;
  }
  return localIds;
}

async function findLocal(
  trx: Db,
  dropdown: ExportedDropdown,
  parentId: string | null,
): Promise<string | undefined> {
  const sameId = await trx
    .selectFrom('dropdowns')
    .select('id')
    .where('id', '=', dropdown.id)
    .executeTakeFirst();
  if (sameId) return sameId.id;
  const sameName = await trx
    .selectFrom('dropdowns')
    .select(['id', 'options', 'multi', 'parentId'])
    .where(sql<boolean>`lower(name) = lower(${dropdown.name})`)
    .executeTakeFirst();
  const values = (options: { value: string }[]) => JSON.stringify(options.map((option) => option.value));
  const same =
    sameName &&
    sameName.multi === dropdown.multi &&
    sameName.parentId === parentId &&
    values(sameName.options) === values(dropdown.options);
  return same ? sameName.id : undefined;
}

async function freeName(trx: Db, name: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const candidate = attempt === 0 ? name : `${name} (imported${attempt === 1 ? '' : ` ${attempt}`})`;
    const taken = await trx
      .selectFrom('dropdowns')
      .select('id')
      .where(sql<boolean>`lower(name) = lower(${candidate})`)
      .executeTakeFirst();
    if (!taken) return candidate;
  }
}

/**
 * Installs a file's layouts on a module whose fields are in place, checked as the API
 * checks them. A layout the file marks as a default becomes the module's default.
 */
export async function importStudioLayouts(
  trx: Db,
  moduleName: string,
  layouts: ExportedLayout[],
): Promise<void> {
  const module = await getModule(trx, moduleName);
  const problems: FieldProblem[] = [];
  for (const kind of ['defaultView', 'defaultForm'] as const) {
    const marked = layouts.flatMap((layout, i) => (layout[kind] ? [i] : []));
    for (const i of marked.slice(1))
      problems.push({ field: `layouts[${i}].${kind}`, reason: `is also set on layouts[${marked[0]}]` });
  }
  layouts.forEach((layout, i) => {
    const inspection = inspectLayout(module, layout.definition);
    const path = `layouts[${i}].definition`;
    problems.push(...prefixed(path, inspection.errors));
    if (layout.defaultForm) problems.push(...prefixed(path, inspection.missingRequired));
  });
  refuse(problems);
  for (const kind of ['defaultView', 'defaultForm'] as const)
    if (layouts.some((layout) => layout[kind]))
      await trx
        .updateTable('layouts')
        .set({ [kind]: false })
        .where('module', '=', moduleName)
        .execute();
  for (const [i, layout] of layouts.entries()) {
    try {
      await trx
        .insertInto('layouts')
        .values({
          module: moduleName,
          name: layout.name,
          definition: JSON.stringify(layout.definition),
          defaultView: layout.defaultView,
          defaultForm: layout.defaultForm,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`layouts[${i}].name`, 'is taken by another layout of this module');
      throw error;
    }
  }
}
