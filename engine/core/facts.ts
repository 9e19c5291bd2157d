/**
 * What the fact operators (`userOnline`, `onList`: fact-operators.ts) of a rule will ask,
 * worked out without the database: statically (`factsNeeded`: does a flow need presence at
 * all, which lists) and against a context (`factRequest`: which users, which records), so
 * the runtime queries only what a flow uses, in one round in the usual case.
 */
import { type ConditionContext, evaluate } from './conditions.ts';
import { type ConditionFacts, type FactRequest, factId } from './fact-operators.ts';
import { readPath } from './paths.ts';

export type { ConditionFacts, FactRequest } from './fact-operators.ts';
export { MissingFactsError } from './fact-operators.ts';

/** What a rule reads from the database, known before it runs. */
export interface FactNeeds {
  presence: boolean;
  /** The list ids `onList` names (the validator requires them written out). */
  lists: string[];
  /** The process ids `processStatus` names (written out too). */
  processes?: string[];
}

export const noFactsNeeded: FactNeeds = Object.freeze({ presence: false, lists: [] });

export function needsFacts(needs: FactNeeds): boolean {
  return needs.presence || needs.lists.length > 0 || (needs.processes?.length ?? 0) > 0;
}

const iterating = new Set(['map', 'filter', 'reduce', 'all', 'some', 'none']);

interface Occurrence {
  op: 'userOnline' | 'onList' | 'processStatus';
  args: unknown[];
  /** Inside a map/filter/… body, where `var` reads the current item, not the context. */
  inBody: boolean;
}

function occurrences(rule: unknown): Occurrence[] {
  const found: Occurrence[] = [];
  const visit = (r: unknown, inBody: boolean, depth: number): void => {
    if (depth > 64) return;
    if (Array.isArray(r)) {
      for (const item of r) visit(item, inBody, depth + 1);
      return;
    }
    if (r === null || typeof r !== 'object' || Object.keys(r).length !== 1) return;
    const op = Object.keys(r)[0] as string;
    const value = (r as Record<string, unknown>)[op];
    const args = Array.isArray(value) ? value : [value];
    if (op === 'userOnline' || op === 'onList' || op === 'processStatus') found.push({ op, args, inBody });
    args.forEach((arg, i) => {
      visit(arg, inBody || (iterating.has(op) && i === 1), depth + 1);
    });
  };
  visit(rule, false, 0);
  return found;
}

/** Whether a rule (or a list of rules) needs presence, and which lists. */
export function factsNeeded(rule: unknown): FactNeeds {
  let presence = false;
  const lists = new Set<string>();
  const processes = new Set<string>();
  for (const { op, args } of occurrences(rule)) {
    if (op === 'userOnline') presence = true;
    else if (typeof args[0] === 'string' && args[0] !== '')
      (op === 'onList' ? lists : processes).add(args[0]);
  }
  return processes.size > 0
    ? { presence, lists: [...lists], processes: [...processes] }
    : { presence, lists: [...lists] };
}

function argument(arg: unknown, context: ConditionContext): unknown {
  try {
    return evaluate(arg, context);
  } catch {
    // An argument that itself needs facts (or fails) is left to evaluation, which asks again.
    return null;
  }
}

/**
 * The questions a rule will ask in this context: each `userOnline`'s user and each
 * `onList`'s record, computed from the context. A guess for rules inside map/filter bodies
 * or after the context changes (a loop's next item): evaluation asks for anything missed.
 */
export function factRequest(rule: unknown, context: ConditionContext): FactRequest {
  const request: FactRequest = { users: [], lists: {} };
  for (const { op, args, inBody } of occurrences(rule)) {
    if (inBody) continue;
    if (op === 'userOnline') {
      const user = factId(argument(args[0], context));
      if (user !== null) addRequest(request, { users: [user], lists: {} });
    } else if (op === 'processStatus') {
      const process = factId(argument(args[0], context));
      const record = factId(args.length > 3 ? argument(args[3], context) : readPath(context.record, 'id'));
      if (process !== null && record !== null)
        addRequest(request, { users: [], lists: {}, processes: { [process]: [record] } });
    } else {
      const list = factId(argument(args[0], context));
      const record = factId(args.length > 1 ? argument(args[1], context) : readPath(context.record, 'id'));
      if (list !== null && record !== null) addRequest(request, { users: [], lists: { [list]: [record] } });
    }
  }
  return request;
}

// Ids come from record data: keys are only ever added by literals and spreads (own
// properties), never by assignment, so an id like `__proto__` stays a plain key.
function addRequest(into: FactRequest, more: FactRequest): void {
  for (const user of more.users) if (!into.users.includes(user)) into.users.push(user);
  for (const [list, records] of Object.entries(more.lists)) {
    const current = Object.hasOwn(into.lists, list) ? (into.lists[list] as string[]) : [];
    into.lists = { ...into.lists, [list]: [...new Set([...current, ...records])] };
  }
  for (const [process, records] of Object.entries(more.processes ?? {})) {
    const known = into.processes ?? {};
    const current = Object.hasOwn(known, process) ? (known[process] as string[]) : [];
    into.processes = { ...known, [process]: [...new Set([...current, ...records])] };
  }
}

export function isEmptyRequest(request: FactRequest): boolean {
  return (
    request.users.length === 0 &&
    Object.values(request.lists).every((records) => records.length === 0) &&
    Object.values(request.processes ?? {}).every((records) => records.length === 0)
  );
}

/** The part of a request the facts do not answer yet. */
export function unanswered(request: FactRequest, facts: ConditionFacts | undefined): FactRequest {
  const online = facts?.online ?? {};
  const lists = facts?.lists ?? {};
  const rest: FactRequest = {
    users: request.users.filter((user) => !Object.hasOwn(online, user)),
    lists: {},
  };
  for (const [list, records] of Object.entries(request.lists)) {
    const known = Object.hasOwn(lists, list) ? (lists[list] as Record<string, boolean>) : {};
    const missing = records.filter((record) => !Object.hasOwn(known, record));
    if (missing.length > 0) rest.lists = { ...rest.lists, [list]: missing };
  }
  const processes = facts?.processes ?? {};
  for (const [process, records] of Object.entries(request.processes ?? {})) {
    const known = Object.hasOwn(processes, process) ? (processes[process] as Record<string, unknown>) : {};
    const missing = records.filter((record) => !Object.hasOwn(known, record));
    if (missing.length > 0) rest.processes = { ...rest.processes, [process]: missing };
  }
  return rest;
}

/** Both sets of answers; `more` wins where they overlap. */
export function mergeFacts(facts: ConditionFacts | undefined, more: ConditionFacts): ConditionFacts {
  let lists: Record<string, Record<string, boolean>> = { ...facts?.lists };
  for (const [list, records] of Object.entries(more.lists ?? {})) {
    lists = { ...lists, [list]: { ...(Object.hasOwn(lists, list) ? lists[list] : {}), ...records } };
  }
  let processes: NonNullable<ConditionFacts['processes']> = { ...facts?.processes };
  for (const [process, records] of Object.entries(more.processes ?? {})) {
    processes = {
      ...processes,
      [process]: { ...(Object.hasOwn(processes, process) ? processes[process] : {}), ...records },
    };
  }
  const merged: ConditionFacts = { online: { ...facts?.online, ...more.online }, lists };
  return Object.keys(processes).length > 0 ? { ...merged, processes } : merged;
}
