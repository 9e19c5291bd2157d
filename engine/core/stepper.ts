/**
 * Advances a run with xstate's pure `initialTransition` / `transition`: state in, event in,
 * next state and the side effects to perform out. Nothing here performs them: the runtime
 * runs each returned action as a job and feeds its result back as the next event.
 */
import { type AnyActorScope, createActor, type SnapshotFrom } from 'xstate';
import {
  type CompiledFlow,
  type FlowEvent,
  type RunContext,
  type RunInput,
  templateData,
  templateEnv,
} from './compile.ts';
import type { ConditionContext } from './conditions.ts';
import type { WaitParams } from './control-nodes.ts';
import { type FactRequest, MissingFactsError } from './fact-operators.ts';
import type { NodeDefinition } from './node-types.ts';
import { renderDeep, type TemplateEnvironment } from './templates.ts';
import { addDuration } from './time.ts';

export interface Clock {
  now(): Date;
}

/** The run's state as stored: plain JSON (xstate's persisted snapshot). */
export interface PersistedRun {
  status: 'active' | 'done' | 'error' | 'stopped';
  value: unknown;
  context: RunContext;
  [key: string]: unknown;
}

export type RunAction =
  | { type: 'runStep'; nodeId: string; nodeType: string; iteration: number; params: unknown }
  | { type: 'scheduleWait'; nodeId: string; iteration: number; until: string }
  | { type: 'callFlow'; nodeId: string; iteration: number; flowId: string; input: unknown };

export type RunStatus = 'running' | 'waiting' | 'done' | 'failed';

export interface StepOutcome {
  snapshot: PersistedRun;
  actions: RunAction[];
  status: RunStatus;
  /** False when the event did not apply (a duplicate, or for a node that is not waiting). */
  accepted: boolean;
  /** The run's result once done: its variables and step results. */
  output?: unknown;
  /** Why the run failed: the step that failed it, or an error inside the core (a bad rule). */
  failure?: { nodeId?: string; error: unknown };
  /**
   * The run failed because a condition asked what the facts did not answer. A runtime that
   * gathers facts looks these up and advances again from the same snapshot and event.
   */
  missingFacts?: FactRequest;
}

/** An event as the runtime reports it; the stepper stamps it with the clock. */
export type RunEvent = FlowEvent extends infer E ? (E extends FlowEvent ? Omit<E, 'now'> : never) : never;

type Snapshot = SnapshotFrom<CompiledFlow['machine']>;
type MachineAction = { type: string; params?: unknown };
type Machine = CompiledFlow['machine'];

/**
 * xstate's `transition` and `initialTransition`, without their per-call cost: each builds an
 * inert actor scope, and building it constructs an actor, which computes a whole throwaway
 * initial snapshot of the machine (a tenth of the engine's CPU per step, issue 19). A flow's
 * machine spawns, invokes and delays nothing, so nothing is ever registered in the scope's
 * system: one scope per machine serves every transition, with the actions of each call
 * collected into its own list (the calls are synchronous). Pure as before.
 */
const scopes = new WeakMap<Machine, AnyActorScope>();

function inertScope(machine: Machine): AnyActorScope {
  const cached = scopes.get(machine);
  if (cached) return cached;
  const self = createActor(machine, undefined as never);
  const scope = {
    self,
    defer: () => undefined,
    id: '',
    logger: () => undefined,
    sessionId: '',
    stopChild: () => undefined,
    system: self.system,
    emit: () => undefined,
    actionExecutor: () => undefined,
  } as unknown as AnyActorScope;
  scopes.set(machine, scope);
  return scope;
}

function collecting<T>(machine: Machine, step: (scope: AnyActorScope) => T): [T, MachineAction[]] {
  const scope = inertScope(machine);
  const actions: MachineAction[] = [];
  scope.actionExecutor = (action) => {
    actions.push(action as unknown as MachineAction);
  };
  try {
    return [step(scope), actions];
  } finally {
    scope.actionExecutor = () => undefined;
  }
}

const initialTransition = (machine: Machine, input: unknown): [Snapshot, MachineAction[]] =>
  collecting(machine, (scope) => machine.getInitialSnapshot(scope, input as never));

const transition = (machine: Machine, snapshot: Snapshot, event: FlowEvent): [Snapshot, MachineAction[]] =>
  collecting(machine, (scope) => machine.transition(snapshot, event as never, scope));

export function startRun(compiled: CompiledFlow, input: Omit<RunInput, 'now'>, clock: Clock): StepOutcome {
  const now = clock.now().toISOString();
  try {
    const [snapshot, actions] = initialTransition(compiled.machine, {
      ...input,
      now,
      timeZone: compiled.timeZone,
      ...(compiled.formats ? { formats: compiled.formats } : {}),
    });
    return settle(compiled, snapshot, actions, true);
  } catch (error) {
    throw new Error(`flow cannot start: ${(error as Error).message}`, { cause: error });
  }
}

