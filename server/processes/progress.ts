import { sql } from 'kysely';
import {
  advanceProgress,
  compileProcess,
  currentStage,
  isComplete,
  isStarted,
  type PersistedProgress,
  type ProcessRuleSettings,
  type ProgressContext,
  type ProgressEvent,
  type StageStatus,
  statusOf,
} from '../../engine/core/process-machine.ts';
import type { Stage } from '../../schemas/processes.ts';
import type { Settings } from '../../schemas/settings.ts';
import { publish } from '../collaboration/live.ts';
import { postSystemEvent } from '../collaboration/system-posts.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { forbidden, invalid, notFound, WeftError } from '../platform/errors.ts';
import { type Causation, eventRow, type NewEvent } from '../platform/events.ts';
import { accessCondition } from '../records/record-access.ts';
import { tableOf } from '../studio/fields.ts';
import { displayExpression, getModule } from '../studio/modules.ts';
import { getProcess, machineDefinition, type ProcessView } from './processes.ts';

/**
 * A record's progress through a process. Every change locks the record's progress row,
 * runs the process machine (whose guards are the rules), and writes the new snapshot, the
 * per-stage rows, a changelog row, the outbox events and a feed post in one transaction:
 * two users completing the same stage at once — one wins, the other is told the stage is
 * already completed.
 */

export type StageAction = 'start' | 'complete' | 'revert' | 'edit';

export interface StageChange {
  action: StageAction;
  stageId: string;
  comment?: string | null | undefined;
  completedAt?: string | undefined;
  completedBy?: string | undefined;
}

export interface StageView extends Stage {
  status: StageStatus;
  startedAt: string | null;
  startedBy: string | null;
  completedAt: string | null;
  completedBy: string | null;
  completedByName: string | null;
  comment: string | null;
}

export interface ProgressView {
  processId: string;
  processName: string;
  module: string;
  recordId: string;
  currentStage: string | null;
  started: boolean;
  completed: boolean;
  stages: StageView[];
}

export interface ChangeOptions {
  /** Set by the workflow engine when a flow makes the change. */
  causation?: Causation | undefined;
  /** Who the feed post names as author (null: Weft itself, for flows). */
  author?: string | null;
  /** Whether the answer names who completed each stage (a flow's step has no use for it). */
  names?: boolean;
}

export function ruleSettings(settings: Settings): ProcessRuleSettings {
  return {
    backdateWindowSeconds: settings.processBackdateWindowSeconds,
    backdateRangeSeconds: settings.processBackdateRangeSeconds,
    allowReassign: settings.processAllowReassign,
  };
}

/**
 * What `currentProgress` answers, without building the process's machine for it (a flow's
 * stage completion read it twice): the stored stages the process still has; none stored,
 * nothing started.
 */
function storedProgress(definition: { stages: readonly { id: string }[] }, stored: PersistedProgress | null) {
  if (!stored) return { stages: {} } as ProgressContext;
  const ids = new Set(definition.stages.map((stage) => stage.id));
  return {
    stages: Object.fromEntries(Object.entries(stored.context.stages).filter(([id]) => ids.has(id))),
  } as ProgressContext;
}

const machines = new Map<string, { key: string; machine: ReturnType<typeof compileProcess> }>();

/** Machines are compiled once per process version (its updatedAt). */
function machineOf(process: ProcessView) {
  const key = `${new Date(process.updatedAt).toISOString()}`;
  const cached = machines.get(process.id);
  if (cached?.key === key) return cached.machine;
  if (machines.size > 500) machines.clear();
  const machine = compileProcess(machineDefinition(process));
  machines.set(process.id, { key, machine });
  return machine;
}

