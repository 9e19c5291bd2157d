import type { Expression, SqlBool } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import type { ModuleDefinition } from '../studio/modules.ts';
import { getModule } from '../studio/modules.ts';
import { toRecord } from '../studio/record-schema.ts';
import { redact, visibleQueryFields } from './field-access.ts';
import { accessCondition } from './record-access.ts';
import { withDisplay } from './record-display.ts';
import {
  applyCursor,
  pageOf,
  parseColumns,
  parseSort,
  parseWhere,
  type QueryField,
  searchCondition,
} from './record-query.ts';

export interface RecordListQuery {
  limit: number;
  cursor?: string | undefined;
  sort?: string | undefined;
  columns?: string | undefined;
  q?: string | undefined;
  where?: string | undefined;
}

/** Columns every records table declares NOT NULL: keyset pages may use plain index order on them. */
const notNull = new Set(['createdAt', 'updatedAt', 'visibility', 'tags']);

/** A module's fields as the query compiler sees them. */
export function queryFieldsOf(module: ModuleDefinition): QueryField[] {
  return module.fields.map((field) => ({
    name: field.name,
    column: columnName(field.name),
    type: field.type,
    multiple: field.options.multiple === true,
    searchable: field.searchable,
    notNull: notNull.has(field.name),
  }));
}

/**
 * A page of the records the principal may view, filtered by `where` (json-logic), `q`,
 * sorted (newest first unless `sort` says otherwise) and paged by keyset. The role scope
 * is part of the WHERE clause, so a record outside it is never fetched.
 */
export async function listRecords(
  db: Db,
  principal: Principal,
  moduleName: string,
  query: RecordListQuery,
  /** A further condition, e.g. a list's membership or saved filter. */
  extra?: Expression<SqlBool>,
) {
  const module = await getModule(db, moduleName);
  const visible = await accessCondition(db, principal, moduleName, 'view');
  // Hidden fields are unknown to the query: filtering, sorting or searching on one is refused.
  const fields = visibleQueryFields(principal, moduleName, queryFieldsOf(module));
  const sorts = parseSort(query.sort ?? '-createdAt', fields);
  const chosen = parseColumns(query.columns, fields);
  const names = new Set(chosen.map((field) => field.name));
  // A polymorphic link's name needs the field that holds its module, selected or not.
  const holders = module.fields
    .filter((field) => names.has(field.name) && typeof field.options.moduleField === 'string')
    .map((field) => columnName(String(field.options.moduleField)));
  let select = recordsDb(db)
    .selectFrom(module.table)
    .select([...new Set([...chosen.map((field) => field.column), ...holders])]);
  if (visible) select = select.where(visible);
  if (extra) select = select.where(extra);
  const where = parseWhere(query.where, fields);
  if (where) select = select.where(where);
  const search = searchCondition(query.q, fields);
  if (search) select = select.where(search);
  const rows = await applyCursor(select, sorts, query.cursor)
    .limit(query.limit + 1)
    .execute();
  const page = pageOf(rows, query.limit, sorts);
  const records = page.items.map((row) => toRecord(module, row));
  const shown = (await withDisplay(db, module, records, principal)).map((record) =>
    Object.fromEntries(Object.entries(record).filter(([name]) => name === '_display' || names.has(name))),
  );
  return { items: shown.map((record) => redact(principal, moduleName, record)), nextCursor: page.nextCursor };
}
