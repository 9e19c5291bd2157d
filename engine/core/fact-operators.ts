/**
 * Conditions on things that live in the database, not in the run: whether a user is online
 * and whether a record is on a list. The core stays pure: these operators read answers the
 * runtime looked up beforehand (`facts` in the condition context) and never guess. A
 * question nobody answered throws MissingFactsError, which names the question, so that a
 * runtime can look it up and evaluate again, and a caller that supplies no facts fails
 * loudly instead of taking the `false` branch.
 */

import type { Operator, OperatorScope } from './conditions.ts';
import { readPath } from './paths.ts';
import type { LinkFacts } from './template-links.ts';

/**
 * Answers to the questions a rule asks, keyed by what was asked, so that "not asked" and
 * "no" differ. Per evaluation: never stored in a run's snapshot.
 */
export interface ConditionFacts {
  /** User id → online (active, not invisible, a session seen within the idle timeout). */
  online?: Record<string, boolean>;
  /** List id → record id → on the list (a static list's member, or matched by a dynamic list). */
  lists?: Record<string, Record<string, boolean>>;
  /**
   * Process id → record id → stage id → status, for `processStatus`; a record listed with
   * no stage has started none (stages not listed have not started).
   */
  processes?: Record<string, Record<string, Record<string, 'started' | 'completed'>>>;
  /** Records the current record's link fields lead to, by path (template-links.ts); for templates. */
  links?: LinkFacts;
}

/** Questions for the database: which users' presence, which records on which lists, in which processes. */
export interface FactRequest {
  users: string[];
  lists: Record<string, string[]>;
  /** Process id → the records whose progress a `processStatus` asks about. */
  processes?: Record<string, string[]>;
}

export class MissingFactsError extends Error {
  override name = 'MissingFactsError';
  readonly request: FactRequest;
  constructor(request: FactRequest) {
    const asked = [
      ...request.users.map((user) => `whether user ${user} is online`),
      ...Object.entries(request.lists).flatMap(([list, records]) =>
        records.map((record) => `whether record ${record} is on list ${list}`),
      ),
      ...Object.entries(request.processes ?? {}).flatMap(([process, records]) =>
        records.map((record) => `where record ${record} stands in process ${process}`),
      ),
    ];
    super(`the condition needs to know ${asked.join(' and ')}, and no such fact was supplied`);
    this.request = request;
  }
}

/** An id as a condition computes it: a non-empty string or number; anything else asks nothing. */
export function factId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The record id `onList` tests: its second argument, or the current record's id. */
export function onListRecord(args: readonly unknown[], scope: OperatorScope): unknown {
  return args.length > 1 ? args[1] : readPath(scope.root.record, 'id');
}

/** What `processStatus` may ask of a stage. `started` holds for a completed stage too (it was started). */
export const processStates = ['started', 'completed', 'notStarted', 'notCompleted'] as const;

/** The record id `processStatus` tests: its fourth argument, or the current record's id. */
export function processStatusRecord(args: readonly unknown[], scope: OperatorScope): unknown {
  return args.length > 3 ? args[3] : readPath(scope.root.record, 'id');
}

const own = <T>(table: Record<string, T> | undefined, key: string): T | undefined =>
  table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;

export const factOperators: Readonly<Record<string, Operator>> = {
  /** `{"userOnline": [{"var": "record.assignedTo"}]}`; nobody (null, '') is not online. */
  userOnline: {
    arity: [1, 1],
    fn: ([user], scope) => {
      const id = factId(user);
      if (id === null) return false;
      const online = own(scope.root.facts?.online, id);
      if (online === undefined) throw new MissingFactsError({ users: [id], lists: {} });
      return online;
    },
  },
  /** `{"onList": ["<list id>"]}` for the current record, `{"onList": ["<list id>", <record id>]}` for another. */
  onList: {
    arity: [1, 2],
    fn: (args, scope) => {
      const list = factId(args[0]);
      const record = factId(onListRecord(args, scope));
      if (list === null || record === null) return false;
      const member = own(own(scope.root.facts?.lists, list), record);
      if (member === undefined) throw new MissingFactsError({ users: [], lists: { [list]: [record] } });
      return member;
    },
  },
  /**
   * X2CRM's workflow_status condition: `{"processStatus": ["<process id>", "<stage id>",
   * "started" | "completed" | "notStarted" | "notCompleted", <record id, default the current record's>]}`.
   */
  processStatus: {
    arity: [3, 4],
    fn: (args, scope) => {
      const process = factId(args[0]);
      const stage = factId(args[1]);
      const state = args[2];
      const record = factId(processStatusRecord(args, scope));
      if (process === null || stage === null || record === null)
        return state === 'notStarted' || state === 'notCompleted';
      const progress = own(own(scope.root.facts?.processes, process), record);
      if (progress === undefined)
        throw new MissingFactsError({ users: [], lists: {}, processes: { [process]: [record] } });
      const status = own(progress, stage);
      switch (state) {
        case 'started':
          return status !== undefined;
        case 'completed':
          return status === 'completed';
        case 'notStarted':
          return status === undefined;
        case 'notCompleted':
          return status !== 'completed';
        default:
          throw new Error(`"processStatus" takes one of ${processStates.join(', ')} third`);
      }
    },
  },
};
