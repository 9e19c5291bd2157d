import { CompiledQuery, type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import type { ModuleDefinition } from '../studio/modules.ts';
import { getModule } from '../studio/modules.ts';
import { toRecord } from '../studio/record-schema.ts';
import { redact, visibleQueryFields } from './field-access.ts';
import { accessCondition } from './record-access.ts';
import { withDisplay } from './record-display.ts';
import {
  afterCursor,
  applyCursor,
  cursorConditions,
  cursorLead,
  orderBySorts,
  pageOf,
  parseColumns,
  parseSort,
  parseWhere,
  type QueryField,
  type SortKey,
  searchCondition,
} from './record-query.ts';
import { noteUnindexedSort, tableFacts } from './sort-index.ts';

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
 * Up to how many matching rows (the planner's estimate) a list with a `contains` or `q`
 * filter reads all its matches and sorts their top, rather than walking the sort's index.
 */
export const filterFirstRows = 25_000;

/**
 * Up to how many estimated matches the filter-first plan is taken when a `contains` is on
 * the sort's own field: the planner, costing the walk of the sort's index, takes matches to
 * be spread evenly along it, but values holding a text sort together ("contains Turing" by
 * lastName: every match sorts after most of the table), so the walk reads most of the table
 * however few rows the page needs (seconds at 1,000,000 contacts).
 */
export const filterFirstRowsOnSortField = 250_000;

/**
 * Bounded walks of the sort's index. With a `contains` on the sort's own field, at most `rows`
 * entries are walked first: where the matches are spread along the order, or sort early, the
 * page is among them and costs that walk only (a filter matching 1 % of the rows, spread,
 * needs about 5,000); otherwise the filter-first plan follows, the walk having cost at most
 * `rows` index entries. Below `minMatches` estimated matches, or `minShare` of the table, it is
 * not tried: the filter-first plan reads few enough rows that a walk which misses costs more
 * than it saves (at 100,000 contacts, surnames a ninth of the table each and sorting
 * together, a missed walk took the p95 from 41.5 to 52 ms); a dense filter is the one whose
 * matches the walk likely holds and whose reading costs most. Any other filter on a table of
 * `minTableRows` or more walks four times the entries the planner's estimate predicts
 * (between `minRows` and `maxRows`), then reads every match. (An object so tests can shrink it.)
 */
export const boundedWalk = {
  rows: 5_000,
  minMatches: 2_000,
  minShare: 0.2,
  minRows: 2_000,
  maxRows: 20_000,
  minTableRows: 50_000,
};

/** Whether a list's `where` (JSON text) uses `contains` anywhere: a trigram index can find its rows. */
function containsFilter(where: string | undefined): boolean {
  return where?.includes('"contains"') === true;
}

/** Whether `where` (json-logic) has a `contains` on `field`, anywhere in it. */
export function containsOn(where: string | undefined, field: string): boolean {
  if (!containsFilter(where)) return false;
  const walk = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(walk);
    if (node === null || typeof node !== 'object') return false;
    return Object.entries(node).some(([op, args]) => {
      if (op === 'contains' && Array.isArray(args)) {
        const target = args[0] as { var?: unknown } | null;
        if (target !== null && typeof target === 'object' && target.var === field) return true;
      }
      return walk(args);
    });
  };
  try {
    return walk(JSON.parse(where as string));
  } catch {
    return false;
  }
}

/** The planner's estimate of the rows a query returns (EXPLAIN without ANALYZE: planning only). */
async function estimatedRows(db: Db, query: { compile(): CompiledQuery }): Promise<number> {
  const compiled = query.compile();
  const { rows } = await recordsDb(db).executeQuery<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>(
    CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]),
  );
  return rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? Number.POSITIVE_INFINITY;
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
  const selected = new Set([...chosen.map((field) => field.column), ...holders]);
  const where = parseWhere(query.where, fields);
  // The module flag "searchable": off, its records are not searched.
  if (query.q && !module.searchable)
    throw new WeftError('VALIDATION', `${module.label} is not searchable`, [
      { field: 'q', reason: `${module.name} is not searchable (its "searchable" flag is off)` },
    ]);
  const search = searchCondition(query.q, fields);
  const conditions = [visible, extra, where, search].filter(
    (condition): condition is Expression<SqlBool> => condition !== null && condition !== undefined,
  );
  const from = () => recordsDb(db).selectFrom(module.table);
  let select = from().select([...selected]);
  for (const condition of conditions) select = select.where(condition);
  const first = sorts[0] as SortKey;
  const onSortField = containsOn(query.where, first.field.name);
  const limitOfFilterFirst = onSortField ? filterFirstRowsOnSortField : filterFirstRows;
  const facts = await tableFacts(db, moduleName);
  // The sort's index gives the order: one key (and id). Descending on a nullable column, the
  // walk takes the values only (backwards): NULLs sort after every value, so limit + 1 matches
  // among the values are the page; a page reaching the NULLs comes from the plans below.
  const walkable = facts.columns.has(first.column) && sorts.length === 2;
  const descNullable = first.direction === 'desc' && !first.field.notNull;
  let estimate =
    search !== undefined || containsFilter(query.where) ? await estimatedRows(db, select) : undefined;
  /** Entries of the sort's index walked first (`boundedWalk`); none: not tried. */
  let walkRows: number | undefined;
  /** After a walk that did not hold the page, read every match and sort their top. */
  let fenceAfterWalk = false;
  if (
    walkable &&
    onSortField &&
    estimate !== undefined &&
    estimate >= Math.max(boundedWalk.minMatches, boundedWalk.minShare * facts.rows)
  ) {
    walkRows = boundedWalk.rows;
  } else if (
    walkable &&
    estimate === undefined &&
    conditions.length > 0 &&
    facts.rows >= boundedWalk.minTableRows
  ) {
    // A filter (or a role's scope) on a large table: walking the sort's index and filtering as
    // it goes reads (limit + 1) / density entries if the matches are spread along the order,
    // but most of the table if they sort late (correlated columns). The walk is bounded to a
    // few times what the planner's estimate predicts; if it does not hold the page, every match
    // is read instead (at worst a scan of the table, never a walk of all of it).
    estimate = await estimatedRows(db, select);
    const predicted = ((query.limit + 1) * facts.rows) / Math.max(1, estimate);
    if (predicted <= boundedWalk.maxRows)
      walkRows = Math.min(boundedWalk.maxRows, Math.max(boundedWalk.minRows, Math.ceil(4 * predicted)));
    fenceAfterWalk = true;
  }
  if (walkRows !== undefined) {
    // The first `walkRows` rows in the sort's order (after the cursor), then the filter on
    // them: when they hold the page (limit + 1 matches), those are the first matches of the
    // whole order, so the page is the answer; otherwise one of the plans below is.
    const lead = sql.ref(first.column);
    let walk = from().selectAll();
    if (descNullable) walk = walk.where(lead, 'is not', null);
    for (const condition of cursorConditions(sorts, query.cursor)) walk = walk.where(condition);
    // Without NULLs, DESC is DESC NULLS LAST: said plainly, the order the index gives backwards,
    // inside and out (the same order both ways: the filter stops the walk at limit + 1 matches).
    const ordered = walkOrder(walk, sorts, descNullable);
    const walked = recordsDb(db).selectFrom(ordered.limit(walkRows).as(module.table));
    let found: Parameters<typeof pageOf>[0];
    if (onSortField) {
      // Only ids leave the walk: its other columns are those the filter reads, here the sort's
      // own, so the walk reads the index alone (not 5,000 heap rows when it misses); the
      // page's rows are then read by id.
      let ids = walked.select('id');
      for (const condition of conditions) ids = ids.where(condition);
      const top = walkOrder(ids, sorts, descNullable).limit(query.limit + 1);
      const page = afterCursor(
        from()
          .select([...selected])
          .where('id', 'in', top),
        sorts,
        query.cursor,
      );
      found = await walkOrder(page, sorts, descNullable)
        .limit(query.limit + 1)
        .execute();
    } else {
      // The filter reads other columns of the rows walked: the page comes out of the walk.
      let rows = walked.select([...selected]);
      for (const condition of conditions) rows = rows.where(condition);
      found = await walkOrder(afterCursor(rows, sorts, query.cursor), sorts, descNullable)
        .limit(query.limit + 1)
        .execute();
    }
    if (found.length === query.limit + 1)
      return pageAnswer(db, principal, module, names, found, query, sorts);
  }
  if (fenceAfterWalk) {
    // Every match, then their top: only ids and sort keys go through the sort, led by an
    // expression no index gives (NULLs last either way, as the sort wants), so the planner
    // neither walks the sort's index again nor gives up sorting in parallel workers (a
    // subquery fenced with OFFSET 0 would be sorted above them, every match passed up).
    let narrow = from()
      .select([...new Set(['id', ...sorts.map((key) => key.column)])])
      .orderBy(sql`(${sql.ref(first.column)} is null)`);
    for (const condition of [...conditions, ...cursorConditions(sorts, query.cursor)])
      narrow = narrow.where(condition);
    const top = orderBySorts(narrow, sorts).limit(query.limit + 1);
    select = select.where('id', 'in', recordsDb(db).selectFrom(top.as('top')).select('id'));
  } else if (estimate !== undefined && estimate <= limitOfFilterFirst) {
    // The matching rows first (a trigram index finds them), then the top of them by the sort,
    // reading only ids and sort keys: the subquery's OFFSET 0 keeps the planner from walking a
    // sort index and filtering as it goes, which reads most of the table when the matches sort
    // late ("contains Turing" by lastName). The page's rows are then read by id.
    let matched = from().select([...new Set(['id', ...sorts.map((key) => key.column)])]);
    for (const condition of [...conditions, ...cursorConditions(sorts, query.cursor)])
      matched = matched.where(condition);
    const top = orderBySorts(
      recordsDb(db).selectFrom(matched.offset(0).as('matched')).select('id'),
      sorts,
    ).limit(query.limit + 1);
    select = select.where('id', 'in', top);
  } else {
    const { columns, rows: tableRows } = facts;
    const conditionsAfter = [...conditions, ...cursorConditions(sorts, query.cursor)];
    const keys = [...new Set(['id', ...sorts.map((key) => key.column)])];
    if (!columns.has(first.column)) {
      // On a large table, the field gets a sort index of its own in the background (sort-index.ts).
      const sortField = module.fields.find((field) => field.name === first.field.name);
      if (sortField) await noteUnindexedSort(db, moduleName, sortField, tableRows);
      // No index gives this order: every matching row is read and the top sorted. Only ids
      // and sort keys go through the sort, not whole rows with their cursor (a tenth of the
      // width); the page's rows are then read by id.
      let narrow = from().select(keys);
      for (const condition of conditionsAfter) narrow = narrow.where(condition);
      const top = orderBySorts(narrow, sorts).limit(query.limit + 1);
      select = select.where('id', 'in', recordsDb(db).selectFrom(top.as('top')).select('id'));
    } else if (first.direction === 'desc' && !first.field.notNull && sorts.length === 2) {
      // DESC NULLS LAST is not an order a (column, id) btree gives in either direction: the
      // non-null values walked backwards (DESC, where no NULL is left), then the NULLs by id;
      // the page is the top of both.
      const ref = sql.ref(first.column);
      let values = from().select(keys).where(ref, 'is not', null);
      let nulls = from().select(keys).where(ref, 'is', null);
      for (const condition of conditionsAfter) {
        values = values.where(condition);
        nulls = nulls.where(condition);
      }
      const bound = cursorLead(sorts, query.cursor);
      if (bound !== undefined) values = values.where(ref, '<=', bound);
      const top = recordsDb(db)
        .selectFrom(
          values
            .orderBy(ref, 'desc')
            .orderBy('id', 'desc')
            .limit(query.limit + 1)
            .as('valued'),
        )
        .select('id')
        .unionAll(
          recordsDb(db)
            .selectFrom(
              nulls
                .orderBy('id', 'desc')
                .limit(query.limit + 1)
                .as('empty'),
            )
            .select('id'),
        );
      select = select.where('id', 'in', top);
    }
  }
  const rows = await applyCursor(select, sorts, query.cursor)
    .limit(query.limit + 1)
    .execute();
  return pageAnswer(db, principal, module, names, rows, query, sorts);
}