export function advanceRun(
  compiled: CompiledFlow,
  persisted: PersistedRun,
  event: RunEvent,
  clock: Clock,
): StepOutcome {
  const snapshot = compiled.machine.resolveState(
    persisted as Parameters<CompiledFlow['machine']['resolveState']>[0],
  );
  const stamped = { ...event, now: clock.now().toISOString() } as FlowEvent;
  try {
    const [next, actions] = transition(compiled.machine, snapshot, stamped);
    return settle(compiled, next, actions, next !== snapshot);
  } catch (error) {
    const missing = missingFactsOf(error);
    return {
      snapshot: persist(compiled, snapshot),
      actions: [],
      status: 'failed',
      accepted: true,
      failure: { error: (error as Error).message },
      ...(missing ? { missingFacts: missing.request } : {}),
    };
  }
}

/** The MissingFactsError behind an error from startRun or from inside xstate, if that is what it is. */
export function missingFactsOf(error: unknown): MissingFactsError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof MissingFactsError) return e;
  return undefined;
}

/** Facts answer one transition: they are left out of what is stored. */
function persist(compiled: CompiledFlow, snapshot: Snapshot): PersistedRun {
  const persisted = compiled.machine.getPersistedSnapshot(snapshot) as unknown as PersistedRun;
  if (persisted.context.facts === undefined) return persisted;
  const { facts: _facts, ...context } = persisted.context;
  return { ...persisted, context };
}

/**
 * Turns xstate's action objects into runtime actions. A wait whose date does not render
 * fails its node right away, through the machine, so the failure is on the record.
 */
function settle(
  compiled: CompiledFlow,
  snapshot: Snapshot,
  raw: readonly MachineAction[],
  accepted: boolean,
): StepOutcome {
  const context = snapshot.context;
  const active = activeStates(snapshot.value);
  const actions: RunAction[] = [];
  for (const action of raw) {
    const nodeId = (action.params as { nodeId?: string } | undefined)?.nodeId;
    const node = nodeId === undefined ? undefined : compiled.graph.nodes.get(nodeId);
    // A state entered and left in the same transition (a branch cut short by control.end) asks for nothing.
    if (!node || nodeId === undefined || !active.has(nodeId)) continue;
    const iteration = context.visits[nodeId] ?? 1;
    const data = templateData(context);
    const env = templateEnv(context);
    if (action.type === 'runStep') {
      actions.push({
        type: 'runStep',
        nodeId,
        nodeType: node.type,
        iteration,
        params: renderParams(compiled.graph.definitions.get(nodeId), node.params, data, env),
      });
    } else if (action.type === 'callFlow') {
      const params = node.params as { flowId: string; input?: unknown };
      actions.push({
        type: 'callFlow',
        nodeId,
        iteration,
        flowId: params.flowId,
        input: renderDeep(params.input ?? {}, data, env),
      });
    } else if (action.type === 'scheduleWait') {
      const until = waitUntil(node.params as WaitParams, context);
      if (until === undefined) {
        const error = { code: 'wait.invalidDate', message: 'the wait’s date did not render to a valid date' };
        const [failed, more] = transition(compiled.machine, snapshot, {
          type: 'step.failed',
          nodeId,
          error,
          now: context.now,
          ...(context.facts ? { facts: context.facts } : {}),
        });
        const rest = settle(compiled, failed, more, accepted);
        return { ...rest, actions: [...actions, ...rest.actions] };
      }
      actions.push({ type: 'scheduleWait', nodeId, iteration, until });
    }
  }
  return { snapshot: persist(compiled, snapshot), actions, accepted, ...statusOf(snapshot) };
}

/** Renders a step's params, except those its node type takes as written (a code step's source). */
function renderParams(
  definition: NodeDefinition | undefined,
  params: Record<string, unknown>,
  data: ConditionContext,
  env: TemplateEnvironment,
): unknown {
  const raw = definition?.kind === 'action' ? definition.rawParams : undefined;
  if (!raw || raw.length === 0) return renderDeep(params, data, env);
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [
      key,
      raw.includes(key) ? value : renderDeep(value, data, env),
    ]),
  );
}

function activeStates(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.add(key);
      activeStates(child, into);
    }
  }
  return into;
}

function statusOf(snapshot: Snapshot): Pick<StepOutcome, 'status' | 'output' | 'failure' | 'missingFacts'> {
  if (snapshot.status === 'done') {
    return snapshot.value === '$failed'
      ? { status: 'failed', failure: snapshot.context.failure ?? { error: 'failed' } }
      : { status: 'done', output: snapshot.output };
  }
  if (snapshot.status === 'error') {
    const missing = missingFactsOf(snapshot.error);
    return {
      status: 'failed',
      failure: { error: String(snapshot.error) },
      ...(missing ? { missingFacts: missing.request } : {}),
    };
  }
  return { status: snapshot.hasTag('running') ? 'running' : 'waiting' };
}

function waitUntil(params: WaitParams, context: RunContext): string | undefined {
  if ('duration' in params) return addDuration(new Date(context.now), params.duration).toISOString();
  const rendered = renderDeep(params.until, templateData(context), templateEnv(context));
  const date = typeof rendered === 'string' || typeof rendered === 'number' ? new Date(rendered) : undefined;
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return (params.offset ? addDuration(date, params.offset) : date).toISOString();
}
