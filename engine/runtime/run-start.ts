/**
 * Starting runs: one per (event, flow version), in a handful of statements however many
 * the dispatcher starts at once. Each run's first outcome comes from its compiled machine's
 * pure initial transition; a flow's concurrency limit queues the runs past it (under the
 * flow's lock, so a start and a release never both see a free slot).
 */
import { randomUUID } from 'node:crypto';
import { EagerStepFailed, isConnectionLoss } from './errors.ts';
import { startRunWithFacts } from './facts.ts';
import { activeRuns, lockFlow, type RunRow, storedSnapshot, takeSlot } from './run-rows.ts';
import { apply } from './run-settle.ts';
import { type BatchWrites, eventKey, type RuntimeCore, type StartRequest, statusOf } from './runtime-core.ts';
import { runStarted } from './step-batch.ts';
import type { EngineDb } from './tables.ts';

export interface StartOptions {
  /**
   * The runs whose first steps run at once, in the caller's transaction, rather than once it
   * has committed (a dispatch of a few events: one commit and no hand-off before the steps,
   * the latency at a steady rate). Only steps whose effects stay in the database; should
   * one fail, `EagerStepFailed` is thrown and the caller's transaction is spoilt.
   */
  eager?: (request: StartRequest) => boolean;
}

/** Creates a run inside the caller's transaction. Returns its id, or null if its (event, flow version) had one. */
export async function startOne(
  core: RuntimeCore,
  trx: EngineDb,
  request: StartRequest,
): Promise<string | null> {
  const [id] = await startMany(core, trx, [request]);
  return id ?? null;
}

/**
 * Creates runs inside the caller's transaction, in a handful of statements however many
 * there are (the dispatcher starts a batch of events' runs at once). Returns each
 * request's run id, or null where its (event, flow version) had a run already.
 */
export async function startMany(
  core: RuntimeCore,
  trx: EngineDb,
  requests: readonly StartRequest[],
  options: StartOptions = {},
): Promise<(string | null)[]> {
  if (requests.length === 0) return [];
  const existing = await existingRuns(trx, requests);
  const fresh = requests.filter((request) => !existing.has(eventKey(request)));
  // The same lock as releases take, in one order: a start and a release cannot both see a free slot.
  const flowIds = [...new Set(fresh.map((request) => request.flowId))].sort();
  for (const flowId of flowIds) await lockFlow(trx, flowId);
  const limited = new Set<string>();
  const prepared = [];
  for (const request of fresh) {
    const compiled = await core.compiled(trx, request, request.definition);
    if (compiled.flow.settings?.maxConcurrentRuns !== undefined) limited.add(request.flowId);
    const outcome = await startRunWithFacts(core.deps.facts(trx), compiled, request.input, core.deps.clock);
    prepared.push({ request, compiled, outcome });
  }
  const active = await activeRuns(trx, fresh, [...limited]);
  const runs = prepared.map(({ request, compiled, outcome }) => {
    // Queued runs count too: a new run never overtakes one already waiting its turn.
    const queued = !takeSlot(active, request, compiled.flow.settings?.maxConcurrentRuns);
    const run: RunRow = {
      id: randomUUID(),
      flowId: request.flowId,
      version: request.version,
      status: queued ? 'queued' : statusOf(outcome),
      eventId: request.eventId ?? null,
      parentRunId: request.parent?.runId ?? null,
      parentNodeId: request.parent?.nodeId ?? null,
      depth: request.depth ?? 0,
      snapshot: outcome.snapshot,
    };
    return { request, outcome, queued, run };
  });
  if (runs.length > 0) {
    await trx
      .insertInto('flowRuns')
      .values(
        runs.map(({ request, run }) => ({
          ...run,
          module: request.module ?? null,
          recordId: request.recordId ?? null,
          causationRoot: request.causationRoot ?? null,
          input: JSON.stringify(request.input),
          snapshot: JSON.stringify(storedSnapshot(run.snapshot, run.status)),
        })),
      )
      .execute();
  }
  const batch: BatchWrites = { jobs: [] };
  for (const { outcome, queued, run } of runs) {
    if (!queued) await apply(core, trx, run, outcome, { stored: true, batch });
  }
  for (const step of batch.jobs) if (step.ready) step.ready.fresh = true;
  const { eager } = options;
  if (eager) {
    const now = runs.filter(({ request }) => eager(request)).map(({ run }) => run.id);
    try {
      await runStarted(core, trx, batch, new Set(now));
    } catch (error) {
      if (isConnectionLoss(error)) throw error;
      const flows = runs.filter(({ run }) => now.includes(run.id)).map(({ request }) => request.flowId);
      throw new EagerStepFailed([...new Set(flows)], error);
    }
  }
  await core.insertSteps(trx, batch.jobs);
  const ids = new Map(runs.map(({ request, run }) => [request, run.id]));
  return requests.map((request) => ids.get(request) ?? null);
}

/** The requests whose (event, flow version) already has a run: an event dispatched again after a crash. */
async function existingRuns(trx: EngineDb, requests: readonly StartRequest[]): Promise<Set<string>> {
  const eventIds = [...new Set(requests.flatMap((request) => (request.eventId ? [request.eventId] : [])))];
  if (eventIds.length === 0) return new Set();
  const rows = await trx
    .selectFrom('flowRuns')
    .select(['eventId', 'flowId', 'version'])
    .where('eventId', 'in', eventIds)
    .execute();
  return new Set(rows.map(eventKey));
}
