/**
 * `where`: a json-logic condition compiled to a SQL boolean over a module's columns.
 *
 * The semantics follow engine/core's evaluator so that a rule picks the same records in
 * a list as in a flow or a routing rule: `!=`, `notContains`, `notInList` and `!` hold for
 * NULL (json-logic's `null != "Web"` is true), `contains` is a case-insensitive substring
 * on text and exact membership on lists, comparisons are exact (`>` is never `>=`).
 * Where JavaScript's loose typing makes the evaluator arbitrary, SQL's types decide
 * instead (the test lists each case): NULL never compares with `<`/`>` (JavaScript has
 * `null < 5`), date-times compare as instants rather than as strings, and a list field
 * compared with a list means set equality (`==`) or a shared value (`in`).
 *
 * Only field names the module defines reach SQL, as identifiers mapped to their columns;
 * every value is a bound parameter, checked first against the field's type.
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import { containsPattern } from '../platform/pagination.ts';
import {
  type Bound,
  type ColumnKind,
  fieldMap,
  kindOf,
  lookupField,
  type QueryField,
  refuse,
  scalarFor,
  shown,
} from './record-fields.ts';

type Condition = RawBuilder<SqlBool>;

const maxDepth = 32;
const maxConditions = 200;

const truth = sql<SqlBool>`true`;
const falsity = sql<SqlBool>`false`;
const fail = (reason: string) => refuse('where', reason);

interface Scope {
  fields: Map<string, QueryField>;
  conditions: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isVar(value: unknown): value is { var: unknown } {
  return isPlainObject(value) && Object.keys(value).length === 1 && Object.hasOwn(value, 'var');
}

/** `{"var":"leadSource"}`, `{"var":["leadSource"]}` or, as flows write it, `{"var":"record.leadSource"}`. */
function fieldOf(operand: { var: unknown }, scope: Scope): QueryField {
  const path = Array.isArray(operand.var) && operand.var.length === 1 ? operand.var[0] : operand.var;
  if (Array.isArray(operand.var) && operand.var.length > 1) throw fail('"var" defaults are not supported');
  if (typeof path !== 'string' || path === '') throw fail('"var" needs a field name');
  return lookupField(scope.fields, path.startsWith('record.') ? path.slice(7) : path, 'where');
}

const column = (field: QueryField) => sql.ref(field.column);
const not = (condition: Condition) => sql<SqlBool>`(${condition}) is not true`;

/** A literal operand: never a rule, since values are data to bind and not code to run. */
function literal(value: unknown): unknown {
  if (isPlainObject(value)) throw fail(`values must be literals, got ${shown(value)}`);
  return value;
}

function scalar(field: QueryField, value: unknown): Bound {
  return scalarFor(field, literal(value), 'where');
}

function requireKinds(op: string, field: QueryField, kinds: readonly ColumnKind[]): ColumnKind {
  const kind = kindOf(field);
  if (!kinds.includes(kind)) throw fail(`"${op}" does not apply to ${field.type} field "${field.name}"`);
  return kind;
}

/** The field and the value of a two-operand comparison, whichever side the field is on. */
function fieldAndValue(op: string, args: unknown[], scope: Scope): [QueryField, unknown, boolean] {
  if (args.length !== 2) throw fail(`"${op}" takes 2 arguments, got ${args.length}`);
  const [left, right] = args;
  if (isVar(left) && isVar(right)) throw fail(`"${op}" compares two fields; compare a field with a value`);
  if (isVar(left)) return [fieldOf(left, scope), literal(right), false];
  if (isVar(right)) return [fieldOf(right, scope), literal(left), true];
  throw fail(`"${op}" needs a field ({"var": "name"}) as one of its arguments`);
}

function equals(field: QueryField, value: unknown): Condition {
  if (value === null) return sql<SqlBool>`${column(field)} is null`;
  if (kindOf(field) === 'list') {
    if (!Array.isArray(value)) {
      throw fail(`"${field.name}" holds a list: compare it with a list, or use "contains" for one value`);
    }
    const list = value.map((item) => scalar(field, item));
    return sql<SqlBool>`(${column(field)} @> ${sql.val(list)}::text[] and ${column(field)} <@ ${sql.val(list)}::text[])`;
  }
  return sql<SqlBool>`${column(field)} = ${sql.val(scalar(field, value))}`;
}

const ordered: readonly ColumnKind[] = ['text', 'number', 'integer', 'date', 'timestamp'];
type Order = '<' | '<=' | '>' | '>=';
const flipped: Record<Order, Order> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function compare(op: Order, field: QueryField, value: unknown): Condition {
  requireKinds(op, field, ordered);
  if (value === null) throw fail(`"${op}" cannot compare "${field.name}" with null`);
  return sql<SqlBool>`${column(field)} ${sql.raw(op)} ${sql.val(scalar(field, value))}`;
}

