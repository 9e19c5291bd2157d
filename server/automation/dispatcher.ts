import { sql } from 'kysely';
import type { RunInput } from '../../engine/core/compile.ts';
import { factsNeeded, needsFacts } from '../../engine/core/facts.ts';
import type { EngineEvent, TriggerNode } from '../../engine/nodes/define.ts';
import { EagerStepFailed } from '../../engine/runtime/errors.ts';
import { conditionHolds } from '../../engine/runtime/facts.ts';
import type { FlowRuntime, StartRequest } from '../../engine/runtime/runtime.ts';
import type { Flow } from '../../schemas/flow.ts';
import { notifyAssignments } from '../collaboration/assignment-notifications.ts';
import { deferLive } from '../collaboration/live.ts';
import { announceRecordChanges } from '../collaboration/record-changes.ts';
import { announceRecordPosts } from '../collaboration/system-posts.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import type { SettingsService } from '../platform/settings.ts';
import { getRecord } from '../records/records.ts';
import { factServices } from './engine-services.ts';
import { type UserProfile, userProfiles, withUserProfile } from './run-data.ts';
import { runTransaction } from './run-transaction.ts';

/**
 * Reads the events outbox in order and starts the runs of the active flows whose trigger
 * matches. Several processes may dispatch at once: each batch locks its events with SKIP
 * LOCKED, and a run is unique per (event, flow version), so nothing starts twice.
 */
export async function dispatchPending(
  runtime: FlowRuntime,
  triggers: readonly TriggerNode[],
  settings: SettingsService,
  batchSize = 100,
  /** Also told each batch, in its transaction: outbound hooks fan out from here (hooks/hooks.ts). */
  onEvents?: (trx: Db, events: { id: number; type: string; module: string | null }[]) => Promise<void>,
): Promise<number> {
  const { flowChainDepth, triggerLogConditions } = await settings.get();
  const dispatch = (eager: boolean) =>
    dispatchBatch(runtime, triggers, batchSize, flowChainDepth, triggerLogConditions, eager, onEvents);
  try {
    return await dispatch(true);
  } catch (error) {
    if (!(error instanceof EagerStepFailed)) throw error;
    // The batch again, its steps left to run after it (where a failure is recorded and
    // retried); the flows whose steps failed run none at once for a while.
    const until = Date.now() + eagerPauseMs;
    for (const flowId of error.flowIds) eagerPaused.set(flowId, until);
    return dispatch(false);
  }
}

/**
 * Up to how many runs a dispatch starts and runs the first steps of at once, in its own
 * transaction (`startMany`'s `eager`: no second commit and no hand-off before the steps).
 * A steady trickle of events is dispatched a few at a time and gains the latency; a full
 * batch (a backlog) leaves its steps to the batches that run beside the dispatcher.
 */
const eagerRuns = 8;
/** A flow whose step failed when run at once has its steps run after the dispatch for this long. */
const eagerPauseMs = 60_000;
const eagerPaused = new Map<string, number>();

function eagerFor(starts: readonly StartRequest[]): ((start: StartRequest) => boolean) | undefined {
  if (starts.length === 0 || starts.length > eagerRuns) return undefined;
  const now = Date.now();
  for (const [flowId, until] of eagerPaused) if (until <= now) eagerPaused.delete(flowId);
  return (start) => !eagerPaused.has(start.flowId);
}