/** The record must be of one of the process's modules, visible, and updatable by the caller. */
async function checkRecord(
  db: Db,
  principal: Principal,
  process: ProcessView,
  module: string,
  recordId: string,
  forUpdate = false,
) {
  if (!process.modules.includes(module))
    throw invalid('module', `is not a module the process "${process.name}" applies to`);
  const definition = await getModule(db, module);
  const visible = await accessCondition(db, principal, module, 'view');
  let allowed: Awaited<ReturnType<typeof accessCondition>> = null;
  if (forUpdate) {
    try {
      allowed = await accessCondition(db, principal, module, 'update');
    } catch {
      throw forbidden(`Your roles do not allow moving ${definition.label} through a process`);
    }
  }
  // One read: the record's name, who it belongs to (the live audience) and whether the
  // caller's update scope reaches it.
  const row = await sql<{
    id: string;
    name: string | null;
    assignedTo: string | null;
    private: boolean;
    allowed: boolean;
  }>`select id, ${displayExpression(definition)} as name, assigned_to, visibility <> 'public' as private,
      ${allowed ?? sql`true`} as allowed
    from ${sql.table(tableOf(module))} where id = ${recordId} ${visible ? sql`and ${visible}` : sql``}`.execute(
    db,
  );
  const record = row.rows[0];
  if (!record) throw notFound(`${definition.itemName} ${recordId}`);
  if (record.allowed !== true)
    throw forbidden('Your roles do not allow moving this record through a process');
  return {
    definition,
    name: record.name ?? recordId,
    facts: { assignedTo: record.assignedTo, private: record.private === true },
  };
}

function refused(
  stage: string | undefined,
  refusal: { rule: string; field: string; message: string },
  stageId: string,
) {
  return new WeftError('PROCESS_RULE', `${refusal.message}`, [
    {
      field: refusal.field,
      reason: refusal.message,
      rule: refusal.rule,
      stageId,
      ...(stage ? { stageName: stage } : {}),
    },
  ]);
}

const eventTypes = {
  started: 'process.stageStarted',
  completed: 'process.stageCompleted',
  reverted: 'process.stageReverted',
} as const;

/**
 * Applies changes to one record's progress, in order, all or nothing: the first refusal
 * rolls everything back with a 422 naming the rule and the stage.
 */
