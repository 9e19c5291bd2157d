import { sql } from 'kysely';
import {
  advanceProgress,
  compileProcess,
  currentStage,
  isComplete,
  isStarted,
  type PersistedProgress,
  type ProcessDefinition,
  type ProcessRuleSettings,
  type ProgressContext,
  type ProgressEvent,
  type StageStatus,
  statusOf,
} from '../../engine/core/process-machine.ts';
import type { FeedPostView } from '../../schemas/feed.ts';
import type { Stage } from '../../schemas/processes.ts';
import type { Settings } from '../../schemas/settings.ts';
import { displayName } from '../collaboration/feed-posts.ts';
import { publish, type RecordFacts } from '../collaboration/live.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { forbidden, invalid, notFound, WeftError } from '../platform/errors.ts';
import { type Causation, eventRow, type NewEvent } from '../platform/events.ts';
import { accessCondition } from '../records/record-access.ts';
import { tableOf } from '../studio/fields.ts';
import { displayExpression, findModule, getModule, type ModuleDefinition } from '../studio/modules.ts';
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

const machines = new Map<
  string,
  { key: string; definition: ProcessDefinition; machine: ReturnType<typeof compileProcess> }
>();

/** Machines (and the definitions they are compiled from) are kept per process version (its updatedAt). */
function machineOf(process: ProcessView) {
  const key = `${new Date(process.updatedAt).toISOString()}`;
  const cached = machines.get(process.id);
  if (cached?.key === key) return cached;
  if (machines.size > 500) machines.clear();
  const definition = machineDefinition(process);
  const compiled = { key, definition, machine: compileProcess(definition) };
  machines.set(process.id, compiled);
  return compiled;
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

interface LockedProgress {
  process: ProcessView;
  record: { definition: ModuleDefinition; name: string; facts: RecordFacts };
  snapshot: PersistedProgress | null;
  /** The module the progress row was first written for. */
  module: string;
}

// Named, never `*`: a statement with `*` is not prepared (db/prepared.ts).
const processColumns = sql`id, name, description, modules, default_for, color, financial_module,
  financial_field, stages, created_at, updated_at`;

/**
 * The process, the record (its name, who it belongs to, whether the caller may view and
 * update it) and the record's progress row, locked (`for update`: no new row version when
 * it exists) or created on the first change (an insert that, when another change created
 * it meanwhile, waits for it and locks it), in one statement — and only when the process
 * applies to the record's module and the caller's scopes reach the record. Anything else (no such
 * process, module or record, a scope that refuses) answers null: `lockProgress` then takes
 * the step-by-step way, which says what is wrong as it always did.
 */
async function lockInOneStatement(
  trx: Db,
  principal: Principal,
  input: { processId: string; module: string; recordId: string },
): Promise<LockedProgress | null> {
  let definition: ModuleDefinition | undefined;
  let visible: Awaited<ReturnType<typeof accessCondition>>;
  let allowed: Awaited<ReturnType<typeof accessCondition>>;
  try {
    definition = await findModule(trx, input.module);
    if (!definition) return null;
    visible = await accessCondition(trx, principal, input.module, 'view');
    allowed = await accessCondition(trx, principal, input.module, 'update');
  } catch {
    return null;
  }
  const { rows } = await sql<
    Omit<ProcessView, 'stages'> & {
      stages: Stage[];
      recordName: string | null;
      assignedTo: string | null;
      private: boolean | null;
      locked: boolean | null;
      snapshot: PersistedProgress | null;
      progressModule: string | null;
    }
  >`with p as (select ${processColumns} from processes where id = ${input.processId}),
    r as (select id, ${displayExpression(definition)} as name, assigned_to, visibility <> 'public' as private
      from ${sql.table(tableOf(input.module))}
      where id = ${input.recordId} ${visible ? sql`and ${visible}` : sql``} ${allowed ? sql`and ${allowed}` : sql``}),
    existing as (
      select progress.snapshot, progress.module from process_progress progress
      where progress.process_id = ${input.processId} and progress.record_id = ${input.recordId}
        and exists (select 1 from p, r where ${input.module}::text = any(p.modules))
      for update of progress),
    created as (
      insert into process_progress (process_id, module, record_id, snapshot)
      select p.id, ${input.module}::text, r.id, null::jsonb from p, r
      where ${input.module}::text = any(p.modules) and not exists (select 1 from existing)
      on conflict (process_id, record_id) do update set module = process_progress.module
      returning snapshot, module),
    locked as (select snapshot, module from existing union all select snapshot, module from created)
    select p.id, p.name, p.description, p.modules, p.default_for, p.color, p.financial_module,
      p.financial_field, p.stages, p.created_at, p.updated_at, r.name as record_name, r.assigned_to, r.private,
      locked.module is not null as locked, locked.snapshot, locked.module as progress_module
    from p left join r on true left join locked on true`.execute(trx);
  const row = rows[0];
  if (!row?.locked || row.progressModule === null) return null;
  const { recordName, assignedTo, private: hidden, locked, snapshot, progressModule, ...process } = row;
  return {
    process,
    record: {
      definition,
      name: recordName ?? input.recordId,
      facts: { assignedTo, private: hidden === true },
    },
    snapshot,
    module: progressModule,
  };
}

/** The process, the record and its progress row, locked (see `lockInOneStatement`). */
async function lockProgress(
  trx: Db,
  principal: Principal,
  input: { processId: string; module: string; recordId: string },
): Promise<LockedProgress> {
  const fast = await lockInOneStatement(trx, principal, input);
  if (fast) return fast;
  const process = await getProcess(trx, input.processId);
  const record = await checkRecord(trx, principal, process, input.module, input.recordId, true);
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
  return { process, record, snapshot: row.snapshot as PersistedProgress | null, module: row.module };
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
    const { process, record, snapshot, module } = await lockProgress(trx, principal, input);
    const { definition, machine } = machineOf(process);
    if (module !== input.module) throw invalid('module', 'is not the module of this record');
    let stored = snapshot;
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

    let post: Omit<SystemPost, 'type'> | null = null;
    if (stageEvents.length > 0) {
      const lines = stageEvents.map((step) => {
        const comment = step.kind === 'completed' ? after.stages[step.stageId]?.comment : null;
        return `${step.kind === 'reverted' ? `reverted "${stageName(step.stageId)}" (${step.from} → ${step.to})` : `${step.kind} "${stageName(step.stageId)}"`}${comment ? `: ${comment}` : ''}`;
      });
      post = {
        text: `${process.name} — ${record.name}: ${lines.join('; ')}`,
        authorId: options.author !== undefined ? options.author : principal.id,
      };
    }
    // The snapshot, the stage rows, the changelog row, the events and the feed post: one statement.
    const written = await writeChange(trx, {
      processId: process.id,
      module: input.module,
      recordId: input.recordId,
      progress: { snapshot: JSON.stringify(stored), currentStage: current },
      context: after,
      stageIds: [...changed.keys(), ...edited],
      // Nothing the changelog names changed (a no-op edit): neither a row nor events, as ever.
      changelog: Object.keys(changes).length > 0 ? { actor, changes, events } : null,
      post,
    });
    if (written) {
      // A system post (issue 20), written unless an administrator switched the type off
      // (`feedSystemPosts`, read by the statement): pushed live as the feed's own posts are.
      await publish(
        trx,
        {
          type: 'feed.post.created',
          data: written,
          to: { module: input.module, record: record.facts, everyone: true },
        },
        { id: written.id, fetch: `/api/feed/${written.id}` },
      );
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

/** A process system post, as the feed writes it (collaboration/feed-posts.ts's `insertSystemPost`). */
interface SystemPost {
  type: 'process';
  text: string;
  /** Null: Weft itself (a flow). */
  authorId: string | null;
}

/**
 * Everything a change writes, in one statement: the progress row's new snapshot and board
 * column; the per-stage rows of the stages that changed, derived from the new context (the
 * deleted and the written stages are different keys); the changelog row and the outbox
 * events; and the feed post, unless its type is switched off (`feedSystemPosts`, read by
 * the insert itself as the feed's `insertSystemPost` does). Answers the post as the feed
 * shows it, or null when none was written.
 */
async function writeChange(
  trx: Db,
  change: {
    processId: string;
    module: string;
    recordId: string;
    progress: { snapshot: string; currentStage: string | null };
    context: ProgressContext;
    stageIds: string[];
    changelog: { actor: Actor; changes: Record<string, unknown>; events: NewEvent[] } | null;
    post: Omit<SystemPost, 'type'> | null;
  },
): Promise<FeedPostView | null> {
  const { processId, module, recordId, context } = change;
  const parts = [
    sql`progress as (update process_progress set snapshot = ${change.progress.snapshot}::jsonb,
      current_stage = ${change.progress.currentStage}, updated_at = now()
      where process_id = ${processId} and record_id = ${recordId})`,
  ];
  const ids = [...new Set(change.stageIds)];
  const gone = ids.filter((id) => context.stages[id] === undefined);
  if (gone.length > 0)
    parts.push(sql`gone as (delete from process_stage_states where process_id = ${processId}
      and record_id = ${recordId} and stage_id = any(${gone}::text[]))`);
  const rows = ids
    .filter((id) => context.stages[id] !== undefined)
    .map((stageId) => {
      const progress = context.stages[stageId] as NonNullable<ProgressContext['stages'][string]>;
      return sql`(${processId}::uuid, ${stageId}, ${module}, ${recordId}::uuid, ${progress.status}, ${progress.startedAt}::timestamptz,
        ${progress.startedBy ?? null}::uuid, ${progress.completedAt ?? null}::timestamptz, ${progress.completedBy ?? null}::uuid, ${progress.comment ?? null})`;
    });
  if (rows.length > 0)
    parts.push(sql`stage_rows as (insert into process_stage_states (process_id, stage_id, module, record_id, status,
        started_at, started_by, completed_at, completed_by, comment) values ${sql.join(rows)}
      on conflict (process_id, record_id, stage_id) do update set status = excluded.status,
        started_at = excluded.started_at, started_by = excluded.started_by, completed_at = excluded.completed_at,
        completed_by = excluded.completed_by, comment = excluded.comment)`);
  if (change.changelog) {
    const { actor, changes, events } = change.changelog;
    parts.push(sql`logged as (insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      values (${module}, ${recordId}, 'update', ${JSON.stringify(changes)}, ${actor.id}, ${actor.username}))`);
    if (events.length > 0) {
      const values = events
        .map(eventRow)
        .map(
          (row) =>
            sql`(${row.type}, ${row.module}, ${row.recordId}::uuid, ${row.payload}::jsonb, ${row.actorId}::uuid, ${row.causationId}::bigint, ${row.depth}::int)`,
        );
      parts.push(sql`outbox as (insert into events (type, module, record_id, payload, actor_id, causation_id, depth)
        values ${sql.join(values)})`);
    }
  }
  if (!change.post) {
    await sql`with ${sql.join(parts)} select 1`.execute(trx);
    return null;
  }
  const { text, authorId } = change.post;
  parts.push(sql`post as (
      insert into feed_posts (type, text, author_id, module, record_id, target_user_id, visibility)
      select 'process', ${text}, ${authorId}::uuid, ${module}::text, ${recordId}::uuid, null, 'public'
      where coalesce((select (value ->> 'process')::boolean from settings where key = 'feedSystemPosts'), true)
      returning id, type, text, author_id, module, record_id, target_user_id, visibility, pinned, created_at, updated_at)`);
  const { rows: posts } = await sql<FeedPostView>`with ${sql.join(parts)}
    select post.id, post.type, post.text, post.author_id,
      ${authorId ? sql`(select ${displayName('author')} from users author where author.id = post.author_id)` : sql`null`} as author_name,
      post.module, post.record_id, post.target_user_id, post.visibility, post.pinned,
      0 as comment_count, post.created_at, post.updated_at
    from post`.execute(trx);
  return posts[0] ?? null;
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
