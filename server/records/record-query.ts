/**
 * The record query compiler: what a list request's `where`, `sort`, `cursor`, `q` and
 * `columns` mean in SQL over one module's table. Pure of HTTP; every function throws a
 * 400 WeftError naming the query parameter for input it cannot take.
 *
 *   const sorts = parseSort(query.sort, fields);
 *   let qb = db.selectFrom(table).select(parseColumns(query.columns, fields).map((f) => f.column));
 *   const where = parseWhere(query.where, fields);
 *   if (where) qb = qb.where(where);
 *   const search = searchCondition(query.q, fields);
 *   if (search) qb = qb.where(search);
 *   const rows = await applyCursor(qb, sorts, query.cursor).limit(query.limit + 1).execute();
 *   return pageOf(rows, query.limit, sorts);
 */
export type { FieldType, QueryField } from './record-fields.ts';
export { parseColumns } from './record-fields.ts';
export {
  afterCursor,
  applyCursor,
  cursorColumn,
  cursorConditions,
  cursorFor,
  cursorLead,
  orderBySorts,
  pageOf,
  parseSort,
  type SortKey,
} from './record-keyset.ts';
export { isSearchable, searchCondition } from './record-search.ts';
export { compileWhere, parseWhere } from './record-where.ts';
