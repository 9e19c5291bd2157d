import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Principal, scopeFor } from '../platform/authz.ts';
import { recordsDb, tableOf } from '../studio/fields.ts';
import { displayExpression, findModule, type ModuleDefinition } from '../studio/modules.ts';
import { accessCondition } from './record-access.ts';

/**
 * The names that go with ids: a link field's record (by its module's display fields), an
 * assignment's user or group. Records answer them under `_display`, keyed by field.
 */

type RecordValues = Record<string, unknown>;

/** What a viewer reads in place of the name of a linked record they may not view. */
export const restrictedName = 'restricted';

/**
 * Display names of records of one module, by id. With a viewer, a record outside their
 * view scope answers `restrictedName` instead of its name (its existence is already told
 * by the link itself; its name is not theirs to read).
 */
export async function recordNames(
  db: Db,
  module: ModuleDefinition,
  ids: string[],
  viewer?: Principal,
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const hidden = viewer !== undefined && scopeFor(viewer, module.name, 'view') === 'none';
  const condition = viewer && !hidden ? await accessCondition(db, viewer, module.name, 'view') : null;
  const rows = await recordsDb(db)
    .selectFrom(tableOf(module.name))
    .select([
      'id',
      displayExpression(module).as('name'),
      (hidden ? sql<boolean>`false` : (condition ?? sql<boolean>`true`)).as('visible'),
    ])
    .where(sql<boolean>`id = any(${ids}::uuid[])`)
    .execute();
  return new Map(rows.map((row) => [String(row.id), row.visible ? String(row.name ?? '') : restrictedName]));
}

/** Names of users (first and last name, else username) and groups, by id. */
export async function assigneeNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const [users, groups] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'username', 'firstName', 'lastName'])
      .where('id', 'in', ids)
      .execute(),
    db.selectFrom('groups').select(['id', 'name']).where('id', 'in', ids).execute(),
  ]);
  const names = new Map<string, string>();
  for (const user of users) names.set(user.id, `${user.firstName} ${user.lastName}`.trim() || user.username);
  for (const group of groups) names.set(group.id, group.name);
  return names;
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The target module of a link field in one record (fixed, or held by another field of the record). */
function targetOf(field: ModuleDefinition['fields'][number], record: RecordValues): string | undefined {
  if (typeof field.options.module === 'string') return field.options.module;
  const holder = field.options.moduleField;
  return typeof holder === 'string' && typeof record[holder] === 'string' ? record[holder] : undefined;
}

/**
 * Adds `_display: { field: name }` to each record for its link and assignment fields. With a
 * viewer, linked records they may not view show as `restrictedName`.
 */
export async function withDisplay(
  db: Db,
  module: ModuleDefinition,
  records: RecordValues[],
  viewer?: Principal,
): Promise<RecordValues[]> {
  const links = module.fields.filter((field) => field.type === 'link');
  const assignments = module.fields.filter((field) => field.type === 'assignment');
  const wanted = new Map<string, Set<string>>();
  for (const record of records) {
    for (const field of links) {
      const target = targetOf(field, record);
      const id = record[field.name];
      if (target && isId(id)) wanted.set(target, (wanted.get(target) ?? new Set()).add(id));
    }
  }
  const names = new Map<string, Map<string, string>>();
  for (const [target, ids] of wanted) {
    const definition = target === module.name ? module : await findModule(db, target);
    if (definition) names.set(target, await recordNames(db, definition, [...ids], viewer));
  }
  const people = await assigneeNames(db, [
    ...new Set(records.flatMap((record) => assignments.map((field) => record[field.name]).filter(isId))),
  ]);
  return records.map((record) => {
    const display: Record<string, string | null> = {};
    for (const field of links) {
      const id = record[field.name];
      const target = targetOf(field, record);
      if (field.name in record)
        display[field.name] = isId(id) && target ? (names.get(target)?.get(id) ?? null) : null;
    }
    for (const field of assignments) {
      const id = record[field.name];
      if (field.name in record) display[field.name] = isId(id) ? (people.get(id) ?? null) : null;
    }
    return { ...record, _display: display };
  });
}