export async function changeProgress(
  db: Db,
  principal: Principal,
  actor: Actor,
  settings: Settings,
  input: { processId: string; module: string; recordId: string; changes: StageChange[] },
  options: ChangeOptions = {},
): Promise<ProgressView> {
  return inTransaction(db, async (trx) => {
    const process = await getProcess(trx, input.processId);
    const record = await checkRecord(trx, principal, process, input.module, input.recordId, true);
    const definition = machineDefinition(process);
    const machine = machineOf(process);
    // Creates the progress row on the first change and locks it either way (a no-op update
    // takes the row lock): concurrent changes of one record's progress go one at a time.
    const row = await trx
      .insertInto('processProgress')
      .values({ processId: process.id, module: input.module, recordId: input.recordId, snapshot: null })
      .onConflict((oc) =>
        oc.columns(['processId', 'recordId']).doUpdateSet({ module: sql`process_progress.module` }),
      )
      .returning(['snapshot', 'module'])
      .executeTakeFirstOrThrow();
    if (row.module !== input.module) throw invalid('module', 'is not the module of this record');
    let stored = row.snapshot as PersistedProgress | null;
    const before = storedProgress(definition, stored);
    const now = new Date().toISOString();
    const rules = ruleSettings(settings);
    const who = { id: principal.id, isAdmin: principal.isAdmin, roleIds: principal.roleIds };
    const changed = new Map<string, { before: StageStatus; after: StageStatus }>();
    const stageEvents: Array<{
      stageId: string;
      kind: keyof typeof eventTypes;
      from: StageStatus;
      to: StageStatus;
    }> = [];
    const edited: string[] = [];
    for (const change of input.changes) {
      if (
        change.completedBy &&
        !(await trx.selectFrom('users').select('id').where('id', '=', change.completedBy).executeTakeFirst())
      )
        throw invalid('completedBy', 'is not a user');
      const event = {
        type: `stage.${change.action}`,
        stageId: change.stageId,
        actor: who,
        settings: rules,
        now,
        ...(change.action === 'complete' || change.action === 'edit'
          ? { comment: change.comment, completedAt: change.completedAt, completedBy: change.completedBy }
          : {}),
      } as ProgressEvent;
      const result = advanceProgress(definition, stored, event, machine);
      if ('refused' in result) {
        throw refused(
          process.stages.find((stage) => stage.id === change.stageId)?.name,
          result.refused,
          change.stageId,
        );
      }
      stored = result.snapshot;
      if (change.action === 'edit') edited.push(change.stageId);
      for (const [stageId, step] of Object.entries(result.changes)) {
        const first = changed.get(stageId)?.before ?? step.before;
        changed.set(stageId, { before: first, after: step.after });
        const kind =
          rank(step.after) > rank(step.before)
            ? step.after === 'completed'
              ? 'completed'
              : 'started'
            : 'reverted';
        stageEvents.push({ stageId, kind, from: step.before, to: step.after });
      }
    }
    const after = (stored?.context ?? { stages: {} }) as ProgressContext;
    const current = currentStage(definition, after);
    await writeProgress(
      trx,
      process.id,
      input.module,
      input.recordId,
      { snapshot: JSON.stringify(stored), currentStage: current },
      after,
      [...changed.keys(), ...edited],
    );

    const stageName = (id: string) => process.stages.find((stage) => stage.id === id)?.name ?? id;
    const changes = Object.fromEntries([
      ...[...changed].map(([id, step]) => [`${process.name}: ${stageName(id)}`, step]),
      ...edited
        .filter((id) => !changed.has(id))
        .map((id) => [
          `${process.name}: ${stageName(id)}`,
          { before: before.stages[id] ?? null, after: after.stages[id] ?? null },
        ]),
    ]);
    const base = { processId: process.id, processName: process.name };
    const events: NewEvent[] = [];
    const event = (type: NewEvent['type'], payload: Record<string, unknown>) =>
      events.push({
        type,
        module: input.module,
        recordId: input.recordId,
        payload: { ...base, ...payload },
        actorId: principal.id,
        causation: options.causation,
      });
    if (!isStarted(before) && isStarted(after)) event('process.started', {});
    for (const step of stageEvents) {
      event(eventTypes[step.kind], {
        stageId: step.stageId,
        stageName: stageName(step.stageId),
        from: step.from,
        to: step.to,
        comment: after.stages[step.stageId]?.comment ?? null,
      });
    }
    if (!isComplete(definition, before) && isComplete(definition, after)) event('process.completed', {});
    if (Object.keys(changes).length > 0) await writeChangelogAndEvents(trx, actor, input, changes, events);

    if (stageEvents.length > 0) {
      const lines = stageEvents.map((step) => {
        const comment = step.kind === 'completed' ? after.stages[step.stageId]?.comment : null;
        return `${step.kind === 'reverted' ? `reverted "${stageName(step.stageId)}" (${step.from} → ${step.to})` : `${step.kind} "${stageName(step.stageId)}"`}${comment ? `: ${comment}` : ''}`;
      });
      // A system post (issue 20): an administrator may switch the type off (`feedSystemPosts`).
      await postSystemEvent(trx, {
        type: 'process',
        text: `${process.name} — ${record.name}: ${lines.join('; ')}`,
        actorId: options.author !== undefined ? options.author : principal.id,
        module: input.module,
        recordId: input.recordId,
      });
    }
    if (changed.size > 0 || edited.length > 0) {
      await publish(trx, {
        type: 'process.progress',
        data: {
          processId: process.id,
          module: input.module,
          recordId: input.recordId,
          currentStage: current,
        },
        to: {
          everyone: true,
          module: input.module,
          record: record.facts,
        },
      });
    }
    return progressView(trx, process, input.module, input.recordId, stored, options.names !== false);
  });
}

const rank = (status: StageStatus) => (status === 'notStarted' ? 0 : status === 'started' ? 1 : 2);

/**
 * The progress row's new snapshot and board column, and the per-stage rows of the stages
 * that changed (derived from the new context), in one statement.
 */
