/**
 * A json-logic evaluator of our own rather than json-logic-js: json-logic-js keeps its
 * operators in one module-global table (`add_operation` changes it for every caller in the
 * process), reads `var` paths through the prototype chain, and resolves dotted operator
 * names into that table. Here the operator table is a frozen whitelist, every property
 * read is an own-property read, and the standard operators are checked against
 * json-logic-js in conditions.test.ts so the semantics stay the same.
 */
import { crmOperators } from './crm-operators.ts';
import { type ConditionFacts, factOperators, processStates } from './fact-operators.ts';
import { forbiddenSegment, readPath, UnsafePathError } from './paths.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a condition can see. Every field is plain JSON; `now` is an ISO-8601 instant. */
export interface ConditionContext {
  record?: unknown;
  previous?: unknown;
  trigger?: unknown;
  user?: unknown;
  vars?: unknown;
  steps?: unknown;
  now?: string;
  /** Answers from the database for `userOnline` / `onList` (fact-operators.ts); per evaluation. */
  facts?: ConditionFacts;
}

export interface EvaluateOptions {
  /** IANA time zone for the time-of-day / day / month operators; defaults to UTC. */
  timeZone?: string;
}

export interface ConditionProblem {
  /** JSON pointer-like location inside the rule, e.g. `/and/1/==/0`. */
  path: string;
  code:
    | 'condition.unknownOperator'
    | 'condition.forbiddenPath'
    | 'condition.arity'
    | 'condition.argument'
    | 'condition.tooDeep';
  message: string;
}

export class ConditionError extends Error {
  override name = 'ConditionError';
}

/** Handed to operators that need more than their arguments (`changed`, the clock). */
export interface OperatorScope {
  root: ConditionContext;
  options: EvaluateOptions;
}

export interface Operator {
  arity: readonly [min: number, max: number];
  fn: (args: unknown[], scope: OperatorScope) => unknown;
}

const maxDepth = 64;

export function truthy(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return false;
  return Boolean(value);
}

function num(value: unknown): number {
  return Number.parseFloat(String(value));
}

// Loose equality and relational comparison on unknown values are json-logic's semantics.
// biome-ignore lint/suspicious/noDoubleEquals: json-logic's == is JavaScript's loose equality
const looseEqual = (a: unknown, b: unknown): boolean => a == b;
const lt = (a: unknown, b: unknown): boolean => (a as number) < (b as number);
const le = (a: unknown, b: unknown): boolean => (a as number) <= (b as number);

function missingKeys(keys: unknown[], data: unknown): unknown[] {
  const list = Array.isArray(keys[0]) ? (keys[0] as unknown[]) : keys;
  return list.filter((key) => {
    const value = readPath(data, String(key));
    return value === undefined || value === null || value === '';
  });
}

const standardOperators: Record<string, Operator> = {
  '==': { arity: [2, 2], fn: ([a, b]) => looseEqual(a, b) },
  '===': { arity: [2, 2], fn: ([a, b]) => a === b },
  '!=': { arity: [2, 2], fn: ([a, b]) => !looseEqual(a, b) },
  '!==': { arity: [2, 2], fn: ([a, b]) => a !== b },
  '>': { arity: [2, 2], fn: ([a, b]) => lt(b, a) },
  '>=': { arity: [2, 2], fn: ([a, b]) => le(b, a) },
  '<': { arity: [2, 3], fn: ([a, b, c]) => (c === undefined ? lt(a, b) : lt(a, b) && lt(b, c)) },
  '<=': { arity: [2, 3], fn: ([a, b, c]) => (c === undefined ? le(a, b) : le(a, b) && le(b, c)) },
  '!': { arity: [1, 1], fn: ([a]) => !truthy(a) },
  '!!': { arity: [1, 1], fn: ([a]) => truthy(a) },
  '%': { arity: [2, 2], fn: ([a, b]) => Number(a) % Number(b) },
  '+': { arity: [0, Infinity], fn: (args) => args.reduce<number>((sum, v) => sum + num(v), 0) },
  '*': { arity: [1, Infinity], fn: (args) => args.map(num).reduce((p, v) => p * v) },
  '-': { arity: [1, 2], fn: ([a, b]) => (b === undefined ? -Number(a) : Number(a) - Number(b)) },
  '/': { arity: [2, 2], fn: ([a, b]) => Number(a) / Number(b) },
  min: { arity: [1, Infinity], fn: (args) => Math.min(...args.map(Number)) },
  max: { arity: [1, Infinity], fn: (args) => Math.max(...args.map(Number)) },
  in: {
    arity: [2, 2],
    fn: ([a, b]) => (typeof b === 'string' ? b.includes(String(a)) : Array.isArray(b) && b.includes(a)),
  },
  cat: {
    arity: [0, Infinity],
    fn: (args) => args.map((v) => (v === null || v === undefined ? '' : String(v))).join(''),
  },
  substr: {
    arity: [2, 3],
    fn: ([source, start, end]) => {
      const text = String(source);
      const from = num(start) < 0 ? Math.max(0, text.length + num(start)) : num(start);
      const rest = text.slice(from);
      if (end === undefined) return rest;
      return num(end) < 0 ? rest.slice(0, rest.length + num(end)) : rest.slice(0, num(end));
    },
  },
  merge: { arity: [0, Infinity], fn: (args) => args.flatMap((v) => (Array.isArray(v) ? v : [v])) },
};