function range(op: string, field: QueryField, low: unknown, high: unknown, inclusive: boolean): Condition {
  requireKinds(op, field, ordered);
  if (low === null || high === null) throw fail(`"${op}" needs two bounds for "${field.name}"`);
  const [from, to] = [sql.val(scalar(field, low)), sql.val(scalar(field, high))];
  return inclusive
    ? sql<SqlBool>`${column(field)} between ${from} and ${to}`
    : sql<SqlBool>`(${column(field)} > ${from} and ${column(field)} < ${to})`;
}

function ordering(op: Order, args: unknown[], scope: Scope): Condition {
  if (args.length === 3 && (op === '<' || op === '<=')) {
    // json-logic's "between": {"<=": [low, {"var": "x"}, high]}
    const [low, middle, high] = args;
    if (!isVar(middle)) throw fail(`"${op}" with 3 arguments needs the field in the middle`);
    return range(op, fieldOf(middle, scope), literal(low), literal(high), op === '<=');
  }
  const [field, value, swapped] = fieldAndValue(op, args, scope);
  return compare(swapped ? flipped[op] : op, field, value);
}

function contains(op: string, args: unknown[], scope: Scope): Condition {
  const [haystack, needle] = args;
  if (args.length !== 2 || !isVar(haystack)) throw fail(`"${op}" takes a field and a value`);
  const field = fieldOf(haystack, scope);
  const kind = requireKinds(op, field, ['text', 'list']);
  if (needle === null) throw fail(`"${op}" needs a value to look for in "${field.name}"`);
  const value = scalar(field, needle);
  return kind === 'list'
    ? sql<SqlBool>`${column(field)} @> array[${sql.val(value)}]::text[]`
    : sql<SqlBool>`${column(field)} ilike ${sql.val(containsPattern(String(value)))}`;
}

/** The field's value is one of `list`; for a list field, the two lists share a value. */
function memberOf(field: QueryField, list: unknown, commaText: boolean): Condition {
  // X2CRM's in-list conditions store the list as comma-separated text.
  const items =
    commaText && typeof list === 'string' && kindOf(field) !== 'list'
      ? list
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : list;
  if (!Array.isArray(items)) throw fail(`"${field.name}" must be compared with a list of values`);
  const values = items.filter((item) => item !== null).map((item) => scalar(field, item));
  if (kindOf(field) === 'list') return sql<SqlBool>`${column(field)} && ${sql.val(values)}::text[]`;
  const matches = values.length > 0 ? sql<SqlBool>`${column(field)} = any(${sql.val(values)})` : falsity;
  return values.length < items.length ? sql<SqlBool>`(${matches} or ${column(field)} is null)` : matches;
}

function inOperator(args: unknown[], scope: Scope): Condition {
  if (args.length !== 2) throw fail(`"in" takes 2 arguments, got ${args.length}`);
  const [needle, haystack] = args;
  if (isVar(needle) && !isVar(haystack)) return memberOf(fieldOf(needle, scope), literal(haystack), false);
  if (isVar(haystack) && !isVar(needle)) {
    // json-logic's other "in": a substring of a text field, or a member of a list field.
    const field = fieldOf(haystack, scope);
    const kind = requireKinds('in', field, ['text', 'list']);
    if (needle === null) throw fail(`"in" needs a value to look for in "${field.name}"`);
    const value = sql.val(scalar(field, needle));
    return kind === 'list'
      ? sql<SqlBool>`${column(field)} @> array[${value}]::text[]`
      : sql<SqlBool>`strpos(${column(field)}, ${value}) > 0`;
  }
  throw fail('"in" takes a field and a list of values');
}

