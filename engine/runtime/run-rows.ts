import { type QueryCreator, sql } from 'kysely';
import type { ActionDefinition } from '../core/node-types.ts';
import type { RunEvent } from '../core/stepper.ts';
import type { EngineDb, EngineTables, FlowRunsTable, RunStatus } from './tables.ts';

/**
 * The rows behind a run: locking it, reading and writing its steps, and whether a new run
 * must queue. Every function works inside the caller's transaction.
 */

export type RunRow = Pick<
  FlowRunsTable,
  'flowId' | 'version' | 'parentRunId' | 'parentNodeId' | 'eventId'
> & {
  depth: number;
  id: string;
  status: RunStatus;
  snapshot: unknown;
};

/** Compared with record ids when a run has none: matches no record. */
const noRecord = '00000000-0000-0000-0000-000000000000';
export const finished = (status: RunStatus) =>
  status === 'succeeded' || status === 'failed' || status === 'cancelled';

export function stepDone(definition: ActionDefinition, nodeId: string, output: unknown): RunEvent {
  const effects = (output ?? {}) as { record?: unknown; vars?: Record<string, unknown> };
  return {
    type: 'step.done',
    nodeId,
    output,
    ...(definition.switchesRecord && { record: effects.record }),
    ...(definition.updatesRecord &&
      effects.record !== null &&
      typeof effects.record === 'object' && { recordChanges: effects.record as Record<string, unknown> }),
    ...(definition.setsVars && effects.vars && { vars: effects.vars }),
  };
}

