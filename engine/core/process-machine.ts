/**
 * A record's progress through a process, as an xstate machine compiled from the process
 * definition: one parallel region per stage, named by the stage's id (never its position,
 * so a reorder keeps every record's progress meaningful), each `notStarted` → `started` →
 * `completed`. It is advanced with xstate's pure `initialTransition` / `transition`; the
 * rules (state, prerequisites, roles, comment, backdating, reassignment) are guards over the
 * event, which carries everything they need (the actor's roles, the settings, the clock),
 * so the machine never reads the database or the time. `refusal` says which rule refuses.
 */
import { assign, createMachine, initialTransition, type SnapshotFrom, transition } from 'xstate';

export type StageStatus = 'notStarted' | 'started' | 'completed';

export interface ProcessStageDefinition {
  id: string;
  name: string;
  /** none / every earlier stage / one named stage (by id), completed before this one starts. */
  requirePrevious: 'none' | 'all' | { stageId: string };
  requireComment: boolean;
  /** Role ids allowed to move this stage; empty: everyone. */
  roles: readonly string[];
}

export interface ProcessDefinition {
  id: string;
  stages: readonly ProcessStageDefinition[];
}

export interface StageProgress {
  status: Exclude<StageStatus, 'notStarted'>;
  startedAt: string;
  startedBy: string | null;
  completedAt?: string | null;
  completedBy?: string | null;
  comment?: string | null;
}

export interface ProgressContext {
  /** Stage id → progress; a stage not listed has not started. */
  stages: Record<string, StageProgress>;
}

/** Process settings the rules read (Settings' process* keys). */
export interface ProcessRuleSettings {
  /** How long after completion a non-admin may revert or re-date a stage; null: unlimited, 0: never. */
  backdateWindowSeconds: number | null;
  /** How far back a non-admin may set a date; null: unlimited, 0: not at all. */
  backdateRangeSeconds: number | null;
  /** Whether a non-admin may name someone else as who completed a stage. */
  allowReassign: boolean;
}

export interface StageActor {
  id: string | null;
  isAdmin: boolean;
  roleIds: readonly string[];
}

interface EventBase {
  stageId: string;
  actor: StageActor;
  settings: ProcessRuleSettings;
  /** ISO time of the request (the clock is injected). */
  now: string;
}

export type ProgressEvent =
  | (EventBase & { type: 'stage.start' })
  | (EventBase & {
      type: 'stage.complete';
      comment?: string | null | undefined;
      completedAt?: string | null | undefined;
      completedBy?: string | null | undefined;
    })
  | (EventBase & { type: 'stage.revert' })
  | (EventBase & {
      type: 'stage.edit';
      comment?: string | null | undefined;
      completedAt?: string | null | undefined;
      completedBy?: string | null | undefined;
    });

export type ProgressAction = ProgressEvent['type'] extends `stage.${infer A}` ? A : never;

/** The rule that refused an action, for a 4xx that names it. */
export interface Refusal {
  rule:
    | 'stage'
    | 'state'
    | 'prerequisite'
    | 'role'
    | 'comment'
    | 'backdateRange'
    | 'backdateWindow'
    | 'reassign';
  field: string;
  message: string;
}

