/**
 * `sort` and keyset pagination over any sort: several keys, mixed directions, nullable
 * columns (NULLs last in either direction), `id` as the final tiebreaker so that the
 * order is total and every row is served exactly once however many share a value.
 *
 * The cursor carries the last row's sort values as PostgreSQL printed them (through
 * `to_json`), not as they reached JavaScript: a `Date` keeps milliseconds but
 * `timestamptz` has microseconds, and a cursor rounded to the millisecond would serve a
 * row twice or skip one.
 */
import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import {
  type Bound,
  fieldMap,
  idField,
  kindOf,
  lookupField,
  type QueryField,
  refuse,
  scalarFor,
} from './record-fields.ts';

export interface SortKey {
  field: QueryField;
  column: string;
  direction: 'asc' | 'desc';
}

const maxSortKeys = 8;

/** `sort=-createdAt,lastName`: the keys in order, `id` last unless already listed. */
export function parseSort(sort: string | undefined, fields: readonly QueryField[]): SortKey[] {
  const map = fieldMap(fields);
  const keys: SortKey[] = [];
  const parts = sort === undefined || sort.trim() === '' ? [] : sort.split(',').map((part) => part.trim());
  if (parts.length > maxSortKeys) throw refuse('sort', `has more than ${maxSortKeys} fields`);
  for (const part of parts) {
    const direction = part.startsWith('-') ? 'desc' : 'asc';
    const name = direction === 'desc' ? part.slice(1) : part;
    if (name === '') throw refuse('sort', 'has an empty field name');
    const field = lookupField(map, name, 'sort');
    if (kindOf(field) === 'list') throw refuse('sort', `cannot sort by the list field "${name}"`);
    if (keys.some((key) => key.field.name === field.name)) throw refuse('sort', `lists "${name}" twice`);
    keys.push({ field, column: field.column, direction });
  }
  if (!keys.some((key) => key.field.name === 'id')) {
    // Same direction as the key before it: `-createdAt` then walks an index on (created_at, id) backwards.
    const id = map.get('id') ?? idField;
    keys.push({ field: id, column: id.column, direction: keys.at(-1)?.direction ?? 'asc' });
  }
  return keys;
}

/** The hidden column holding each row's sort values; `$` survives kysely's CamelCasePlugin both ways. */
export const cursorColumn = 'weft$cursor';
type CursorKey = (string | null)[];
type WithCursor = { [cursorColumn]: CursorKey };

const signature = (sorts: readonly SortKey[]) =>
  sorts.map((key) => `${key.direction === 'desc' ? '-' : ''}${key.field.name}`).join(',');

function decode(cursor: string, sorts: readonly SortKey[]): (Bound | null)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse('cursor', 'is not one this API issued');
  }
  const { s, k } = (parsed ?? {}) as { s?: unknown; k?: unknown };
  if (
    typeof s !== 'string' ||
    !Array.isArray(k) ||
    k.length !== sorts.length ||
    !k.every((part) => part === null || typeof part === 'string')
  ) {
    throw refuse('cursor', 'is not one this API issued');
  }
  if (s !== signature(sorts)) throw refuse('cursor', `was issued for sort "${s}", not "${signature(sorts)}"`);
  return sorts.map((key, i) => {
    const value = k[i] as string | null;
    return value === null ? null : scalarFor(key.field, value, 'cursor');
  });
}

/** Rows strictly after `values` in the order of `sorts`, built from the last key outwards. */
function after(sorts: readonly SortKey[], values: readonly (Bound | null)[]): RawBuilder<SqlBool> {
  let condition: RawBuilder<SqlBool> | undefined;
  for (let i = sorts.length - 1; i >= 0; i--) {
    const key = sorts[i] as SortKey;
    const value = values[i] ?? null;
    const ref = sql.ref(key.column);
    const op = sql.raw(key.direction === 'asc' ? '>' : '<');
    // With NULLs last nothing follows a NULL in its own column; NULLs follow every value.
    const beyond =
      value === null
        ? undefined
        : key.field.notNull
          ? sql<SqlBool>`${ref} ${op} ${value}`
          : sql<SqlBool>`(${ref} ${op} ${value} or ${ref} is null)`;
    const same = value === null ? sql<SqlBool>`${ref} is null` : sql<SqlBool>`${ref} = ${value}`;
    const tie = condition ? sql<SqlBool>`(${same} and ${condition})` : undefined;
    condition = beyond && tie ? sql<SqlBool>`(${beyond} or ${tie})` : (beyond ?? tie ?? sql<SqlBool>`false`);
  }
  return condition ?? sql<SqlBool>`false`;
}

