/**
 * Routing rule criteria: json-logic over a record's field values, evaluated by the engine's
 * evaluator (engine/core/conditions.ts: own-property reads only, frozen operator table,
 * exact `>`), restricted here to the comparison operators a routing rule needs. Operators
 * that read the clock or a previous version (`changed`, `timeOfDay`, …) mean nothing for a
 * record being created, and arithmetic or string building would let a `var` path be
 * computed, so neither is allowed.
 */
import { ConditionError, test, validateCondition } from '../../engine/core/conditions.ts';
import { type ConditionFacts, factsNeeded, MissingFactsError } from '../../engine/core/facts.ts';
import type { Db } from '../db/index.ts';

export const routingOperators: ReadonlySet<string> = new Set([
  'var',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  'in',
  'contains',
  'notContains',
  'inList',
  'notInList',
  'empty',
  'notEmpty',
  'between',
  // Processes: where the record stands in a process (a new record stands nowhere).
  'processStatus',
  '!',
  'and',
  'or',
]);

/** Why a criteria cannot be saved, one reason per problem; empty when it is valid. */
export function criteriaProblems(criteria: unknown): string[] {
  if (typeof criteria === 'boolean') return [];
  if (!isOperation(criteria)) return ['must be one operation, like {"==":[{"var":"leadSource"},"Web"]}'];
  const problems: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        visit(item, `${path}/${i}`);
      });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (!isOperation(node)) {
      problems.push(`${path || '/'}: an object must be one operation`);
      return;
    }
    const [op, args] = Object.entries(node)[0] as [string, unknown];
    if (!routingOperators.has(op)) {
      problems.push(`${path}/${op}: operator "${op}" is not allowed in routing rules`);
      return;
    }
    if (op === 'var') {
      const name = Array.isArray(args) ? args[0] : args;
      if (typeof name !== 'string' || name === '')
        problems.push(`${path}/var: the field name must be a non-empty string`);
    }
    visit(args, `${path}/${op}`);
  };
  visit(criteria, '');
  if (problems.length > 0) return problems;
  // Arity and forbidden paths (`__proto__`, `constructor`, `prototype`) are the engine's checks.
  return validateCondition(criteria).map((problem) => `${problem.path}: ${problem.message}`);
}

function isOperation(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1
  );
}

const relational: ReadonlySet<string> = new Set(['<', '>', '<=', '>=']);

/**
 * SQL's rule, which lists apply too (record-where.ts): a missing or null value never
 * compares with `<`/`>`, where JavaScript would read `null < 5` as true. Each argument of
 * a comparison must first be `!= null` (loosely: neither null nor missing).
 */
function nullSafe(rule: unknown): unknown {
  if (Array.isArray(rule)) return rule.map(nullSafe);
  if (!isOperation(rule)) return rule;
  const [op, args] = Object.entries(rule)[0] as [string, unknown];
  if (op === 'var') return rule;
  const list = Array.isArray(args) ? args.map(nullSafe) : [nullSafe(args)];
  if (!relational.has(op)) return { [op]: Array.isArray(args) ? list : list[0] };
  return { and: [...list.map((arg) => ({ '!=': [arg, null] })), { [op]: list }] };
}

/**
 * Whether a record matches. The record goes through JSON first so that Dates compare as
 * ISO strings, the form the rule author writes. Criteria are checked on save; one that
 * still fails (saved before an operator was withdrawn) matches nothing rather than
 * failing the write that is being routed.
 */
export function criteriaMatch(
  criteria: unknown,
  record: Record<string, unknown>,
  facts?: ConditionFacts,
): boolean {
  if (typeof criteria === 'boolean') return criteria;
  const data = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  try {
    // `processStatus` asks about the current record (`record.id`) with facts the caller read.
    return test(nullSafe(criteria), { ...data, record: { id: data.id }, facts: facts ?? {} });
  } catch (error) {
    // A condition without its answer (a fact the caller did not read) matches nothing either.
    if (error instanceof ConditionError || error instanceof MissingFactsError) return false;
    throw error;
  }
}

/**
 * The facts routing criteria ask for: where the record stands in the processes that
 * `processStatus` names (its per-stage rows; a new record stands nowhere). Presence and
 * lists are not read here.
 */
export async function routingFacts(
  db: Db,
  criteria: unknown[],
  recordId: unknown,
): Promise<ConditionFacts | undefined> {
  const processes = [...new Set(criteria.flatMap((rule) => factsNeeded(rule).processes ?? []))];
  if (processes.length === 0) return undefined;
  const id = typeof recordId === 'string' ? recordId : '';
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const facts: NonNullable<ConditionFacts['processes']> = {};
  for (const process of processes) facts[process] = id ? { [id]: {} } : {};
  const named = processes.filter((process) => uuid.test(process));
  if (!uuid.test(id) || named.length === 0) return { processes: facts };
  const rows = await db
    .selectFrom('processStageStates')
    .select(['processId', 'stageId', 'status'])
    .where('recordId', '=', id)
    .where('processId', 'in', named)
    .execute();
  for (const row of rows) {
    const byRecord = facts[row.processId] ?? {};
    byRecord[id] = { ...byRecord[id], [row.stageId]: row.status };
    facts[row.processId] = byRecord;
  }
  return { processes: facts };
}
