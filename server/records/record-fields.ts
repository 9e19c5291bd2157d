/**
 * What the record query compiler needs to know about a module's fields, and the checks
 * that turn a caller's value into one PostgreSQL will accept for that field's column. A
 * value that passes here can be bound as a parameter without PostgreSQL failing to parse
 * it: bad input is refused with a 400 naming the query parameter, never a 5xx.
 */
import { invalid, WeftError } from '../platform/errors.ts';

export type FieldType =
  | 'text'
  | 'longText'
  | 'number'
  | 'currency'
  | 'percentage'
  | 'date'
  | 'dateTime'
  | 'boolean'
  | 'email'
  | 'phone'
  | 'url'
  | 'dropdown'
  | 'link'
  | 'assignment'
  | 'rating'
  | 'tags'
  | 'visibility';

export interface QueryField {
  /** The API name (`leadSource`), used in `where`, `sort`, `columns`. */
  name: string;
  /** The PostgreSQL column (`lead_source`), optionally table-qualified (`c.lead_source`). */
  column: string;
  type: FieldType;
  /** A multi-select dropdown (`options.multiple`): its column is `text[]`. */
  multiple?: boolean;
  searchable: boolean;
  /** The column can never hold NULL (id, created_at): lets keyset pages use plain index order. */
  notNull?: boolean;
}

/** How a field's column behaves in SQL. */
export type ColumnKind = 'text' | 'number' | 'integer' | 'date' | 'timestamp' | 'boolean' | 'uuid' | 'list';

export function kindOf(field: QueryField): ColumnKind {
  switch (field.type) {
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
    case 'url':
    case 'visibility':
      return 'text';
    case 'dropdown':
      return field.multiple ? 'list' : 'text';
    case 'tags':
      return 'list';
    case 'number':
    case 'currency':
    case 'percentage':
      return 'number';
    case 'rating':
      return 'integer';
    case 'date':
      return 'date';
    case 'dateTime':
      return 'timestamp';
    case 'boolean':
      return 'boolean';
    case 'link':
    case 'assignment':
      return 'uuid';
  }
}

/** Every record has an id; it is the keyset tiebreaker even when the caller lists no such field. */
export const idField: QueryField = {
  name: 'id',
  column: 'id',
  type: 'link',
  searchable: false,
  notNull: true,
};

/** Query parameters whose problems are reported; `cursor` problems are BAD_REQUEST like pagination.ts's. */
export type QueryParam = 'where' | 'sort' | 'cursor' | 'columns' | 'q';

export function refuse(param: QueryParam, reason: string): WeftError {
  if (param === 'cursor') {
    return new WeftError('BAD_REQUEST', `cursor ${reason}`, [{ field: 'cursor', reason }]);
  }
  return invalid(param, reason);
}

/** A value quoted in an error reason, cut short: the reason echoes input, it must not echo all of it. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const forbiddenNames = new Set(['__proto__', 'prototype', 'constructor']);

/** Field lookup by API name; a Map, so that no name can reach an object prototype. */
export function fieldMap(fields: readonly QueryField[]): Map<string, QueryField> {
  const map = new Map<string, QueryField>([['id', idField]]);
  for (const field of fields) map.set(field.name, field);
  return map;
}

export function lookupField(map: Map<string, QueryField>, name: string, param: QueryParam): QueryField {
  if (name.split('.').some((segment) => forbiddenNames.has(segment))) {
    throw refuse(param, `forbidden field name "${name}"`);
  }
  const field = map.get(name);
  if (!field) throw refuse(param, `unknown field "${name}"`);
  return field;
}

/** Scalars a parameter can carry; arrays of them for `= any(...)`. */
export type Bound = string | number | boolean;

// Exponents past three digits overflow numeric (a 500 from PostgreSQL, not a 400 from us).
const numeric = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?$/;
const integer = /^[-+]?\d+$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoTimestamp =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-](\d{2})(?::?(\d{2}))?)?)?$/i;
// Ratings are a smallint column.
const smallint = 2 ** 15 - 1;

function realDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dateValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = isoDate.exec(value);
  return m && realDate(Number(m[1]), Number(m[2]), Number(m[3])) ? value : undefined;
}

/** ISO 8601; a time without a zone is UTC, so results do not depend on the session's TimeZone. */
function timestampValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = isoTimestamp.exec(value);
  if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  if (Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) return undefined;
  // PostgreSQL refuses offsets beyond ±15:59.
  if (Number(m[8] ?? 0) > 15 || Number(m[9] ?? 0) > 59) return undefined;
  if (m[4] === undefined) return `${value}T00:00:00Z`;
  return m[7] === undefined ? `${value}Z` : value;
}

function numberValue(value: unknown): number | string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && numeric.test(value.trim()) ? value.trim() : undefined;
}

function integerValue(value: unknown): number | string | undefined {
  const n = typeof value === 'string' && integer.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= smallint ? n : undefined;
}

/** PostgreSQL text cannot hold U+0000: JSON's "\u0000" in `where` or a forged cursor would fail there. */
function textValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? undefined : value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function booleanValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

const expected: Record<ColumnKind, string> = {
  text: 'text without NUL characters',
  list: 'text without NUL characters',
  number: 'a number',
  integer: 'a whole number',
  date: 'a date (YYYY-MM-DD)',
  timestamp: 'an ISO 8601 date-time',
  boolean: 'true or false',
  uuid: 'a uuid',
};

/**
 * The bound form of one scalar compared with `field`: for a list field, one element.
 * Numbers keep their string form when given one, so that `0.1` stays exact for numeric.
 */
export function scalarFor(field: QueryField, value: unknown, param: QueryParam): Bound {
  const kind = kindOf(field);
  let bound: Bound | undefined;
  switch (kind) {
    case 'text':
    case 'list':
      bound = textValue(value);
      break;
    case 'number':
      bound = numberValue(value);
      break;
    case 'integer':
      bound = integerValue(value);
      break;
    case 'date':
      bound = dateValue(value);
      break;
    case 'timestamp':
      bound = timestampValue(value);
      break;
    case 'boolean':
      bound = booleanValue(value);
      break;
    case 'uuid':
      bound = typeof value === 'string' && uuid.test(value) ? value : undefined;
      break;
  }
  if (bound === undefined) {
    throw refuse(param, `"${field.name}" expects ${expected[kind]}, got ${shown(value)}`);
  }
  return bound;
}

/** `columns=firstName,email`: the fields to select, in the order asked, `id` always first. */
export function parseColumns(columns: string | undefined, fields: readonly QueryField[]): QueryField[] {
  const map = fieldMap(fields);
  if (columns === undefined) return [...map.values()];
  const chosen = new Map<string, QueryField>([['id', idField]]);
  for (const name of columns.split(',').map((part) => part.trim())) {
    if (name === '') throw refuse('columns', 'has an empty name');
    const field = lookupField(map, name, 'columns');
    chosen.set(field.name, field);
  }
  return [...chosen.values()];
}