export async function lockRun(trx: EngineDb, runId: string): Promise<RunRow | undefined> {
  return trx
    .selectFrom('flowRuns')
    .select([
      'id',
      'flowId',
      'version',
      'status',
      'snapshot',
      'parentRunId',
      'parentNodeId',
      'eventId',
      'depth',
    ])
    .where('id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
}

/** A step of a run: what locks for steps are asked about. */
export interface StepKey {
  runId: string;
  nodeId: string;
  iteration: number;
}

/**
 * Locks runs for one step each, reading with them in one query what the steps need: each
 * step's row if any, and the flow's author and name. Locks are taken in run id order, so
 * two transactions locking overlapping runs do not deadlock. Keyed by run id.
 */
export async function lockRunsForSteps(trx: EngineDb, steps: readonly StepKey[]) {
  const { rows } = await sql<
    RunRow & {
      causationRoot: number | null;
      createdBy: string | null;
      name: string;
      stepStatus: string | null;
      stepAttempt: number | null;
    }
  >`
    select run.id, run.flow_id, run.version, run.status, run.snapshot, run.parent_run_id, run.parent_node_id,
      run.event_id, run.depth, run.causation_root, flow.created_by, flow.name,
      step.status as step_status, step.attempt as step_attempt
    from unnest(${steps.map((key) => key.runId)}::uuid[], ${steps.map((key) => key.nodeId)}::text[],
      ${steps.map((key) => key.iteration)}::int[]) as wanted(run_id, node_id, iteration)
    join flow_runs run on run.id = wanted.run_id
    join flows flow on flow.id = run.flow_id
    left join flow_steps step
      on step.run_id = wanted.run_id and step.node_id = wanted.node_id and step.iteration = wanted.iteration
    order by run.id
    for update of run`.execute(trx);
  return new Map(
    rows.map(({ createdBy, name, stepStatus, stepAttempt, ...run }) => [
      run.id,
      {
        ...run,
        flow: { createdBy, name },
        step: stepStatus === null ? undefined : { status: stepStatus, attempt: stepAttempt ?? 0 },
      } satisfies RunRow & Record<string, unknown>,
    ]),
  );
}

export type LockedRun = NonNullable<
  Awaited<ReturnType<typeof lockRunsForSteps>> extends Map<string, infer R> ? R : never
>;

export async function findStep(trx: EngineDb, runId: string, nodeId: string, iteration: number) {
  return trx
    .selectFrom('flowSteps')
    .select(['status', 'attempt'])
    .where('runId', '=', runId)
    .where('nodeId', '=', nodeId)
    .where('iteration', '=', iteration)
    .executeTakeFirst();
}

export interface StepWrite {
  runId: string;
  nodeId: string;
  iteration: number;
  nodeType: string;
  status: 'running' | 'done' | 'failed' | 'waiting';
  attempt?: number;
  input?: unknown;
  output?: unknown;
  error?: unknown;
}

/** Inserts or updates a step's row (unique per run, node and iteration). */
export function stepUpsert(trx: QueryCreator<EngineTables>, step: StepWrite) {
  const settled = step.status === 'done' || step.status === 'failed';
  const values = {
    status: step.status,
    ...(step.attempt !== undefined && { attempt: step.attempt }),
    ...(step.input !== undefined && { input: JSON.stringify(step.input) }),
    ...(step.output !== undefined && { output: JSON.stringify(step.output) }),
    ...(step.error !== undefined && { error: JSON.stringify(step.error) }),
    ...(settled && { finishedAt: new Date() }),
  };
  return trx
    .insertInto('flowSteps')
    .values({
      runId: step.runId,
      nodeId: step.nodeId,
      iteration: step.iteration,
      nodeType: step.nodeType,
      ...values,
    })
    .onConflict((oc) => oc.columns(['runId', 'nodeId', 'iteration']).doUpdateSet(values));
}

export async function upsertStep(trx: EngineDb, step: StepWrite): Promise<void> {
  await stepUpsert(trx, step).execute();
}

/**
 * A run's snapshot as stored: a succeeded run's without xstate's `output`, which the run's
 * `output` column holds (its steps' outputs a third time: the record a step wrote was in the
 * snapshot's context, its steps and that output). Nothing resumes a succeeded run from its
 * snapshot; retry-from starts a new run from its context.
 */
export function storedSnapshot(snapshot: unknown, status: RunStatus): unknown {
  if (status !== 'succeeded' || snapshot === null || typeof snapshot !== 'object' || !('output' in snapshot))
    return snapshot;
  const { output: _output, ...kept } = snapshot as Record<string, unknown>;
  return kept;
}

/** A settled step and its run's new state, written with others' at the end of a batch (`settleRuns`). */
export interface Settled {
  step: StepWrite & { status: 'done' };
  /** The run's state after the step; none when a later step of the batch wrote the run itself. */
  run?: { id: string; status: RunStatus; snapshot: unknown; output?: unknown };
  /** When the step was done (the batch commits later). */
  at: Date;
}

/**
 * Writes the settled steps of a batch and their runs' new states, in one statement
 * whatever their number (arrays and JSON arrays, not a row of parameters each); of a run settled more
 * than once, its last state. Returns the flows that have runs queued behind a run this
 * finished.
 */
export async function settleRuns(trx: EngineDb, settled: readonly Settled[]): Promise<string[]> {
  if (settled.length === 0) return [];
  const last = [
    ...new Map(settled.flatMap(({ run, at }) => (run ? [[run.id, { ...run, at }] as const] : []))).values(),
  ];
  const column = <T>(pick: (entry: Settled) => T) => settled.map(pick);
  const runColumn = <T>(pick: (entry: (typeof last)[number]) => T) => last.map(pick);
  // The JSON values go as one JSON array per kind, read by position (`with ordinality`), not
  // as jsonb[] parameters: pg writes an array parameter by escaping every element's quotes,
  // which cost more than the JSON itself (issue 19). The rows still come from unnest (whose
  // row count the planner knows). An undefined value is SQL null, as JSON null is kept JSON null.
  const values = (list: readonly unknown[]) =>
    JSON.stringify(list.map((value) => (value === undefined ? {} : { v: value })));
  const stepInputs = values(column((entry) => entry.step.input));
  const stepOutputs = values(column((entry) => entry.step.output));
  const runSnapshots = values(runColumn((run) => storedSnapshot(run.snapshot, run.status)));
  const runOutputs = values(runColumn((run) => run.output));
  const { rows } = await sql<{ flowId: string; hasQueued: boolean }>`
    with steps as (
      insert into flow_steps (run_id, node_id, iteration, node_type, status, attempt, input, output, finished_at)
      select step.run_id, step.node_id, step.iteration, step.node_type, step.status, step.attempt,
        ${stepInputs}::jsonb -> (step.n::int - 1) -> 'v', ${stepOutputs}::jsonb -> (step.n::int - 1) -> 'v', step.at
      from unnest(
        ${column((entry) => entry.step.runId)}::uuid[], ${column((entry) => entry.step.nodeId)}::text[],
        ${column((entry) => entry.step.iteration)}::int[], ${column((entry) => entry.step.nodeType)}::text[],
        ${column((entry) => entry.step.status)}::text[], ${column((entry) => entry.step.attempt ?? 0)}::int[],
        ${column((entry) => entry.at)}::timestamptz[])
        with ordinality as step(run_id, node_id, iteration, node_type, status, attempt, at, n)
      on conflict (run_id, node_id, iteration) do update set
        status = excluded.status, attempt = excluded.attempt, finished_at = excluded.finished_at,
        input = coalesce(excluded.input, flow_steps.input), output = coalesce(excluded.output, flow_steps.output)
    )
    update flow_runs run set
      status = settled.status, snapshot = ${runSnapshots}::jsonb -> (settled.n::int - 1) -> 'v', updated_at = settled.at,
      output = case when settled.status = 'succeeded'
        then coalesce(${runOutputs}::jsonb -> (settled.n::int - 1) -> 'v', 'null') else run.output end,
      finished_at = case when settled.status = 'succeeded' then settled.at else run.finished_at end
    from unnest(
      ${runColumn((run) => run.id)}::uuid[], ${runColumn((run) => run.status)}::text[],
      ${runColumn((run) => run.at)}::timestamptz[]) with ordinality as settled(id, status, at, n)
    where run.id = settled.id
    returning run.flow_id as "flowId", settled.status = 'succeeded' and exists (
      select 1 from flow_runs queued where queued.flow_id = run.flow_id and queued.status = 'queued') as "hasQueued"`.execute(
    trx,
  );
  return [...new Set(rows.filter((row) => row.hasQueued).map((row) => row.flowId))];
}

/**
 * Runs of one flow on one record go one after another, and a flow may cap how many of
 * its runs are active at once. What is active now, for a batch of starts: runs per
 * (flow, record) of the records they concern, and runs per flow of the capped flows.
 * The caller holds the flows' start locks, so no other transaction starts runs meanwhile.
 */
export async function activeRuns(
  trx: EngineDb,
  starts: readonly { flowId: string; recordId?: string | null }[],
  cappedFlowIds: readonly string[],
): Promise<ActiveRuns> {
  const active: ActiveRuns = { perRecord: new Map(), perFlow: new Map() };
  const flowIds = [...new Set(starts.map((start) => start.flowId))];
  const recordIds = [...new Set(starts.flatMap((start) => (start.recordId ? [start.recordId] : [])))];
  // Queued runs count too: a new run never overtakes one already waiting its turn.
  const statuses: RunStatus[] = ['queued', 'running', 'waiting'];
  if (flowIds.length > 0 && recordIds.length > 0) {
    const rows = await trx
      .selectFrom('flowRuns')
      .select(['flowId', 'recordId', (eb) => eb.fn.countAll<number>().as('count')])
      .where('flowId', 'in', flowIds)
      .where('recordId', 'in', recordIds)
      .where('status', 'in', statuses)
      .groupBy(['flowId', 'recordId'])
      .execute();
    for (const row of rows) active.perRecord.set(`${row.flowId}/${row.recordId}`, Number(row.count));
  }
  if (cappedFlowIds.length > 0) {
    const rows = await trx
      .selectFrom('flowRuns')
      .select(['flowId', (eb) => eb.fn.countAll<number>().as('count')])
      .where('flowId', 'in', [...cappedFlowIds])
      .where('status', 'in', statuses)
      .groupBy('flowId')
      .execute();
    for (const row of rows) active.perFlow.set(row.flowId, Number(row.count));
  }
  return active;
}

export interface ActiveRuns {
  perRecord: Map<string, number>;
  perFlow: Map<string, number>;
}

/** Counts a new run in `active`; false when it must queue instead (its record is busy, or its flow at its cap). */
export function takeSlot(
  active: ActiveRuns,
  start: { flowId: string; recordId?: string | null },
  limit: number | undefined,
): boolean {
  const recordKey = start.recordId ? `${start.flowId}/${start.recordId}` : undefined;
  const onRecord = recordKey ? (active.perRecord.get(recordKey) ?? 0) : 0;
  const onFlow = active.perFlow.get(start.flowId) ?? 0;
  // A queued run is active too: the runs after it on the same record queue behind it.
  if (recordKey) active.perRecord.set(recordKey, onRecord + 1);
  active.perFlow.set(start.flowId, onFlow + 1);
  return onRecord === 0 && (limit === undefined || onFlow < limit);
}

export async function blocked(
  trx: EngineDb,
  at: {
    flowId: string;
    recordId: string | null;
    limit: number | undefined;
    statuses: RunStatus[];
    except?: string;
  },
): Promise<boolean> {
  let query = trx
    .selectFrom('flowRuns')
    .select([
      (eb) => eb.fn.countAll<number>().as('total'),
      (eb) =>
        eb.fn
          .countAll<number>()
          .filterWhere('recordId', '=', at.recordId ?? noRecord)
          .as('sameRecord'),
    ])
    .where('flowId', '=', at.flowId)
    .where('status', 'in', at.statuses);
  if (at.except) query = query.where('id', '<>', at.except);
  const active = await query.executeTakeFirstOrThrow();
  return (
    (at.recordId !== null && Number(active.sameRecord) > 0) ||
    (at.limit !== undefined && Number(active.total) >= at.limit)
  );
}

/** The published version of a flow (only while the flow is active, if asked), or undefined. */
export async function publishedVersion(trx: EngineDb, flowId: string, options: { activeOnly: boolean }) {
  let query = trx
    .selectFrom('flows')
    .innerJoin('flowVersions', (join) =>
      join
        .onRef('flowVersions.flowId', '=', 'flows.id')
        .onRef('flowVersions.version', '=', 'flows.publishedVersion'),
    )
    .select(['flows.id', 'flowVersions.version', 'flowVersions.definition'])
    .where('flows.id', '=', flowId);
  if (options.activeOnly) query = query.where('flows.active', '=', true);
  return query.executeTakeFirst();
}

/** Flows whose start lock a transaction already holds: a batch of starts takes it once. */
const heldLocks = new WeakMap<EngineDb, Set<string>>();

/** The lock that serialises starts and releases of one flow's runs, until the transaction ends. */
export async function lockFlow(trx: EngineDb, flowId: string): Promise<void> {
  const held = heldLocks.get(trx) ?? new Set<string>();
  if (held.has(flowId)) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${flowId}, 0))`.execute(trx);
  held.add(flowId);
  heldLocks.set(trx, held);
}
