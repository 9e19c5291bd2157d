/**
 * What the core knows about a node kind: enough to validate a flow and compile it. Action
 * and trigger files (engine/nodes) export these objects; the core never imports them, it
 * receives a NodeCatalog.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** The handle an edge leaves from when it names none. */
export const mainHandle = 'out';
/** The handle of an action or call that routes a failed step onward. */
export const errorHandle = 'error';

export interface HandleSpec {
  id: string;
  /** An unconnected required handle is a validation problem. */
  required: boolean;
  /** Only a parallel split may have several edges leave one handle. */
  multiple?: boolean;
}

export interface RetryPolicy {
  attempts: number;
  backoff: 'fixed' | 'exponential';
  /** First delay; exponential backoff doubles it each attempt (with jitter, in the runtime). */
  delayMs?: number;
  maxDelayMs?: number;
}

/**
 * What a running action receives. The runtime adds its own members (transaction, services)
 * by declaration merging: `declare module '../core/node-types.ts' { interface ActionRunContext { … } }`.
 */
export interface ActionRunContext {
  runId: string;
  nodeId: string;
  attempt: number;
  /** Stable across attempts of the same step: (run, node, iteration). */
  idempotencyKey: string;
  record: unknown;
  /**
   * The run's data as templates see it (record, previous, trigger, user, vars, steps, now),
   * for an action that reads more than its params (a code step). Absent where the caller
   * does not provide it.
   */
  data?: RunData;
}

export interface RunData {
  record: unknown;
  previous: unknown;
  trigger: unknown;
  user: unknown;
  vars: Record<string, unknown>;
  steps: Record<string, { output?: unknown; error?: unknown }>;
  now: string;
}

/**
 * The data a schema describes; `unknown` for the unparameterised schema type, whose
 * FromSchema would be too deep for the checker.
 */
export type DataOf<S extends JSONSchema> = JSONSchema extends S ? unknown : FromSchema<S>;

export interface TriggerDefinition<P extends JSONSchema = JSONSchema, O extends JSONSchema = JSONSchema> {
  kind: 'trigger';
  type: string;
  title: string;
  category: string;
  description?: string;
  params: P;
  /** What `{{trigger.…}}` may reference. */
  output: O;
  /** Whether runs started by this trigger have a current `record` (a module's record). */
  providesRecord: boolean;
}

/**
 * `P` and `O` are the data types of the params and output, derived once from the schemas
 * beside them: `defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({ params,
 * output, run })`. (Inferring them from the schemas inside the call is too deep for tsc.)
 */
export interface ActionDefinition<P = unknown, O = unknown> {
  kind: 'action';
  role: 'task';
  type: string;
  title: string;
  category: string;
  description?: string;
  params: JSONSchema;
  /** What `{{steps.<id>.output.…}}` may reference. */
  output: JSONSchema;
  /** A node whose output its params declare (a code step's output schema): the schema for one node. */
  outputOf?(params: unknown): JSONSchema;
  /** Params passed as written, never rendered as templates (a code step's source). */
  rawParams?: readonly string[];
  /** Checks of the params beyond their schema, at publish (`path` is a JSON pointer into the params). */
  paramProblems?(params: unknown): Array<{ path: string; message: string }>;
  /**
   * The step writes the run's record: its `output.record` holds the fields it changed (or
   * the record as written), merged into `record` for the steps after it.
   */
  updatesRecord?: boolean;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** The step makes another record current (X2CRM's "change record"), so `record` changes module. */
  switchesRecord?: boolean;
  /** The step sets run variables: the runtime merges its `output.vars` into `vars` for later steps. */
  setsVars?: boolean;
  /**
   * The step reaches outside Weft's database (a network call). The runtime never runs it in a
   * transaction shared with other steps, which may roll back and run again.
   */
  external?: boolean;
  handles: (params: unknown) => HandleSpec[];
  // Method syntax on purpose: a definition with narrow params must fit in a NodeCatalog.
  run(ctx: ActionRunContext, params: P): Promise<O>;
}

/**
 * How the compiler treats a control node. A closed set: adding a control node type means
 * giving it one of these roles, not teaching the compiler a new type name.
 */
export type ControlRole = 'branch' | 'split' | 'join' | 'wait' | 'loop' | 'call' | 'end';

export interface Branch {
  handle: string;
  condition: unknown;
}

export interface ControlDefinition<P extends JSONSchema = JSONSchema> {
  kind: 'control';
  role: ControlRole;
  type: string;
  title: string;
  category: 'Control';
  description?: string;
  params: P;
  output: JSONSchema;
  handles: (params: unknown) => HandleSpec[];
  /** Branch nodes: the conditions tried in order, and the handle taken when none holds. */
  branches?: (params: unknown) => { branches: Branch[]; fallback: string };
}

export type StepDefinition = ActionDefinition | ControlDefinition;
export type NodeDefinition = TriggerDefinition | StepDefinition;

export interface NodeCatalog {
  get(type: string): NodeDefinition | undefined;
}

const actionHandles = (): HandleSpec[] => [
  { id: mainHandle, required: false },
  { id: errorHandle, required: false },
];

export function defineAction<P = unknown, O = unknown>(
  definition: Omit<ActionDefinition<P, O>, 'kind' | 'role' | 'handles'>,
): ActionDefinition<P, O> {
  return { ...definition, kind: 'action', role: 'task', handles: actionHandles };
}

export function defineTrigger<const P extends JSONSchema, const O extends JSONSchema>(
  definition: Omit<TriggerDefinition<P, O>, 'kind'>,
): TriggerDefinition<P, O> {
  return { ...definition, kind: 'trigger' };
}

export function defineControl<const P extends JSONSchema>(
  definition: Omit<ControlDefinition<P>, 'kind' | 'category'>,
): ControlDefinition<P> {
  return { ...definition, kind: 'control', category: 'Control' };
}

/** A catalog over a list of definitions; a type defined twice is a programming error. */
export function createCatalog(
  definitions: readonly NodeDefinition[],
): NodeCatalog & { list(): NodeDefinition[] } {
  const byType = new Map<string, NodeDefinition>();
  for (const definition of definitions) {
    if (byType.has(definition.type)) throw new Error(`node type "${definition.type}" is defined twice`);
    byType.set(definition.type, definition);
  }
  return {
    get: (type) => byType.get(type),
    list: () => [...byType.values()],
  };
}
