/**
 * Flow version → xstate machine. Every node is a state (id = node id). Steps with side
 * effects enter with a plain action object (`runStep`, `scheduleWait`, `callFlow`) that the
 * stepper hands to the runtime, and wait for the runtime's event. Branches are eventless
 * transitions guarded by json-logic on the machine's context. A parallel split is an xstate
 * parallel state with one region per branch; its join is where the parallel state's
 * `onDone` leads. Everything in the context is JSON, so a snapshot persists as it is.
 */
import { assign, setup } from 'xstate';
import type { Flow } from '../../schemas/flow.ts';
import { type ConditionContext, conditionVariables, test } from './conditions.ts';
import { defaultForEachCap, type ForEachParams } from './control-nodes.ts';
import type { ConditionFacts } from './fact-operators.ts';
import { factsNeeded } from './facts.ts';
import { buildGraph, edgesFrom, type FlowGraph, resolveTarget, type Scope, type Target } from './graph.ts';
import { errorHandle, mainHandle, type NodeCatalog, type RunData } from './node-types.ts';
import { linkPaths, withLinkedRecords } from './template-links.ts';
import {
  defaultEnvironment,
  referencedVariables,
  render,
  type TemplateEnvironment,
  templateStrings,
} from './templates.ts';

export interface RunInput {
  record?: unknown;
  previous?: unknown;
  trigger?: unknown;
  user?: unknown;
  vars?: Record<string, unknown>;
  /** ISO-8601 instant the run starts at, from the caller's clock. */
  now: string;
  /** Answers for `userOnline` / `onList` in the conditions the start runs through; not kept. */
  facts?: ConditionFacts;
}

export interface Decision {
  handle: string;
  values: Record<string, unknown>;
}

/** A value as a decision keeps it: long texts and big objects cut, so the snapshot stays small. */
function kept(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (value === null || typeof value !== 'object') return value ?? null;
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : value;
}

