import { sql } from 'kysely';
import type { ActionDefinition } from '../core/node-types.ts';
import type { RunEvent } from '../core/stepper.ts';
import type { RuntimeDeps } from './runtime.ts';
import type { EngineDb, FlowRunsTable, RunStatus } from './tables.ts';

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
  status === 'done' || status === 'failed' || status === 'cancelled';

export function stepDone(definition: ActionDefinition, nodeId: string, output: unknown): RunEvent {
  const effects = (output ?? {}) as { record?: unknown; vars?: Record<string, unknown> };
  return {
    type: 'step.done',
    nodeId,
    output,
    ...(definition.switchesRecord && { record: effects.record }),
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

export async function findStep(trx: EngineDb, runId: string, nodeId: string, iteration: number) {
  return trx
    .selectFrom('flowSteps')
    .select(['status', 'attempt'])
    .where('runId', '=', runId)
    .where('nodeId', '=', nodeId)
    .where('iteration', '=', iteration)
    .executeTakeFirst();
}

export async function upsertStep(
  trx: EngineDb,
  step: {
    runId: string;
    nodeId: string;
    iteration: number;
    nodeType: string;
    status: 'running' | 'done' | 'failed' | 'waiting';
    attempt?: number;
    input?: unknown;
    output?: unknown;
    error?: unknown;
  },
  /** Given when no run change follows in the same transaction (which would tell live views anyway). */
  onChange?: RuntimeDeps['onChange'],
): Promise<void> {
  const settled = step.status === 'done' || step.status === 'failed';
  const values = {
    status: step.status,
    ...(step.attempt !== undefined && { attempt: step.attempt }),
    ...(step.input !== undefined && { input: JSON.stringify(step.input) }),
    ...(step.output !== undefined && { output: JSON.stringify(step.output) }),
    ...(step.error !== undefined && { error: JSON.stringify(step.error) }),
    ...(settled && { finishedAt: new Date() }),
  };
  await trx
    .insertInto('flowSteps')
    .values({
      runId: step.runId,
      nodeId: step.nodeId,
      iteration: step.iteration,
      nodeType: step.nodeType,
      ...values,
    })
    .onConflict((oc) => oc.columns(['runId', 'nodeId', 'iteration']).doUpdateSet(values))
    .execute();
  await onChange?.(trx, {
    runId: step.runId,
    step: { nodeId: step.nodeId, iteration: step.iteration, status: step.status },
  });
}

/**
 * Runs of one flow on one record go one after another, and a flow may cap how many of
 * its runs are active at once. Starts of a flow are serialised by a lock, so two
 * transactions cannot both see a free slot.
 */
export async function mustQueue(
  trx: EngineDb,
  flowId: string,
  recordId: string | null,
  limit: number | undefined,
) {
  await lockFlow(trx, flowId);
  // Queued runs count too: a new run never overtakes one already waiting its turn.
  return blocked(trx, { flowId, recordId, limit, statuses: ['queued', 'running', 'waiting'] });
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