export function statusOf(context: ProgressContext, stageId: string): StageStatus {
  return context.stages[stageId]?.status ?? 'notStarted';
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

function prerequisite(
  definition: ProcessDefinition,
  context: ProgressContext,
  stage: ProcessStageDefinition,
): Refusal | null {
  const index = definition.stages.findIndex((candidate) => candidate.id === stage.id);
  const need = stage.requirePrevious;
  if (need === 'all') {
    const missing = definition.stages
      .slice(0, index)
      .find((earlier) => statusOf(context, earlier.id) !== 'completed');
    if (missing)
      return {
        rule: 'prerequisite',
        field: 'stageId',
        message: `"${stage.name}" needs every earlier stage completed first ("${missing.name}" is not)`,
      };
  } else if (need !== 'none') {
    const required = definition.stages.find((candidate) => candidate.id === need.stageId);
    // A required stage since removed from the process no longer holds anything back.
    if (required && statusOf(context, required.id) !== 'completed')
      return {
        rule: 'prerequisite',
        field: 'stageId',
        message: `"${stage.name}" needs "${required.name}" completed first`,
      };
  }
  return null;
}

function dateRule(event: ProgressEvent, at: string | null | undefined): Refusal | null {
  if (at === undefined || at === null) return null;
  const time = Date.parse(at);
  if (Number.isNaN(time))
    return { rule: 'backdateRange', field: 'completedAt', message: 'the completion date is not a date' };
  if (time > Date.parse(event.now) + 60_000)
    return { rule: 'backdateRange', field: 'completedAt', message: 'the completion date is in the future' };
  if (event.actor.isAdmin) return null;
  const range = event.settings.backdateRangeSeconds;
  if (range !== null && seconds(at, event.now) > range + 60)
    return {
      rule: 'backdateRange',
      field: 'completedAt',
      message:
        range === 0
          ? 'the settings do not allow setting an earlier completion date'
          : `the completion date is further back than the backdate range allows (${describeSeconds(range)})`,
    };
  return null;
}

function windowRule(event: ProgressEvent, progress: StageProgress | undefined, what: string): Refusal | null {
  if (event.actor.isAdmin || !progress?.completedAt) return null;
  const window = event.settings.backdateWindowSeconds;
  if (window === null) return null;
  if (seconds(progress.completedAt, event.now) > window)
    return {
      rule: 'backdateWindow',
      field: 'stageId',
      message:
        window === 0
          ? `the settings do not allow ${what} a completed stage`
          : `the stage was completed more than ${describeSeconds(window)} ago, past the backdate window for ${what} it`,
    };
  return null;
}

function reassignRule(event: ProgressEvent, by: string | null | undefined): Refusal | null {
  if (by === undefined || by === null || by === event.actor.id || event.actor.isAdmin) return null;
  if (event.settings.allowReassign) return null;
  return {
    rule: 'reassign',
    field: 'completedBy',
    message: 'the settings do not allow naming someone else as who completed a stage',
  };
}

/** Why the event may not happen in this context, or null when every rule allows it. */
export function refusal(
  definition: ProcessDefinition,
  context: ProgressContext,
  event: ProgressEvent,
): Refusal | null {
  const stage = definition.stages.find((candidate) => candidate.id === event.stageId);
  if (!stage) return { rule: 'stage', field: 'stageId', message: 'the process has no such stage' };
  if (
    !event.actor.isAdmin &&
    stage.roles.length > 0 &&
    !stage.roles.some((role) => event.actor.roleIds.includes(role))
  )
    return {
      rule: 'role',
      field: 'stageId',
      message: `Your roles do not allow moving the stage "${stage.name}"`,
    };
  const status = statusOf(context, stage.id);
  const progress = context.stages[stage.id];
  switch (event.type) {
    case 'stage.start':
      if (status !== 'notStarted')
        return { rule: 'state', field: 'stageId', message: `"${stage.name}" is already ${status}` };
      return prerequisite(definition, context, stage);
    case 'stage.complete': {
      if (status !== 'started')
        return {
          rule: 'state',
          field: 'stageId',
          message:
            status === 'completed'
              ? `"${stage.name}" is already completed`
              : `"${stage.name}" has not started`,
        };
      const before = prerequisite(definition, context, stage);
      if (before) return before;
      if (stage.requireComment && !event.comment?.trim())
        return {
          rule: 'comment',
          field: 'comment',
          message: `"${stage.name}" needs a comment to be completed`,
        };
      return dateRule(event, event.completedAt) ?? reassignRule(event, event.completedBy);
    }
    case 'stage.revert':
      if (status === 'notStarted')
        return { rule: 'state', field: 'stageId', message: `"${stage.name}" has not started` };
      return windowRule(event, progress, 'reverting');
    case 'stage.edit':
      if (status !== 'completed')
        return { rule: 'state', field: 'stageId', message: `"${stage.name}" is not completed` };
      if (stage.requireComment && event.comment !== undefined && !event.comment?.trim())
        return { rule: 'comment', field: 'comment', message: `"${stage.name}" needs a comment` };
      return (
        windowRule(event, progress, 'changing') ??
        dateRule(event, event.completedAt) ??
        reassignRule(event, event.completedBy)
      );
  }
}

export function describeSeconds(value: number): string {
  const units: [number, string][] = [
    [365 * 86_400, 'year'],
    [30 * 86_400, 'month'],
    [7 * 86_400, 'week'],
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (value >= size && value % size === 0) {
      const count = value / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${value} seconds`;
}

function laterThan(definition: ProcessDefinition, stageId: string, other: string): boolean {
  const ids = definition.stages.map((stage) => stage.id);
  const a = ids.indexOf(other);
  return a >= 0 && ids.indexOf(stageId) > a;
}

type Ctx = { context: ProgressContext; event: ProgressEvent };

/**
 * The machine of a process. The event's own stage reacts in its region; completing also
 * starts the next stage (when its prerequisites allow), and reverting resets every later
 * stage, each in its own region. Guards are evaluated on the state before the event, so
 * every region judges the same request.
 */
export function compileProcess(definition: ProcessDefinition) {
  const allowed = ({ context, event }: Ctx) => refusal(definition, context, event) === null;
  const own = (id: string) => (args: Ctx) => args.event.stageId === id && allowed(args);
  const set = (id: string, progress: (args: Ctx) => StageProgress | undefined) =>
    assign(({ context, event }: Ctx) => {
      const stages = { ...context.stages };
      const value = progress({ context, event });
      if (value) stages[id] = value;
      else delete stages[id];
      return { stages };
    });
  const completion = ({ context, event }: Ctx, id: string): StageProgress => {
    const current = context.stages[id] as StageProgress;
    const e = event as Extract<ProgressEvent, { type: 'stage.complete' | 'stage.edit' }>;
    return {
      ...current,
      status: 'completed',
      completedAt:
        e.completedAt ?? (event.type === 'stage.edit' ? current.completedAt : event.now) ?? event.now,
      completedBy:
        e.completedBy ?? (event.type === 'stage.edit' ? current.completedBy : event.actor.id) ?? null,
      comment: e.comment !== undefined ? (e.comment ?? null) : (current.comment ?? null),
    };
  };
  const started = ({ event }: Ctx): StageProgress => ({
    status: 'started',
    startedAt: event.now,
    startedBy: event.actor.id,
  });

  const regions = Object.fromEntries(
    definition.stages.map((stage, index) => {
      const previous = definition.stages[index - 1];
      // Started by the completion of the stage before it, when its own prerequisites then hold.
      const startedByPrevious = (args: Ctx) => {
        if (!previous || args.event.stageId !== previous.id || !allowed(args)) return false;
        const after: ProgressContext = {
          stages: { ...args.context.stages, [previous.id]: completion(args, previous.id) },
        };
        return prerequisite(definition, after, stage) === null;
      };
      const resetByEarlier = (args: Ctx) =>
        laterThan(definition, stage.id, args.event.stageId) && allowed(args);
      return [
        stage.id,
        {
          initial: 'notStarted',
          states: {
            notStarted: {
              on: {
                'stage.start': { guard: own(stage.id), target: 'started', actions: set(stage.id, started) },
                'stage.complete': {
                  guard: startedByPrevious,
                  target: 'started',
                  actions: set(stage.id, started),
                },
              },
            },
            started: {
              on: {
                'stage.complete': {
                  guard: own(stage.id),
                  target: 'completed',
                  actions: set(stage.id, (args) => completion(args, stage.id)),
                },
                'stage.revert': [
                  { guard: own(stage.id), target: 'notStarted', actions: set(stage.id, () => undefined) },
                  { guard: resetByEarlier, target: 'notStarted', actions: set(stage.id, () => undefined) },
                ],
              },
            },
            completed: {
              on: {
                'stage.edit': {
                  guard: own(stage.id),
                  target: 'completed',
                  reenter: false,
                  actions: set(stage.id, (args) => completion(args, stage.id)),
                },
                'stage.revert': [
                  {
                    guard: own(stage.id),
                    target: 'started',
                    actions: set(stage.id, ({ context }) => {
                      const {
                        status: _s,
                        completedAt: _a,
                        completedBy: _b,
                        comment: _c,
                        ...rest
                      } = context.stages[stage.id] as StageProgress;
                      return { ...rest, status: 'started' };
                    }),
                  },
                  { guard: resetByEarlier, target: 'notStarted', actions: set(stage.id, () => undefined) },
                ],
              },
            },
          },
        },
      ];
    }),
  );

  return createMachine({
    id: `process:${definition.id}`,
    type: 'parallel',
    context: { stages: {} } as ProgressContext,
    // biome-ignore lint/suspicious/noExplicitAny: the regions are built from data; xstate cannot type them statically.
    states: regions as any,
  });
}

export type ProcessMachine = ReturnType<typeof compileProcess>;

/** What is stored for a record: xstate's persisted snapshot (plain JSON). */
export interface PersistedProgress {
  value: unknown;
  context: ProgressContext;
  [key: string]: unknown;
}

/**
 * The snapshot of a stored progress under the process as it is now: the state value is
 * rebuilt from the context by stage id, so stages added since start not started, removed
 * ones drop out, and a reorder changes nothing.
 */
function restore(machine: ProcessMachine, definition: ProcessDefinition, stored: PersistedProgress | null) {
  if (!stored) return initialTransition(machine)[0];
  const ids = new Set(definition.stages.map((stage) => stage.id));
  const stages = Object.fromEntries(Object.entries(stored.context.stages).filter(([id]) => ids.has(id)));
  const context = { stages };
  const value = Object.fromEntries(definition.stages.map((stage) => [stage.id, statusOf(context, stage.id)]));
  return machine.resolveState({ value, context } as Parameters<ProcessMachine['resolveState']>[0]);
}

export interface ProgressStep {
  snapshot: PersistedProgress;
  /** Stage id → status before and after, for each stage the event changed. */
  changes: Record<string, { before: StageStatus; after: StageStatus }>;
}

/** The current state of a record's progress (none stored: nothing started). */
export function currentProgress(
  definition: ProcessDefinition,
  stored: PersistedProgress | null,
): ProgressContext {
  return restore(compileProcess(definition), definition, stored).context as ProgressContext;
}

/**
 * One action on a record's progress: the refusal naming the rule, or the next snapshot and
 * what changed. The machine's guards decide; `refusal` only words a refused event.
 */
export function advanceProgress(
  definition: ProcessDefinition,
  stored: PersistedProgress | null,
  event: ProgressEvent,
  machine: ProcessMachine = compileProcess(definition),
): { refused: Refusal } | ProgressStep {
  const snapshot = restore(machine, definition, stored);
  const before = snapshot.context as ProgressContext;
  const why = refusal(definition, before, event);
  if (why) return { refused: why };
  const [next] = transition(machine, snapshot, event as never);
  const after = next.context as ProgressContext;
  const changes: ProgressStep['changes'] = {};
  for (const stage of definition.stages) {
    const a = statusOf(before, stage.id);
    const b = statusOf(after, stage.id);
    if (a !== b) changes[stage.id] = { before: a, after: b };
  }
  return { snapshot: machine.getPersistedSnapshot(next) as unknown as PersistedProgress, changes };
}

/** Where a record stands: the earliest started stage, else `completed` when all are, else null. */
export function currentStage(definition: ProcessDefinition, context: ProgressContext): string | null {
  const open = definition.stages.find((stage) => statusOf(context, stage.id) === 'started');
  if (open) return open.id;
  if (
    definition.stages.length > 0 &&
    definition.stages.every((stage) => statusOf(context, stage.id) === 'completed')
  )
    return 'completed';
  const last = [...definition.stages].reverse().find((stage) => statusOf(context, stage.id) === 'completed');
  return last ? last.id : null;
}

export function isComplete(definition: ProcessDefinition, context: ProgressContext): boolean {
  return (
    definition.stages.length > 0 &&
    definition.stages.every((stage) => statusOf(context, stage.id) === 'completed')
  );
}

export function isStarted(context: ProgressContext): boolean {
  return Object.keys(context.stages).length > 0;
}

export type { SnapshotFrom };