/** Flows' "record has tags": every wanted tag is present, compared as engine/core normalises tags. */
function hasTags(args: unknown[], scope: Scope): Condition {
  const [haystack, wanted] = args;
  if (args.length !== 2 || !isVar(haystack)) throw fail('"hasTags" takes a field and a list of tags');
  const field = fieldOf(haystack, scope);
  requireKinds('hasTags', field, ['list']);
  const list = typeof wanted === 'string' ? wanted.split(',') : literal(wanted);
  if (!Array.isArray(list)) throw fail('"hasTags" takes a list of tags');
  const tags = list
    .map((tag) => String(scalar(field, tag)).trim().replace(/^#/, '').toLowerCase())
    .filter((tag) => tag !== '');
  const present = sql`array(select lower(regexp_replace(btrim(tag), '^#', '')) from unnest(${column(field)}) as tag)`;
  return sql<SqlBool>`${present} @> ${sql.val(tags)}::text[]`;
}

function isEmpty(field: QueryField): Condition {
  const ref = column(field);
  switch (kindOf(field)) {
    case 'text':
      return sql<SqlBool>`(${ref} is null or ${ref} = '')`;
    case 'list':
      return sql<SqlBool>`(${ref} is null or cardinality(${ref}) = 0)`;
    default:
      return sql<SqlBool>`${ref} is null`;
  }
}

function singleField(op: string, args: unknown[], scope: Scope): QueryField {
  const [operand] = args;
  if (args.length !== 1 || !isVar(operand)) throw fail(`"${op}" takes one field`);
  return fieldOf(operand, scope);
}

/** A field used as a condition on its own: a boolean is itself, anything else "is not empty". */
function truthy(field: QueryField): Condition {
  return kindOf(field) === 'boolean' ? sql<SqlBool>`${column(field)} is true` : not(isEmpty(field));
}

const processStates = ['started', 'completed', 'notStarted', 'notCompleted'];

/**
 * X2CRM's workflow_status as the flow evaluator reads it (engine/core/fact-operators.ts):
 * the record's row in `process_stage_states` (written with each change of its progress by
 * server/processes). `started` holds for a completed stage too. Only the current record:
 * a fourth argument (another record's id) has no meaning in a list.
 */
function processStatus(args: unknown[]): Condition {
  const [process, stage, state] = args;
  if (args.length !== 3 || typeof process !== 'string' || typeof stage !== 'string')
    throw fail('"processStatus" takes a process id, a stage id and a state');
  if (typeof state !== 'string' || !processStates.includes(state))
    throw fail(`"processStatus" takes one of ${processStates.join(', ')} third`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(process))
    throw fail('"processStatus" takes a process id (a uuid) first');
  // `id` unqualified is the record table's: process_stage_states has no such column.
  const completedOnly = state === 'completed' || state === 'notCompleted';
  const exists = sql<SqlBool>`exists (select 1 from process_stage_states pss where pss.process_id = ${process}
    and pss.stage_id = ${stage} and pss.record_id = id ${completedOnly ? sql`and pss.status = 'completed'` : sql``})`;
  return state === 'started' || state === 'completed' ? exists : not(exists);
}

function compile(rule: unknown, scope: Scope, depth: number): Condition {
  if (depth > maxDepth) throw fail(`is nested deeper than ${maxDepth}`);
  if (rule === true) return truth;
  if (rule === false) return falsity;
  if (!isPlainObject(rule) || Object.keys(rule).length !== 1) {
    throw fail(`a condition is an object with one operator, got ${shown(rule)}`);
  }
  const op = Object.keys(rule)[0] as string;
  const operand = rule[op];
  const args = Array.isArray(operand) ? operand : [operand];
  scope.conditions += 1;
  if (scope.conditions > maxConditions) throw fail(`has more than ${maxConditions} conditions`);
  const sub = (r: unknown) => compile(r, scope, depth + 1);

  switch (op) {
    case 'and':
    case 'or': {
      if (args.length === 0) return op === 'and' ? truth : falsity;
      return sql<SqlBool>`(${sql.join(args.map(sub), sql.raw(` ${op} `))})`;
    }
    case '!':
    case 'not':
      if (args.length !== 1) throw fail(`"${op}" takes one condition`);
      return not(sub(args[0]));
    case '!!':
      if (args.length !== 1) throw fail(`"${op}" takes one condition`);
      return sub(args[0]);
    case 'var':
      return truthy(fieldOf({ var: operand }, scope));
    case '==':
    case '===': {
      const [field, value] = fieldAndValue(op, args, scope);
      return equals(field, value);
    }
    case '!=':
    case '!==': {
      const [field, value] = fieldAndValue(op, args, scope);
      if (value === null) return sql<SqlBool>`${column(field)} is not null`;
      if (kindOf(field) === 'list') return not(equals(field, value));
      return sql<SqlBool>`${column(field)} is distinct from ${sql.val(scalar(field, value))}`;
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordering(op, args, scope);
    case 'between': {
      const [field, low, high] = args;
      if (args.length !== 3 || !isVar(field)) throw fail('"between" takes a field, a low and a high bound');
      return range(op, fieldOf(field, scope), literal(low), literal(high), true);
    }
    case 'contains':
      return contains(op, args, scope);
    case 'notContains':
      return not(contains(op, args, scope));
    case 'in':
      return inOperator(args, scope);
    case 'inList':
    case 'notInList': {
      const [field, list] = args;
      if (args.length !== 2 || !isVar(field)) throw fail(`"${op}" takes a field and a list of values`);
      const member = memberOf(fieldOf(field, scope), literal(list), true);
      return op === 'inList' ? member : not(member);
    }
    case 'hasTags':
      return hasTags(args, scope);
    case 'empty':
      return isEmpty(singleField(op, args, scope));
    case 'notEmpty':
      return not(isEmpty(singleField(op, args, scope)));
    case 'processStatus':
      return processStatus(args);
    default:
      throw fail(`unsupported operator "${op}"`);
  }
}

/** Compiles a parsed json-logic rule; use as `qb.where(compileWhere(rule, fields))`. */
export function compileWhere(rule: unknown, fields: readonly QueryField[]): Expression<SqlBool> {
  return compile(rule, { fields: fieldMap(fields), conditions: 0 }, 0);
}

/** The `where` query parameter as it arrives: JSON text, or absent. */
export function parseWhere(
  where: string | undefined,
  fields: readonly QueryField[],
): Expression<SqlBool> | undefined {
  if (where === undefined || where.trim() === '') return undefined;
  let rule: unknown;
  try {
    rule = JSON.parse(where);
  } catch {
    throw fail('is not valid JSON');
  }
  return compileWhere(rule, fields);
}