/**
 * The order of a bounded walk: the sorts', or with `plainDesc` (a descending sort on a nullable
 * column, the walk holding no NULL) plain DESC, the order its index gives backwards, so that
 * the planner stops the walk at the page rather than sorting all of it.
 */
function walkOrder<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sorts: readonly SortKey[],
  plainDesc: boolean,
): SelectQueryBuilder<DB, TB, O> {
  if (!plainDesc) return orderBySorts(qb, sorts);
  return qb.orderBy(sql.ref((sorts[0] as SortKey).column), 'desc').orderBy(sql.ref('id'), 'desc');
}

/** The page of `rows` (fetched with limit + 1): records with their display names, hidden fields left out. */
async function pageAnswer(
  db: Db,
  principal: Principal,
  module: ModuleDefinition,
  names: Set<string>,
  rows: Parameters<typeof pageOf>[0],
  query: RecordListQuery,
  sorts: SortKey[],
) {
  const moduleName = module.name;
  const page = pageOf(rows, query.limit, sorts);
  const records = page.items.map((row) => toRecord(module, row));
  const shown = (await withDisplay(db, module, records, principal)).map((record) =>
    Object.fromEntries(Object.entries(record).filter(([name]) => name === '_display' || names.has(name))),
  );
  return { items: shown.map((record) => redact(principal, moduleName, record)), nextCursor: page.nextCursor };
}