async function writeProgress(
  trx: Db,
  processId: string,
  module: string,
  recordId: string,
  progress: { snapshot: string; currentStage: string | null },
  context: ProgressContext,
  stageIds: string[],
) {
  const ids = [...new Set(stageIds)];
  const update = sql`update process_progress set snapshot = ${progress.snapshot}::jsonb,
      current_stage = ${progress.currentStage}, updated_at = now()
    where process_id = ${processId} and record_id = ${recordId}`;
  if (ids.length === 0) {
    await update.execute(trx);
    return;
  }
  const present = ids.filter((id) => context.stages[id] !== undefined);
  const gone = ids.filter((id) => context.stages[id] === undefined);
  const rows = present.map((stageId) => {
    const progress = context.stages[stageId] as NonNullable<ProgressContext['stages'][string]>;
    return sql`(${processId}::uuid, ${stageId}, ${module}, ${recordId}::uuid, ${progress.status}, ${progress.startedAt}::timestamptz,
      ${progress.startedBy ?? null}::uuid, ${progress.completedAt ?? null}::timestamptz, ${progress.completedBy ?? null}::uuid, ${progress.comment ?? null})`;
  });
  // The deleted and the written stages are different keys, so one statement does both.
  await sql`with progress as (${update}), gone as (
      delete from process_stage_states where process_id = ${processId} and record_id = ${recordId}
        and stage_id = any(${gone}::text[]))
    ${
      rows.length === 0
        ? sql`select 1`
        : sql`insert into process_stage_states (process_id, stage_id, module, record_id, status, started_at, started_by,
        completed_at, completed_by, comment) values ${sql.join(rows)}
      on conflict (process_id, record_id, stage_id) do update set status = excluded.status, started_at = excluded.started_at,
        started_by = excluded.started_by, completed_at = excluded.completed_at, completed_by = excluded.completed_by,
        comment = excluded.comment`
    }`.execute(trx);
}

/** The changelog row of a change and its outbox events, in one statement. */
async function writeChangelogAndEvents(
  trx: Db,
  actor: Actor,
  input: { module: string; recordId: string },
  changes: Record<string, unknown>,
  events: NewEvent[],
) {
  const log = sql`insert into changelog (module, record_id, action, changes, actor_id, actor_name)
    values (${input.module}, ${input.recordId}, 'update', ${JSON.stringify(changes)}, ${actor.id}, ${actor.username})`;
  if (events.length === 0) {
    await log.execute(trx);
    return;
  }
  const values = events
    .map(eventRow)
    .map(
      (row) =>
        sql`(${row.type}, ${row.module}, ${row.recordId}::uuid, ${row.payload}::jsonb, ${row.actorId}::uuid, ${row.causationId}::bigint, ${row.depth}::int)`,
    );
  await sql`with logged as (${log})
    insert into events (type, module, record_id, payload, actor_id, causation_id, depth) values ${sql.join(values)}`.execute(
    trx,
  );
}

async function progressView(
  db: Db,
  process: ProcessView,
  module: string,
  recordId: string,
  stored: PersistedProgress | null,
  withNames = true,
): Promise<ProgressView> {
  const definition = machineDefinition(process);
  const context = storedProgress(definition, stored);
  const userIds = !withNames
    ? []
    : [
        ...new Set(Object.values(context.stages).flatMap((stage) => [stage.completedBy, stage.startedBy])),
      ].filter((id): id is string => typeof id === 'string');
  const users =
    userIds.length === 0
      ? []
      : await db
          .selectFrom('users')
          .select(['id', 'username', 'firstName', 'lastName'])
          .where('id', 'in', userIds)
          .execute();
  const names = new Map(
    users.map((user) => [user.id, `${user.firstName} ${user.lastName}`.trim() || user.username]),
  );
  return {
    processId: process.id,
    processName: process.name,
    module,
    recordId,
    currentStage: currentStage(definition, context),
    started: isStarted(context),
    completed: isComplete(definition, context),
    stages: process.stages.map((stage) => {
      const progress = context.stages[stage.id];
      return {
        ...stage,
        status: statusOf(context, stage.id),
        startedAt: progress?.startedAt ?? null,
        startedBy: progress?.startedBy ?? null,
        completedAt: progress?.completedAt ?? null,
        completedBy: progress?.completedBy ?? null,
        completedByName: progress?.completedBy ? (names.get(progress.completedBy) ?? null) : null,
        comment: progress?.comment ?? null,
      };
    }),
  };
}

/** A record's progress through one process (nothing started when it never entered it). */
export async function getProgress(
  db: Db,
  principal: Principal,
  processId: string,
  module: string,
  recordId: string,
) {
  const process = await getProcess(db, processId);
  await checkRecord(db, principal, process, module, recordId);
  const row = await db
    .selectFrom('processProgress')
    .select('snapshot')
    .where('processId', '=', processId)
    .where('recordId', '=', recordId)
    .executeTakeFirst();
  return progressView(db, process, module, recordId, (row?.snapshot ?? null) as PersistedProgress | null);
}