const operators: Readonly<Record<string, Operator>> = Object.freeze({
  ...standardOperators,
  ...crmOperators,
  ...factOperators,
});

/** Operators that control the evaluation of their own arguments. */
const lazyArity: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  var: [0, 2],
  missing: [0, Infinity],
  missing_some: [2, 2],
  if: [0, Infinity],
  '?:': [3, 3],
  and: [1, Infinity],
  or: [1, Infinity],
  map: [2, 2],
  filter: [2, 2],
  reduce: [2, 3],
  all: [2, 2],
  some: [2, 2],
  none: [2, 2],
});

export const operatorNames: readonly string[] = Object.freeze([
  ...Object.keys(lazyArity),
  ...Object.keys(operators),
]);

function isLogic(rule: unknown): rule is Record<string, unknown> {
  return rule !== null && typeof rule === 'object' && !Array.isArray(rule) && Object.keys(rule).length === 1;
}

function argsOf(rule: Record<string, unknown>, op: string): unknown[] {
  const values = rule[op];
  return Array.isArray(values) ? values : [values];
}

function apply(rule: unknown, data: unknown, scope: OperatorScope, depth: number): unknown {
  if (depth > maxDepth) throw new ConditionError(`rule nested deeper than ${maxDepth}`);
  if (Array.isArray(rule)) return rule.map((r) => apply(r, data, scope, depth + 1));
  if (!isLogic(rule)) return rule;
  const op = Object.keys(rule)[0] as string;
  const args = argsOf(rule, op);
  const run = (r: unknown, d: unknown = data) => apply(r, d, scope, depth + 1);

  switch (op) {
    case 'var': {
      const path = run(args[0]);
      const fallback = args.length > 1 ? run(args[1]) : null;
      const value = path === undefined || path === null ? data : readPath(data, String(path));
      return value === undefined ? fallback : value;
    }
    case 'missing':
      return missingKeys(
        args.map((a) => run(a)),
        data,
      );
    case 'missing_some': {
      const need = num(run(args[0]));
      const options = run(args[1]);
      const keys = Array.isArray(options) ? options : [];
      const missing = missingKeys([keys], data);
      return keys.length - missing.length >= need ? [] : missing;
    }
    case 'if':
    case '?:': {
      let i = 0;
      for (; i < args.length - 1; i += 2) if (truthy(run(args[i]))) return run(args[i + 1]);
      return i === args.length - 1 ? run(args[i]) : null;
    }
    case 'and':
    case 'or': {
      let current: unknown;
      for (const arg of args) {
        current = run(arg);
        if (truthy(current) === (op === 'or')) return current;
      }
      return current;
    }
    case 'map':
    case 'filter':
    case 'all':
    case 'some':
    case 'none': {
      const list = run(args[0]);
      const items = Array.isArray(list) ? list : [];
      const test = (item: unknown) => truthy(run(args[1], item));
      if (op === 'map') return items.map((item) => run(args[1], item));
      if (op === 'filter') return items.filter(test);
      if (op === 'all') return items.length > 0 && items.every(test);
      if (op === 'some') return items.some(test);
      return !items.some(test);
    }
    case 'reduce': {
      const list = run(args[0]);
      const initial = args[2] === undefined ? null : run(args[2]);
      if (!Array.isArray(list)) return initial;
      return list.reduce((accumulator, current) => run(args[1], { current, accumulator }), initial);
    }
  }

  const operator = Object.hasOwn(operators, op) ? operators[op] : undefined;
  if (!operator) throw new ConditionError(`unknown operator "${op}"`);
  return operator.fn(
    args.map((a) => run(a)),
    scope,
  );
}

/** Evaluates a rule to its json-logic value. Throws ConditionError on an unknown operator or unsafe path. */
export function evaluate(rule: unknown, context: ConditionContext, options: EvaluateOptions = {}): unknown {
  try {
    return apply(rule, context, { root: context, options }, 0);
  } catch (error) {
    if (error instanceof UnsafePathError) throw new ConditionError(error.message);
    throw error;
  }
}

/** Evaluates a rule as a yes/no condition (json-logic truthiness: `[]` is false). */
export function test(rule: unknown, context: ConditionContext, options: EvaluateOptions = {}): boolean {
  return truthy(evaluate(rule, context, options));
}