function valueAt(data: unknown, path: string): unknown {
  let at = data;
  for (const segment of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

export interface StepResult {
  output?: unknown;
  error?: unknown;
}

export interface RunContext {
  record: unknown;
  previous: unknown;
  trigger: unknown;
  user: unknown;
  vars: Record<string, unknown>;
  steps: Record<string, StepResult>;
  loops: Record<string, { items: unknown[]; index: number; truncated: boolean }>;
  /** Times each node was entered: the iteration part of a step's idempotency key. */
  visits: Record<string, number>;
  now: string;
  timeZone: string;
  /** The workspace's locale and date and time formats for templates (absent: defaults). */
  formats?: TemplateFormats;
  /** The step whose failure ended the run (one without an error edge). */
  failure: { nodeId: string; error: unknown } | null;
  /**
   * What each if / switch decided, the last time the run passed it: the branch's handle and
   * the values its conditions read then (for the run view; absent in runs started before).
   */
  decisions?: Record<string, Decision>;
  /** The facts of the transition being computed; the stepper never persists them. */
  facts?: ConditionFacts;
}

/**
 * Events carry the caller's clock so that every transition sees the time it happened at,
 * and the facts (fact-operators.ts) the conditions it leads through may ask for.
 */
export type FlowEvent = (
  | {
      type: 'step.done';
      nodeId: string;
      now: string;
      output?: unknown;
      /** The step made another record current. */
      record?: unknown;
      /** The step wrote the current record: these fields (or the whole record as written) are merged into it. */
      recordChanges?: Record<string, unknown>;
      /** Variables the step sets (an action with `setsVars`). */
      vars?: Record<string, unknown>;
    }
  | { type: 'step.failed'; nodeId: string; now: string; error: unknown }
  | { type: 'wait.elapsed'; nodeId: string; now: string }
) & { facts?: ConditionFacts };

export class CompileError extends Error {
  override name = 'CompileError';
}

export const doneStateId = '~done';
export const failedStateId = '~failed';
const regionEndId = (split: string, index: number) => `${split}~${index}~end`;

/** The run's record after an event: another record made current, or the current one as a step wrote it. */
function nextRecord(context: RunContext, event: FlowEvent): unknown {
  if (event.type !== 'step.done') return context.record;
  if (event.record !== undefined) return event.record;
  const changes = event.recordChanges;
  if (!changes || context.record === null || typeof context.record !== 'object') return context.record;
  // A write answers the record without the module the run added to it: that one stays.
  return { ...(context.record as Record<string, unknown>), ...changes };
}

export type TemplateFormats = Omit<TemplateEnvironment, 'timeZone'>;

/** What templates format dates and numbers with: the run's time zone and the workspace's formats. */
export function templateEnv(context: Pick<RunContext, 'timeZone' | 'formats'>): TemplateEnvironment {
  return {
    ...defaultEnvironment,
    ...context.formats,
    timeZone: context.timeZone ?? defaultEnvironment.timeZone,
  };
}

/** What an action that reads the whole run (a code step) receives: the data templates see. */
export function runData(context: RunContext): RunData {
  const { record, previous, trigger, user, vars, steps, now } = context;
  return { record, previous, trigger, user, vars, steps, now };
}

/** What templates read: the condition context, with the record's loaded links (template-links.ts). */
export function templateData(context: RunContext): ConditionContext {
  const data = conditionContext(context);
  const links = context.facts?.links;
  return links ? { ...data, record: withLinkedRecords(context.record, links) } : data;
}

export function conditionContext(context: RunContext): ConditionContext {
  const { record, previous, trigger, user, vars, steps, now, facts } = context;
  return { record, previous, trigger, user, vars, steps, now, ...(facts ? { facts } : {}) };
}

function loopItems(context: RunContext, params: ForEachParams): { items: unknown[]; truncated: boolean } {
  const value = render(params.items, templateData(context), templateEnv(context));
  const list = Array.isArray(value)
    ? value
    : value === null || value === undefined || value === ''
      ? []
      : [value];
  const cap = params.cap ?? defaultForEachCap;
  return { items: list.slice(0, cap), truncated: list.length > cap };
}

const machineSetup = setup({
  types: {} as {
    context: RunContext;
    events: FlowEvent;
    input: RunInput & { timeZone: string; formats?: TemplateFormats };
  },
  guards: {
    isNode: ({ event }, params: { nodeId: string }) => event.nodeId === params.nodeId,
    condition: ({ context }, params: { rule: unknown }) =>
      test(params.rule, templateData(context), { timeZone: context.timeZone }),
    loopHasItem: ({ context }, params: { loop: string }) => {
      const loop = context.loops[params.loop];
      return loop !== undefined && loop.index < loop.items.length;
    },
  },
  actions: {
    decide: assign({
      decisions: ({ context }, params: { nodeId: string; handle: string; paths: string[] }) => {
        const data = templateData(context);
        const values = Object.fromEntries(params.paths.map((path) => [path, kept(valueAt(data, path))]));
        return { ...context.decisions, [params.nodeId]: { handle: params.handle, values } };
      },
    }),
    visit: assign({
      visits: ({ context }, params: { nodeId: string }) => ({
        ...context.visits,
        [params.nodeId]: (context.visits[params.nodeId] ?? 0) + 1,
      }),
    }),
    // Facts answer for one transition: each event brings its own (or none).
    receive: assign(({ context, event }) => ({
      now: event.now,
      facts: event.facts,
      record: nextRecord(context, event),
      vars: event.type === 'step.done' && event.vars ? { ...context.vars, ...event.vars } : context.vars,
    })),
    recordOutput: assign({
      steps: ({ context, event }, params: { nodeId: string }) => ({
        ...context.steps,
        [params.nodeId]: { output: event.type === 'step.done' ? (event.output ?? null) : null },
      }),
    }),
    recordError: assign({
      steps: ({ context, event }, params: { nodeId: string }) => ({
        ...context.steps,
        [params.nodeId]: { error: event.type === 'step.failed' ? event.error : null },
      }),
    }),
    fail: assign({
      failure: ({ event }, params: { nodeId: string }) => ({
        nodeId: params.nodeId,
        error: event.type === 'step.failed' ? event.error : null,
      }),
    }),
    loopStart: assign({
      loops: ({ context }, params: { loop: string; params: ForEachParams }) => ({
        ...context.loops,
        [params.loop]: { ...loopItems(context, params.params), index: 0 },
      }),
    }),
    loopNext: assign({
      loops: ({ context }, params: { loop: string }) => {
        const loop = context.loops[params.loop];
        return loop ? { ...context.loops, [params.loop]: { ...loop, index: loop.index + 1 } } : context.loops;
      },
    }),
    loopItem: assign({
      vars: ({ context }, params: { loop: string; as: string }) => {
        const loop = context.loops[params.loop];
        return { ...context.vars, [params.as]: loop?.items[loop.index] ?? null };
      },
    }),
    loopFinish: assign(({ context }, params: { loop: string }) => {
      const { [params.loop]: finished, ...loops } = context.loops;
      const output = { count: finished?.items.length ?? 0, truncated: finished?.truncated ?? false };
      return { loops, steps: { ...context.steps, [params.loop]: { output } } };
    }),
  },
});

type ActionRef = { type: string; params?: Record<string, unknown> };
type TransitionConfig = { target: string; actions: ActionRef[]; guard?: ActionRef };

export function compile(
  flow: Flow,
  catalog: NodeCatalog,
  options: { timeZone?: string; formats?: TemplateFormats } = {},
) {
  const graph = buildGraph(flow, catalog);
  const first = graph.problems[0];
  if (first) throw new CompileError(`${first.nodeId}: ${first.message}`);
  for (const id of graph.scopeOf.keys()) {
    if (!graph.definitions.has(id))
      throw new CompileError(`${id}: unknown node type "${graph.nodes.get(id)?.type}"`);
  }

  const to = (scope: Scope, targetId: string | undefined): TransitionConfig =>
    toTarget(graph, resolveTarget(scope, targetId));
  const edgeTarget = (id: string, handle: string) => edgesFrom(graph, id, handle)[0]?.target;

  const nodeState = (id: string): Record<string, unknown> => {
    const scope = graph.scopeOf.get(id) as Scope;
    const definition = graph.definitions.get(id);
    const params = graph.nodes.get(id)?.params;
    const self = { nodeId: id };
    const isNode = { type: 'isNode', params: self };
    const next = to(scope, edgeTarget(id, mainHandle));
    const onResult = () => {
      const failure = edgeTarget(id, errorHandle);
      const failed = failure
        ? to(scope, failure)
        : { target: `#${failedStateId}`, actions: [{ type: 'fail', params: self }] };
      return {
        'step.done': {
          guard: isNode,
          target: next.target,
          actions: [{ type: 'receive' }, { type: 'recordOutput', params: self }, ...next.actions],
        },
        'step.failed': {
          guard: isNode,
          target: failed.target,
          actions: [{ type: 'receive' }, { type: 'recordError', params: self }, ...failed.actions],
        },
      };
    };
    switch (definition?.role) {
      case 'task':
        return {
          id,
          tags: ['running'],
          entry: [
            { type: 'visit', params: self },
            { type: 'runStep', params: self },
          ],
          on: onResult(),
        };
      case 'call':
        return {
          id,
          tags: ['running'],
          entry: [
            { type: 'visit', params: self },
            { type: 'callFlow', params: self },
          ],
          on: onResult(),
        };
      case 'wait':
        return {
          id,
          tags: ['waiting'],
          entry: [
            { type: 'visit', params: self },
            { type: 'scheduleWait', params: self },
          ],
          on: {
            'wait.elapsed': {
              guard: isNode,
              target: next.target,
              actions: [{ type: 'receive' }, ...next.actions],
            },
            // The stepper fails a wait whose `until` does not render to a date.
            'step.failed': {
              guard: isNode,
              target: `#${failedStateId}`,
              actions: [
                { type: 'receive' },
                { type: 'recordError', params: self },
                { type: 'fail', params: self },
              ],
            },
          },
        };
      case 'branch': {
        const { branches, fallback } = definition.branches?.(params) ?? {
          branches: [],
          fallback: mainHandle,
        };
        // Each way out records the decision (handle and the values the conditions read).
        const paths = [...new Set(branches.flatMap((branch) => conditionVariables(branch.condition)))];
        const decided = (handle: string) => {
          const next = to(scope, edgeTarget(id, handle));
          return {
            ...next,
            actions: [{ type: 'decide', params: { nodeId: id, handle, paths } }, ...next.actions],
          };
        };
        return {
          id,
          always: [
            ...branches.map((branch) => ({
              guard: { type: 'condition', params: { rule: branch.condition } },
              ...decided(branch.handle),
            })),
            decided(fallback),
          ],
        };
      }
      case 'loop': {
        const forEach = params as ForEachParams;
        const loop = { loop: id };
        const each = to({ kind: 'body', loop: id, parent: scope }, edgeTarget(id, 'each'));
        const done = to(scope, edgeTarget(id, 'done'));
        return {
          id,
          always: [
            {
              guard: { type: 'loopHasItem', params: loop },
              target: each.target,
              actions: [{ type: 'loopItem', params: { ...loop, as: forEach.as ?? 'item' } }, ...each.actions],
            },
            { target: done.target, actions: [{ type: 'loopFinish', params: loop }, ...done.actions] },
          ],
        };
      }
      case 'split': {
        const join = graph.joinOf.get(id);
        const after = to(scope, join);
        const branches = edgesFrom(graph, id);
        if (branches.length === 0) return { id, always: after };
        return {
          id,
          type: 'parallel',
          states: Object.fromEntries(
            branches.map((edge, index) => {
              const region: Scope = { kind: 'region', split: id, index, join, parent: scope };
              const states = {
                $start: { always: to(region, edge.target) },
                ...containerStates(region),
                $end: { id: regionEndId(id, index), type: 'final' },
              };
              return [`~${index}`, { initial: '$start', states }];
            }),
          ),
          onDone: after,
        };
      }
      case 'join':
        return { id, always: next };
      case 'end':
        return { id, always: { target: `#${doneStateId}` } };
      default:
        throw new CompileError(`${id}: not a step`);
    }
  };

  /** The states that live directly in the root or in one parallel region (loop bodies are flat). */
  const containerStates = (container: Scope): Record<string, unknown> => {
    const key = containerKey(container);
    const states: Record<string, unknown> = {};
    for (const [id, scope] of graph.scopeOf) if (containerKey(scope) === key) states[id] = nodeState(id);
    return states;
  };

  const root: Scope = { kind: 'root' };
  const machine = machineSetup.createMachine({
    id: 'flow',
    initial: '$start',
    // xstate's `transition` first builds a throwaway initial snapshot without any input (its
    // inert actor scope): that one gets an empty run, not a TypeError thrown on every step.
    context: ({ input }) => ({
      record: input?.record ?? null,
      previous: input?.previous ?? null,
      trigger: input?.trigger ?? null,
      user: input?.user ?? null,
      vars: input?.vars ?? {},
      steps: {},
      loops: {},
      visits: {},
      now: input?.now ?? new Date(0).toISOString(),
      timeZone: input?.timeZone,
      ...(input?.formats ? { formats: input.formats } : {}),
      failure: null,
      ...(input?.facts ? { facts: input.facts } : {}),
    }),
    // The shapes are built from the flow at run time; xstate's config types cannot follow them.
    states: {
      $start: { always: to(root, graph.entry) },
      ...containerStates(root),
      $done: { id: doneStateId, type: 'final' },
      $failed: { id: failedStateId, type: 'final' },
    } as Record<string, object>,
    output: ({ context }) => ({ vars: context.vars, steps: context.steps }),
  });
  const conditions = branchConditions(graph);
  return {
    machine,
    graph,
    flow,
    timeZone: options.timeZone ?? flow.settings?.timeZone ?? 'UTC',
    /** The workspace's locale and formats for templates; absent, the defaults. */
    formats: options.formats,
    /** Link fields the flow's templates and conditions may read through (`company` for {{record.company.name}}). */
    links: flowLinkPaths(graph, conditions),
    /** Every branch condition of the flow, for `factRequest`. */
    conditions,
    /** What the flow's conditions read from the database (nothing, for most flows). */
    facts: factsNeeded(conditions),
  };
}

function flowLinkPaths(graph: FlowGraph, conditions: readonly unknown[]): string[] {
  const variables: string[] = conditions.flatMap((rule) => conditionVariables(rule));
  for (const [id, node] of graph.nodes) {
    const definition = graph.definitions.get(id);
    const raw = definition?.kind === 'action' ? (definition.rawParams ?? []) : [];
    for (const [key, value] of Object.entries(node.params as Record<string, unknown>)) {
      if (raw.includes(key)) continue;
      for (const { template } of templateStrings(value)) variables.push(...referencedVariables(template));
    }
  }
  return linkPaths(variables);
}

function branchConditions(graph: FlowGraph): unknown[] {
  const rules: unknown[] = [];
  for (const [id, definition] of graph.definitions) {
    if (definition.role !== 'branch') continue;
    for (const branch of definition.branches?.(graph.nodes.get(id)?.params)?.branches ?? [])
      rules.push(branch.condition);
  }
  return rules;
}

function containerKey(scope: Scope): string {
  let s = scope;
  while (s.kind === 'body') s = s.parent;
  return s.kind === 'region' ? `${s.split}#${s.index}` : 'root';
}

function toTarget(graph: FlowGraph, target: Target): TransitionConfig {
  switch (target.kind) {
    case 'node': {
      const definition = graph.definitions.get(target.id);
      const node = graph.nodes.get(target.id);
      const actions =
        definition?.role === 'loop'
          ? [{ type: 'loopStart', params: { loop: target.id, params: node?.params ?? {} } }]
          : [];
      return { target: `#${target.id}`, actions };
    }
    case 'regionEnd':
      return { target: `#${regionEndId(target.split, target.index)}`, actions: [] };
    case 'loopNext':
      return { target: `#${target.loop}`, actions: [{ type: 'loopNext', params: { loop: target.loop } }] };
    case 'done':
      return { target: `#${doneStateId}`, actions: [] };
  }
}

export type CompiledFlow = ReturnType<typeof compile>;
export type FlowMachine = CompiledFlow['machine'];