/**
 * What the caller may do to completed stages under the settings, for the record page to
 * offer only what the server will accept (which still checks every change).
 */
export interface ProgressRules extends ProcessRuleSettings {
  /** Administrators are bound by none of the settings. */
  admin: boolean;
}

/**
 * Every process of a record's module (its default first) with the record's progress in each,
 * and the rules the caller's changes to it are held to.
 */
export async function recordProcesses(
  db: Db,
  principal: Principal,
  module: string,
  recordId: string,
  settings?: Settings,
): Promise<{ items: ProgressView[]; nextCursor: null; rules?: ProgressRules }> {
  const processes = await db
    .selectFrom('processes')
    .select(['id', 'defaultFor'])
    .where(sql<boolean>`${module} = any(modules)`)
    .orderBy('name')
    .execute();
  const ordered = [...processes].sort(
    (a, b) => Number(b.defaultFor.includes(module)) - Number(a.defaultFor.includes(module)),
  );
  const items: ProgressView[] = [];
  for (const process of ordered) items.push(await getProgress(db, principal, process.id, module, recordId));
  if (!settings) return { items, nextCursor: null };
  return { items, nextCursor: null, rules: { ...ruleSettings(settings), admin: principal.isAdmin } };
}

/**
 * The board's drag: to `toStageId`. Forward completes the open stages up to it (each with
 * its comment when required; each completion starts the next), backward reverts the
 * target stage (which undoes the ones after it). All checked before anything is kept.
 */
export async function moveTo(
  db: Db,
  principal: Principal,
  actor: Actor,
  settings: Settings,
  input: {
    processId: string;
    module: string;
    recordId: string;
    toStageId: string;
    comments?: Record<string, string>;
  },
) {
  const process = await getProcess(db, input.processId);
  const ids = process.stages.map((stage) => stage.id);
  const target = ids.indexOf(input.toStageId);
  if (target < 0) throw invalid('toStageId', 'is not a stage of this process');
  const row = await db
    .selectFrom('processProgress')
    .select('snapshot')
    .where('processId', '=', process.id)
    .where('recordId', '=', input.recordId)
    .executeTakeFirst();
  const context = storedProgress(
    machineDefinition(process),
    (row?.snapshot ?? null) as PersistedProgress | null,
  );
  const at = currentStage(machineDefinition(process), context);
  const from = at === null ? -1 : at === 'completed' ? ids.length : ids.indexOf(at);
  const changes: StageChange[] = [];
  const comment = (id: string) => input.comments?.[id];
  if (target > from || from < 0) {
    // Worked out on the progress as read, by the machine itself (a completion starts the
    // next stage only when that stage's prerequisites allow); checked again under the lock.
    const definition = machineDefinition(process);
    let stored = (row?.snapshot ?? null) as PersistedProgress | null;
    const who = { id: principal.id, isAdmin: principal.isAdmin, roleIds: principal.roleIds };
    const base = { actor: who, settings: ruleSettings(settings), now: new Date().toISOString() };
    const plan = (change: StageChange): boolean => {
      changes.push(change);
      const result = advanceProgress(definition, stored, {
        ...base,
        type: `stage.${change.action}`,
        stageId: change.stageId,
        ...(change.action === 'complete' ? { comment: change.comment } : {}),
      } as ProgressEvent);
      if ('refused' in result) return false;
      stored = result.snapshot;
      return true;
    };
    for (let i = Math.max(from, 0); i <= target; i++) {
      const id = ids[i] as string;
      const status = statusOf((stored?.context ?? { stages: {} }) as ProgressContext, id);
      if (status === 'notStarted' && !plan({ action: 'start', stageId: id })) break;
      if (
        i < target &&
        status !== 'completed' &&
        !plan({ action: 'complete', stageId: id, comment: comment(id) })
      )
        break;
    }
  } else if (target < from) {
    changes.push({ action: 'revert', stageId: input.toStageId });
  }
  if (changes.length === 0) return getProgress(db, principal, process.id, input.module, input.recordId);
  // The progress read above may be stale by now: the changes are checked again under the lock.
  return changeProgress(db, principal, actor, settings, {
    processId: process.id,
    module: input.module,
    recordId: input.recordId,
    changes,
  });
}