function walk(
  rule: unknown,
  path: string,
  depth: number,
  visit: (op: string, args: unknown[], path: string) => void,
  problems: ConditionProblem[],
): void {
  if (depth > maxDepth) {
    problems.push({ path, code: 'condition.tooDeep', message: `rule nested deeper than ${maxDepth}` });
    return;
  }
  if (Array.isArray(rule)) {
    rule.forEach((r, i) => {
      walk(r, `${path}/${i}`, depth + 1, visit, problems);
    });
    return;
  }
  if (!isLogic(rule)) return;
  const op = Object.keys(rule)[0] as string;
  const args = argsOf(rule, op);
  visit(op, args, `${path}/${op}`);
  args.forEach((arg, i) => {
    walk(arg, `${path}/${op}/${i}`, depth + 1, visit, problems);
  });
}

const isLiteral = (value: unknown) => value === null || typeof value !== 'object';

/**
 * Arguments the fact operators cannot use. A list id must be written out, so that the
 * lists a flow reads are known before it runs (facts.ts); whether the list exists is
 * known only at run time.
 */
function argumentProblem(op: string, args: unknown[]): string | undefined {
  if (op === 'onList') {
    if (typeof args[0] !== 'string' || args[0].trim() === '')
      return '"onList" takes a list id (a non-empty string) first';
    if (args.length > 1 && isLiteral(args[1]) && typeof args[1] !== 'string')
      return '"onList" takes a record id (a string or an expression) second';
  }
  if (op === 'userOnline' && isLiteral(args[0]) && typeof args[0] !== 'string')
    return '"userOnline" takes a user id (a string or an expression)';
  if (op === 'processStatus') {
    if (typeof args[0] !== 'string' || args[0].trim() === '')
      return '"processStatus" takes a process id (a non-empty string) first';
    if (typeof args[1] !== 'string' || args[1].trim() === '')
      return '"processStatus" takes a stage id (a non-empty string) second';
    if (/^x2crm:/.test(args[0]) || /^x2crm:/.test(args[1]))
      return '"processStatus" names an imported X2CRM process or stage: bind it to a Weft process and stage';
    if (!processStates.includes(args[2] as (typeof processStates)[number]))
      return `"processStatus" takes one of ${processStates.join(', ')} third`;
  }
  return undefined;
}

/** Every problem that would make the rule fail or be unsafe, without evaluating it. */
export function validateCondition(rule: unknown): ConditionProblem[] {
  const problems: ConditionProblem[] = [];
  walk(
    rule,
    '',
    0,
    (op, args, path) => {
      const arity = Object.hasOwn(lazyArity, op)
        ? lazyArity[op]
        : Object.hasOwn(operators, op)
          ? operators[op]?.arity
          : undefined;
      if (!arity) {
        problems.push({ path, code: 'condition.unknownOperator', message: `unknown operator "${op}"` });
        return;
      }
      const [min, max] = arity;
      const argument = argumentProblem(op, args);
      if (args.length < min || args.length > max) {
        const expected = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
        problems.push({
          path,
          code: 'condition.arity',
          message: `"${op}" takes ${expected} argument(s), got ${args.length}`,
        });
      } else if (argument) problems.push({ path, code: 'condition.argument', message: argument });
      if (op === 'var' && typeof args[0] === 'string') {
        const bad = forbiddenSegment(args[0]);
        if (bad)
          problems.push({
            path,
            code: 'condition.forbiddenPath',
            message: `forbidden path segment "${bad}"`,
          });
      }
    },
    problems,
  );
  return problems;
}

/**
 * The literal `var` paths a rule reads from the top-level context, for static checks.
 * Paths inside map/filter/reduce/all/some/none bodies read the current item, not the
 * context, so they are left out.
 */
export function conditionVariables(rule: unknown): string[] {
  const paths = new Set<string>();
  const collect = (r: unknown): void => {
    if (Array.isArray(r)) {
      for (const item of r) collect(item);
      return;
    }
    if (!isLogic(r)) return;
    const op = Object.keys(r)[0] as string;
    const args = argsOf(r, op);
    if (op === 'var') {
      if (typeof args[0] === 'string' && args[0] !== '') paths.add(args[0]);
      return;
    }
    // `onList` without a record id tests the current record.
    if (op === 'onList' && args.length === 1) paths.add('record.id');
    if (op === 'processStatus' && args.length === 3) paths.add('record.id');
    if (['map', 'filter', 'reduce', 'all', 'some', 'none'].includes(op)) {
      collect(args[0]);
      if (op === 'reduce') collect(args[2]);
      return;
    }
    for (const arg of args) collect(arg);
  };
  collect(rule);
  return [...paths];
}
