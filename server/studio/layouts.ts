import { type Selectable, sql } from 'kysely';
import type { LayoutDefinition, LayoutInput, LayoutKind, LayoutView } from '../../schemas/layout.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import type { LayoutsTable } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, type FieldProblem, invalidFields, notFound } from '../platform/errors.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import { generateLayout, inspectLayout } from './layout-check.ts';
import { getModule, type ModuleDefinition } from './modules.ts';

/**
 * Form layouts, several per module. At most one is the default view and one the default
 * form (partial unique indexes); a module without one gets a generated layout.
 */

const columns = [
  'id',
  'module',
  'name',
  'definition',
  'defaultView',
  'defaultForm',
  'createdAt',
  'updatedAt',
] as const;
type LayoutRow = Selectable<LayoutsTable>;

const flag = (kind: LayoutKind) => (kind === 'form' ? 'defaultForm' : 'defaultView');

/**
 * A stored layout as readers get it: names that are no longer fields of the module (a
 * field removed since) are left out, and said in `warnings`, so the UI renders what exists.
 */
function toView(module: ModuleDefinition, row: LayoutRow): LayoutView {
  const inspection = inspectLayout(module, row.definition);
  return {
    id: row.id,
    module: row.module,
    name: row.name,
    sections: inspection.pruned.sections,
    defaultView: row.defaultView,
    defaultForm: row.defaultForm,
    generated: false,
    warnings: [...inspection.errors, ...inspection.missingRequired],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function refuse(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidFields(problems);
}

/**
 * Unknown and repeated fields are always refused. A layout that is the default form must
 * also show every required field: a form without one could never be saved. Other layouts
 * may leave them out (a view shows a subset; a draft is unfinished) and get a warning.
 */
function check(module: ModuleDefinition, definition: LayoutDefinition, defaultForm: boolean) {
  const inspection = inspectLayout(module, definition);
  refuse([...inspection.errors, ...(defaultForm ? inspection.missingRequired : [])]);
}

async function guardName<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('name', 'is taken by another layout of this module');
    throw error;
  }
}

export async function listLayouts(
  db: Db,
  moduleName: string,
  query: { limit: number; cursor?: string | undefined },
) {
  const module = await getModule(db, moduleName);
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('layouts').select(columns).where('module', '=', moduleName);
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
  return { items: page.items.map((row) => toView(module, row)), nextCursor: page.nextCursor };
}

async function findRow(db: Db, moduleName: string, id: string, lock = false) {
  let select = db.selectFrom('layouts').select(columns).where('module', '=', moduleName).where('id', '=', id);
  if (lock) select = select.forUpdate();
  const row = await select.executeTakeFirst();
  if (!row) throw notFound('Layout');
  return row;
}

export async function getLayout(db: Db, moduleName: string, id: string): Promise<LayoutView> {
  const module = await getModule(db, moduleName);
  return toView(module, await findRow(db, moduleName, id));
}

/**
 * The default layout of a kind. One layout is both view and form unless the admin says
 * otherwise: without a layout marked for this kind, the one marked for the other kind is
 * used, else the module's only layout (a form only if it places every required field, so a
 * record can be saved from it); else one generated from the fields.
 */
export async function defaultLayout(db: Db, moduleName: string, kind: LayoutKind): Promise<LayoutView> {
  const module = await getModule(db, moduleName);
  const rows = await db.selectFrom('layouts').select(columns).where('module', '=', moduleName).execute();
  const other: LayoutKind = kind === 'form' ? 'view' : 'form';
  const usable = (row: LayoutRow) =>
    kind === 'view' || inspectLayout(module, row.definition).missingRequired.length === 0;
  const row =
    rows.find((r) => r[flag(kind)]) ??
    rows.find((r) => r[flag(other)] && usable(r)) ??
    (rows.length === 1 && rows[0] && usable(rows[0]) ? rows[0] : undefined);
  if (row) return toView(module, row);
  return {
    id: null,
    module: moduleName,
    name: `${module.label} (generated)`,
    ...generateLayout(module, kind),
    defaultView: false,
    defaultForm: false,
    generated: true,
    warnings: [],
    createdAt: null,
    updatedAt: null,
  };
}

export async function createLayout(db: Db, actor: Actor, moduleName: string, input: LayoutInput) {
  return db.transaction().execute(async (trx) => {
    const module = await getModule(trx, moduleName);
    check(module, { sections: input.sections }, false);
    const row = await guardName(() =>
      trx
        .insertInto('layouts')
        .values({
          module: moduleName,
          name: input.name,
          definition: JSON.stringify({ sections: input.sections }),
        })
        .returning(columns)
        .executeTakeFirstOrThrow(),
    );
    await audit(
      trx,
      actor,
      'layout.create',
      { type: 'layout', id: row.id },
      { module: moduleName, name: input.name },
    );
    return toView(module, row);
  });
}

/** Replaces a layout's name and sections; its default flags stay. */
export async function updateLayout(db: Db, actor: Actor, moduleName: string, id: string, input: LayoutInput) {
  return db.transaction().execute(async (trx) => {
    const module = await getModule(trx, moduleName);
    const current = await findRow(trx, moduleName, id, true);
    check(module, { sections: input.sections }, current.defaultForm);
    const row = await guardName(() =>
      trx
        .updateTable('layouts')
        .set({
          name: input.name,
          definition: JSON.stringify({ sections: input.sections }),
          updatedAt: sql`now()`,
        })
        .where('id', '=', id)
        .returning(columns)
        .executeTakeFirstOrThrow(),
    );
    await audit(
      trx,
      actor,
      'layout.update',
      { type: 'layout', id },
      { module: moduleName, name: input.name },
    );
    return toView(module, row);
  });
}

/** Deleting a default leaves the module on its generated layout until another is chosen. */
export async function deleteLayout(db: Db, actor: Actor, moduleName: string, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .deleteFrom('layouts')
      .where('module', '=', moduleName)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('Layout');
    await audit(trx, actor, 'layout.delete', { type: 'layout', id }, { module: moduleName });
  });
}

/**
 * Makes a layout the module's default of a kind and the previous one not, in one
 * transaction. The module's layouts are locked first, so that concurrent switches run one
 * after the other and each sees the default the previous one left.
 */
export async function setDefaultLayout(
  db: Db,
  actor: Actor,
  moduleName: string,
  id: string,
  kind: LayoutKind,
): Promise<LayoutView> {
  return db.transaction().execute(async (trx) => {
    const module = await getModule(trx, moduleName);
    await trx
      .selectFrom('layouts')
      .select('id')
      .where('module', '=', moduleName)
      .orderBy('id')
      .forUpdate()
      .execute();
    const current = await findRow(trx, moduleName, id);
    if (kind === 'form') refuse(inspectLayout(module, current.definition).missingRequired);
    const column = flag(kind);
    await trx
      .updateTable('layouts')
      .set({ [column]: false })
      .where('module', '=', moduleName)
      .where(column, '=', true)
      .where('id', '!=', id)
      .execute();
    const row = await trx
      .updateTable('layouts')
      .set({ [column]: true })
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'layout.default', { type: 'layout', id }, { module: moduleName, kind });
    return toView(module, row);
  });
}