async function dispatchBatch(
  runtime: FlowRuntime,
  triggers: readonly TriggerNode[],
  batchSize: number,
  flowChainDepth: number,
  triggerLogConditions: boolean,
  eager: boolean,
  onEvents?: (trx: Db, events: { id: number; type: string; module: string | null }[]) => Promise<void>,
): Promise<number> {
  return runTransaction(runtime, async (trx) => {
    // The batch's live messages (record changes, system posts, assignment notifications) are
    // held and sent once it has committed, by the runtime's live batch (server/automation/
    // engine.ts, as steps' are): a NOTIFY in this transaction would take PostgreSQL's NOTIFY
    // lock at its commit and keep it through the WAL flush, so every other notifying commit
    // (each record write's, for its event) would wait behind this one's fsync (issue 19).
    deferLive(trx);
    const events = await trx
      .selectFrom('events')
      .select(['id', 'type', 'module', 'recordId', 'payload', 'actorId', 'causationId', 'depth'])
      .where('dispatchedAt', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .forUpdate()
      .skipLocked()
      .execute();
    if (events.length === 0) return 0;
    // Assignees hear of their new records with the batch that dispatches the events (issue 16).
    await notifyAssignments(trx, events);
    // The posts record writes left (in their own statements) reach open feeds now.
    await announceRecordPosts(trx, events);
    // Open record pages and lists read the records these events changed again.
    await announceRecordChanges(trx, events);
    if (onEvents) await onEvents(trx, events);
    const types: string[] = [...new Set(events.map((event) => event.type))];
    const listening = triggers.filter((trigger) => trigger.events.some((type) => types.includes(type)));
    const flows = listening.length === 0 ? [] : await activeFlows(trx, listening);
    // The acting users' profiles are the runs' `user`, one query for the batch.
    const profiles =
      flows.length === 0
        ? new Map()
        : await userProfiles(
            trx,
            events.map((event) => event.actorId),
          );
    // The runs of the whole batch start at once, and its trigger log is written at once, after them.
    const log: TriggerLogEntry[] = [];
    const starts: StartRequest[] = [];
    const chains = new Set<string>();
    for (const row of events) {
      const event: EngineEvent = { ...row, depth: row.depth ?? 0 };
      // An import's records start no flow unless the import asked (imports.run_flows, issue 16).
      if (row.payload.importedWithoutFlows === true) continue;
      for (const flow of flows) {
        if (flow.triggerModule !== null && flow.triggerModule !== event.module) continue;
        // Ticks, webhook deliveries and overdue scans are addressed to one flow.
        if (typeof event.payload.flowId === 'string' && event.payload.flowId !== flow.id) continue;
        const decision = await matchEvent(
          trx,
          triggers,
          flow,
          event,
          row.causationId,
          flowChainDepth,
          chains,
          profiles,
          triggerLogConditions,
        );
        if (decision && 'outcome' in decision) log.push(decision);
        else if (decision) starts.push(decision);
      }
    }
    const runIds = await runtime.startMany(trx, starts, { eager: eager ? eagerFor(starts) : undefined });
    starts.forEach((start, index) => {
      const runId = runIds[index];
      if (runId) log.push(logEntry(start.flowId, start.eventId as number, 'started', runId, null));
    });
    if (log.length > 0) await trx.insertInto('flowTriggerLog').values(log).execute();
    await trx
      .updateTable('events')
      .set({ dispatchedAt: sql`now()` })
      .where(
        'id',
        'in',
        events.map((event) => event.id),
      )
      .execute();
    return events.length;
  });
}

/** Published versions never change: their definitions are read once per process. */
const definitions = new Map<string, Flow>();
const maxDefinitions = 1000;

/** The active flows whose trigger is one of these, with their published definitions. */
async function activeFlows(trx: Db, listening: readonly TriggerNode[]) {
  const flows = await trx
    .selectFrom('flows')
    .select(['id', 'triggerModule', 'publishedVersion'])
    .where('active', '=', true)
    .where('publishedVersion', 'is not', null)
    .where(
      'triggerType',
      'in',
      listening.map((trigger) => trigger.type),
    )
    .execute();
  const key = (flow: { id: string; publishedVersion: number | null }) =>
    `${flow.id}@${flow.publishedVersion}`;
  const missing = flows.filter((flow) => !definitions.has(key(flow)));
  if (missing.length > 0) {
    if (definitions.size + missing.length > maxDefinitions) definitions.clear();
    const rows = await trx
      .selectFrom('flowVersions')
      .select(['flowId', 'version', 'definition'])
      .where((eb) =>
        eb.or(
          missing.map((flow) =>
            eb.and([eb('flowId', '=', flow.id), eb('version', '=', flow.publishedVersion as number)]),
          ),
        ),
      )
      .execute();
    for (const row of rows) definitions.set(`${row.flowId}@${row.version}`, row.definition);
  }
  return flows.flatMap((flow) => {
    const definition = definitions.get(key(flow));
    return definition
      ? [
          {
            id: flow.id,
            triggerModule: flow.triggerModule,
            version: flow.publishedVersion as number,
            definition,
          },
        ]
      : [];
  });
}

/**
 * What an event means for a flow: nothing (no match), a run to start, or a trigger-log
 * entry saying why none starts. `chains` holds the (flow, record, chain) of the runs the
 * batch starts, so that a cycle inside one batch is caught as one across batches is.
 */
async function matchEvent(
  trx: Db,
  triggers: readonly TriggerNode[],
  flow: { id: string; version: number; definition: Flow },
  event: EngineEvent,
  causationId: number | null,
  maxDepth: number,
  chains: Set<string>,
  profiles: Map<string, UserProfile>,
  logConditions = false,
): Promise<StartRequest | TriggerLogEntry | undefined> {
  const trigger = triggers.find((candidate) => candidate.type === flow.definition.trigger.type);
  if (!trigger?.events.includes(event.type)) return;
  const matched = trigger.match(event, flow.definition.trigger.params);
  if (!matched) return;
  const found = trigger.providesRecord && !matched.record ? await withRecord(trx, event, matched) : matched;
  const input = found && withUserProfile(found, profiles);
  // A trigger condition that does not hold starts nothing, and logs it only when the admin
  // asks (setting triggerLogConditions; X2CRM logged every event).
  const log = (outcome: TriggerLogEntry['outcome'], detail: string) =>
    logEntry(flow.id, event.id, outcome, null, detail);
  try {
    if (input && !(await triggerConditionsHold(trx, flow.definition, input))) {
      return logConditions ? log('conditions', 'the trigger conditions did not hold') : undefined;
    }
  } catch (error) {
    // One flow's condition that cannot be decided must not hold up every other flow's events.
    return log('error', `the trigger conditions could not be evaluated: ${(error as Error).message}`);
  }
  if (!input) return log('error', `${event.module} ${event.recordId} no longer exists`);
  if (event.depth >= maxDepth && event.depth > 0) {
    return log(
      'depth-limit',
      `the chain of flows is ${event.depth} deep; the limit (setting flowChainDepth) is ${maxDepth}`,
    );
  }
  if (causationId !== null && event.recordId !== null) {
    // A flow that already ran in this chain on this record would only run again because of itself.
    if (chains.has(`${flow.id}/${event.recordId}/${causationId}`)) {
      return log('cycle', 'a run of this flow on this record in the same chain starts in the same batch');
    }
    const earlier = await trx
      .selectFrom('flowRuns')
      .innerJoin('events', 'events.id', 'flowRuns.eventId')
      .select('flowRuns.id')
      .where('flowRuns.flowId', '=', flow.id)
      .where('flowRuns.recordId', '=', event.recordId)
      .where((eb) => eb.or([eb('events.id', '=', causationId), eb('events.causationId', '=', causationId)]))
      .executeTakeFirst();
    if (earlier) {
      return log('cycle', `run ${earlier.id} of this flow already acted on this record in the same chain`);
    }
  }
  if (event.recordId !== null) chains.add(`${flow.id}/${event.recordId}/${causationId ?? event.id}`);
  return {
    flowId: flow.id,
    version: flow.version,
    definition: flow.definition,
    input,
    eventId: event.id,
    module: event.module,
    recordId: event.recordId,
    depth: event.depth,
    causationRoot: causationId ?? event.id,
  };
}

const logEntry = (
  flowId: string,
  eventId: number,
  outcome: TriggerLogEntry['outcome'],
  runId: string | null,
  detail: string | null,
): TriggerLogEntry => ({ flowId, eventId, outcome, runId, detail });

interface TriggerLogEntry {
  flowId: string;
  eventId: number;
  outcome: 'started' | 'conditions' | 'depth-limit' | 'cycle' | 'error';
  runId: string | null;
  detail: string | null;
}

/** The trigger's `conditions` (X2CRM's trigger conditions) over what the run would start with. */
export async function triggerConditionsHold(
  db: Db,
  definition: Flow,
  input: Omit<RunInput, 'now'>,
): Promise<boolean> {
  const conditions = (definition.trigger.params as { conditions?: unknown } | null)?.conditions;
  if (conditions === undefined) return true;
  const timeZone = definition.settings?.timeZone;
  const context = { ...input, now: new Date().toISOString() };
  const decide = () => conditionHolds(factServices(db), conditions, context, timeZone ? { timeZone } : {});
  if (!needsFacts(factsNeeded(conditions))) return decide();
  // Conditions on presence or lists read the database: a failing read must not abort the
  // caller's transaction (a dispatch batch, every other flow's runs with it).
  await sql`savepoint trigger_conditions`.execute(db);
  try {
    const holds = await decide();
    await sql`release savepoint trigger_conditions`.execute(db);
    return holds;
  } catch (error) {
    await sql`rollback to savepoint trigger_conditions`.execute(db);
    throw error;
  }
}

/** Reads every record: the trigger decides what starts a flow, not who caused the event. */
const system: Principal = {
  id: '00000000-0000-0000-0000-000000000000',
  username: 'workflow-dispatcher',
  isAdmin: true,
  roleIds: [],
  groupIds: [],
  permissions: {},
};

/**
 * Events that carry no record (views, tags, overdue scans) get the record as it is now;
 * null when it was deleted since.
 */
async function withRecord(trx: Db, event: EngineEvent, input: Omit<RunInput, 'now'>) {
  if (!event.module || !event.recordId) return input;
  // As record writes' events carry it: the fields, without the display names (two lookups per run).
  const record = await getRecord(trx, system, event.module, event.recordId, { display: false }).catch(
    () => null,
  );
  return record ? { ...input, record: { ...record, module: event.module } } : null;
}