/** A redundant bound on the first key, which an index on that column can serve as a range. */
function leadingBound(key: SortKey, value: Bound | null): RawBuilder<SqlBool> | undefined {
  const ref = sql.ref(key.column);
  if (value === null) return sql<SqlBool>`${ref} is null`;
  if (!key.field.notNull) return undefined;
  return sql<SqlBool>`${ref} ${sql.raw(key.direction === 'asc' ? '>=' : '<=')} ${value}`;
}

/**
 * Orders `qb` by `sorts`, keeps only the rows after `cursor`, and selects the hidden
 * cursor column that `pageOf`/`cursorFor` read. Fetch `limit + 1` rows, then `pageOf`.
 */
export function applyCursor<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sorts: readonly SortKey[],
  cursor: string | undefined,
): SelectQueryBuilder<DB, TB, O & WithCursor> {
  return orderBySorts(afterCursor(qb, sorts, cursor), sorts);
}

/** `applyCursor` without the ORDER BY: the rows after `cursor`, with the hidden cursor column. */
export function afterCursor<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sorts: readonly SortKey[],
  cursor: string | undefined,
): SelectQueryBuilder<DB, TB, O & WithCursor> {
  const keyValues = sql.join(sorts.map((key) => sql`to_json(${sql.ref(key.column)}) #>> '{}'`));
  let next = qb.select(sql<CursorKey>`array[${keyValues}]::text[]`.as(cursorColumn)) as SelectQueryBuilder<
    DB,
    TB,
    O & WithCursor
  >;
  for (const condition of cursorConditions(sorts, cursor)) next = next.where(condition);
  return next;
}

/** The conditions that keep the rows after `cursor` (none without one). */
export function cursorConditions(
  sorts: readonly SortKey[],
  cursor: string | undefined,
): RawBuilder<SqlBool>[] {
  if (cursor === undefined) return [];
  const values = decode(cursor, sorts);
  const bound = leadingBound(sorts[0] as SortKey, values[0] ?? null);
  return [...(bound ? [bound] : []), after(sorts, values)];
}

/**
 * The first sort key's value in `cursor` when it has one (not NULL): with that key
 * descending, a row after the cursor with a value there holds at most this one.
 */
export function cursorLead(sorts: readonly SortKey[], cursor: string | undefined): Bound | undefined {
  if (cursor === undefined) return undefined;
  return decode(cursor, sorts)[0] ?? undefined;
}

/** The ORDER BY of `sorts` (`applyCursor`'s), on any query whose rows have the sort columns. */
export function orderBySorts<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  sorts: readonly SortKey[],
): SelectQueryBuilder<DB, TB, O> {
  let next = qb;
  for (const key of sorts) {
    // ASC is NULLS LAST already; DESC needs it said, except where no NULL can occur, so that
    // a plain index on a NOT NULL column still serves a descending sort.
    next = next.orderBy(sql.ref(key.column), (ob) =>
      key.direction === 'asc' ? ob.asc() : key.field.notNull ? ob.desc() : ob.desc().nullsLast(),
    );
  }
  return next;
}

/** The opaque cursor that continues after `row` (a row selected through `applyCursor`). */
export function cursorFor(row: WithCursor, sorts: readonly SortKey[]): string {
  return Buffer.from(JSON.stringify({ s: signature(sorts), k: row[cursorColumn] })).toString('base64url');
}

/** Rows fetched with `limit + 1`: the page, without the hidden column, and the next cursor. */
export function pageOf<T extends WithCursor>(
  rows: readonly T[],
  limit: number,
  sorts: readonly SortKey[],
): { items: Omit<T, typeof cursorColumn>[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? cursorFor(last, sorts) : null;
  const items = page.map(({ [cursorColumn]: _key, ...item }) => item);
  return { items, nextCursor };
}
