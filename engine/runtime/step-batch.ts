/**
 * Running steps: one step job (`onStep`: the action, its step row and the run's next state
 * in one transaction, or on failure the retry or the failed step), or a batch of ready steps
 * of different runs in one transaction (`runBatch`), chaining each run's next steps into it
 * for a few rounds. A step with effects outside the database always runs alone, so a
 * rolled-back batch never called anyone.
 */
import { sql } from 'kysely';
import { runData } from '../core/compile.ts';
import type { PersistedRun } from '../core/stepper.ts';
import { runAction } from './action-call.ts';
import { isConnectionLoss, NonRetriableError, RetryAfterError, toStepError } from './errors.ts';
import { markBatch, writeHeld } from './held-writes.ts';
import { inTransaction, queues, type StepJob } from './jobs.ts';
import {
  findStep,
  finished,
  type LockedRun,
  lockRun,
  lockRunsForSteps,
  type Settled,
  type StepWrite,
  settleRuns,
  stepDone,
  upsertStep,
} from './run-rows.ts';
import { advance, releaseQueued } from './run-settle.ts';
import {
  type BatchWrites,
  maxBatch,
  maxRounds,
  pending,
  type ReadyStep,
  type RuntimeCore,
} from './runtime-core.ts';
import type { EngineDb } from './tables.ts';

/**
 * The next ready steps to run together (fewer round trips per step leave the event loop
 * room, which matters more than a step waiting for the others of its batch): runs under
 * way before new ones, each queue in its order so that none starves; one step per run (a
 * step sees its run as the step before left it); a step with effects outside the
 * database alone.
 */
export function takeBatch(core: RuntimeCore): ReadyStep[] {
  const batch: ReadyStep[] = [];
  const runs = new Set<string>();
  for (const queue of [core.ready.next, core.ready.fresh]) {
    for (let index = 0; index < queue.length && batch.length < maxBatch; ) {
      const step = queue[index] as ReadyStep;
      const alone = core.external(step.data.nodeType);
      if (runs.has(step.data.runId) || (alone && batch.length > 0)) {
        index++;
        continue;
      }
      queue.splice(index, 1);
      if (alone) return [step];
      batch.push(step);
      runs.add(step.data.runId);
    }
  }
  return batch;
}

/**
 * Handles one `weft.flow.step` job: runs the action, records it, advances the run. An
 * inline attempt (`inlineJobId`) deletes the step's held-back job as it settles the step.
 */
export async function onStep(
  core: RuntimeCore,
  job: { data: StepJob; retryCount: number },
  options: { inlineJobId?: string } = {},
): Promise<void> {
  const { runId, nodeId, iteration, nodeType, params, maxAttempts } = job.data;
  const { inlineJobId } = options;
  // Attempts are counted on the step row: an inline attempt, a pg-boss retry and a job
  // re-sent after a RetryAfterError (which restarts pg-boss's count) each add one.
  const jobAttempt = (job.data.previousAttempts ?? 0) + job.retryCount + 1;
  const attemptAfter = (step: { attempt: number } | undefined) =>
    Math.max(jobAttempt, (step?.attempt ?? 0) + 1);
  const settleJob = async (trx: EngineDb) => {
    if (inlineJobId) await core.deps.boss.deleteJob(queues.step, inlineJobId, { db: inTransaction(trx) });
  };
  try {
    await core.transaction(async (trx) => {
      const run = (await lockRunsForSteps(trx, [job.data])).get(runId);
      if (pending(run)) await perform(core, trx, job.data, run, attemptAfter(run.step));
      await settleJob(trx);
    });
  } catch (error) {
    // The database connection was lost, not the step's work: nothing of the attempt was
    // committed, and it does not count. Its job runs it again (a held-back inline job when
    // its lease ends, a queued one through pg-boss's retry).
    if (isConnectionLoss(error)) throw error;
    let retry = false;
    await core.transaction(async (trx) => {
      const run = await lockRun(trx, runId);
      const step = run && !finished(run.status) ? await findStep(trx, runId, nodeId, iteration) : undefined;
      if (!run || finished(run.status) || (step && step.status !== 'running')) {
        await settleJob(trx);
        return;
      }
      const attempt = attemptAfter(step);
      const failure = toStepError(error);
      const retriable = !(error instanceof NonRetriableError) && attempt < maxAttempts;
      await upsertStep(trx, {
        runId,
        nodeId,
        iteration,
        nodeType,
        status: retriable ? 'running' : 'failed',
        attempt,
        input: params,
        error: failure,
      });
      core.changed(trx, { runId, step: { nodeId, iteration, status: retriable ? 'running' : 'failed' } });
      await settleJob(trx);
      if (!retriable) {
        await advance(core, trx, run, { type: 'step.failed', nodeId, error: failure });
      } else if (inlineJobId || error instanceof RetryAfterError) {
        // A fresh job at the retry's time replaces the deleted inline one, or pg-boss's own
        // backoff when the remote named its delay.
        const delayMs =
          error instanceof RetryAfterError ? error.delayMs : core.retryDelayMs(nodeType, attempt);
        const delayed = { ...job.data, previousAttempts: attempt };
        await core.insertSteps(trx, [
          core.stepEntry(delayed, `attempt-${attempt + 1}`, new Date(Date.now() + delayMs)),
        ]);
      } else {
        retry = true;
      }
    });
    if (retry) throw error; // pg-boss retries the job with the node's backoff
  }
}

/**
 * Runs a step's action and records it with the run's next state, in the caller's
 * transaction, which holds the run's lock. The step row is the step's only write: a step
 * that fails or dies mid-way leaves nothing of it.
 */
async function perform(
  core: RuntimeCore,
  trx: EngineDb,
  data: StepJob,
  run: LockedRun,
  attempt: number,
  batch?: BatchWrites,
): Promise<void> {
  const { runId, nodeId, iteration, nodeType, params } = data;
  const definition = core.deps.catalog.get(nodeType);
  if (definition?.kind !== 'action') {
    throw new NonRetriableError(`unknown action type "${nodeType}"`, { owner: 'system' });
  }
  const context = {
    runId,
    nodeId,
    attempt,
    record: (run.snapshot as PersistedRun).context.record,
    data: runData((run.snapshot as PersistedRun).context),
    idempotencyKey: `${runId}:${nodeId}:${iteration}`,
    services: await core.deps.services(trx, {
      runId,
      flowId: run.flowId,
      eventId: run.eventId,
      depth: run.depth,
      flow: run.flow,
      causationRoot: run.causationRoot,
    }),
    now: core.deps.clock.now(),
  };
  const output = await runAction(definition, context, params);
  const step: StepWrite = {
    runId,
    nodeId,
    iteration,
    nodeType,
    status: 'done',
    attempt,
    input: params,
    output,
  };
  await advance(core, trx, run, stepDone(definition, nodeId, output), step, batch);
}

/**
 * Runs a few ready steps of different runs in one transaction: one lock query, one
 * insert of the next steps' jobs, one job deletion and one commit for all. Only steps
 * whose effects stay in the database are batched (a rolled-back batch must not have
 * called anyone). A step that readies the next step of its run, batchable too, runs that
 * one in the same transaction (`chained`), for a few rounds: its job would be inserted
 * and deleted by this transaction, so it is never written. Should any step fail, the
 * batch rolls back as if it never ran and each of its first steps runs again alone, on
 * the path that records failures and retries.
 */
export async function runBatch(core: RuntimeCore, batch: readonly ReadyStep[]): Promise<void> {
  try {
    await core.transaction(async (trx) => {
      // The steps' services hold their changelog rows, events and posts for one statement at the end.
      markBatch(trx);
      const runs = await lockRunsForSteps(
        trx,
        batch.map((step) => step.data),
      );
      // The steps' rows, their runs' states and the next steps' jobs are written together
      // once every step of the batch is done.
      const writes: BatchWrites = { jobs: [], settled: [], written: new Set() };
      const round = batch.flatMap(({ data }) => {
        const run = runs.get(data.runId);
        return pending(run) ? [{ data, run }] : [];
      });
      await runRounds(core, trx, round, writes);
      // The batch's closing statements (held rows, settled steps and runs, jobs) take arrays
      // whose lengths vary: PostgreSQL judged their custom plans cheaper and planned them
      // anew every batch. Their generic plans (index lookups per element) are as good.
      await sql`set local plan_cache_mode = force_generic_plan`.execute(trx);
      await writeHeld(trx);
      await settleBatch(core, trx, writes, runs);
      await core.insertSteps(trx, writes.jobs);
      await core.deps.boss.deleteJob(
        queues.step,
        batch.map((step) => step.jobId),
        { db: inTransaction(trx) },
      );
    });
  } catch {
    for (const { data, jobId } of batch) {
      await onStep(core, { data, retryCount: 0 }, { inlineJobId: jobId }).catch(() => undefined);
    }
  }
}

/**
 * Runs the first steps of the runs `now` (just started in this transaction, `startMany`'s
 * `eager`) in the same transaction, chained as a batch chains them, and leaves in
 * `batch.jobs` only the steps still to run: their jobs are never written.
 */
export async function runStarted(
  core: RuntimeCore,
  trx: EngineDb,
  batch: BatchWrites,
  now: ReadonlySet<string>,
): Promise<void> {
  const runIds = new Set<string>();
  const first = batch.jobs.filter(({ ready }) => {
    const data = ready?.data;
    if (!data || !now.has(data.runId) || runIds.has(data.runId) || core.external(data.nodeType)) return false;
    runIds.add(data.runId);
    return true;
  });
  if (first.length === 0) return;
  const steps = first.flatMap(({ ready }) => (ready ? [ready.data] : []));
  // As in a batch: the steps' changelog rows, events and posts go in one statement at the end.
  markBatch(trx);
  const runs = await lockRunsForSteps(trx, steps);
  const writes: BatchWrites = { jobs: [], settled: [], written: new Set() };
  const round = steps.flatMap((data) => {
    const run = runs.get(data.runId);
    return pending(run) ? [{ data, run }] : [];
  });
  await runRounds(core, trx, round, writes);
  await writeHeld(trx);
  await settleBatch(core, trx, writes, runs);
  batch.jobs = [...batch.jobs.filter((entry) => !first.includes(entry)), ...writes.jobs];
}

/**
 * Runs `round` (ready steps of different runs, their runs locked by the caller) in the
 * caller's transaction, then, for a few rounds, each run's next step where it may run in
 * the batch (`chained`). What they write is left in `writes` for the caller to flush.
 */
export async function runRounds(
  core: RuntimeCore,
  trx: EngineDb,
  first: { data: StepJob; run: LockedRun }[],
  writes: BatchWrites,
): Promise<void> {
  let round = first;
  for (let rounds = 1; round.length > 0; rounds++) {
    const held = new Map<string, { run: LockedRun; entry: Settled }>();
    for (const step of round) {
      const { data } = step;
      // A run moved on by another step of the batch is read again first (once: what this
      // step makes of it is held in memory again).
      const fresh = writes.written?.delete(data.runId) ? await lockRun(trx, data.runId) : undefined;
      const run = fresh ? { ...step.run, ...fresh } : step.run;
      if (!pending(run)) continue;
      const settled = writes.settled?.length ?? 0;
      await perform(core, trx, data, run, (run.step?.attempt ?? 0) + 1, writes);
      // The run's new state is in memory only when its write was left to the batch.
      const entry = writes.settled?.[settled];
      if (entry?.run?.id === run.id && !finished(entry.run.status)) held.set(run.id, { run, entry });
    }
    round = rounds < maxRounds ? chainedFrom(core, writes, held) : [];
  }
}

/**
 * The runs `held` in memory after a round (their new state not written yet) whose next
 * step may run in the same transaction, with that step (`chained`).
 */
export function chainedFrom(
  core: RuntimeCore,
  writes: BatchWrites,
  held: ReadonlyMap<string, { run: LockedRun; entry: Settled }>,
): { data: StepJob; run: LockedRun }[] {
  // A run written since (a called flow it waits for ended in this round) goes no further here.
  const chainable = new Map<string, LockedRun>();
  for (const [id, { run, entry }] of held)
    if (entry.run) chainable.set(id, { ...run, ...entry.run, step: undefined });
  return chained(core, writes, chainable);
}

/**
 * Takes out of a batch's next jobs one step for each run in `runs` (at most one: a step
 * sees its run as the step before left it), where the step may run in the batch.
 */
function chained(
  core: RuntimeCore,
  writes: BatchWrites,
  runs: ReadonlyMap<string, LockedRun>,
): { data: StepJob; run: LockedRun }[] {
  const next: { data: StepJob; run: LockedRun }[] = [];
  const taken = new Set<string>();
  writes.jobs = writes.jobs.filter((entry) => {
    const data = entry.ready?.data;
    const run = data && runs.get(data.runId);
    if (!data || !run || taken.has(run.id) || core.external(data.nodeType)) return true;
    taken.add(run.id);
    next.push({ data, run });
    return false;
  });
  return next;
}

/**
 * Writes what a batch left to its end (its settled steps and its runs' states, in one
 * statement) and lets queued runs of the flows whose runs ended go. Runs of flows with a
 * concurrency limit lock their flows first (RuntimeCore.lockLimitedFlows).
 */
export async function settleBatch(
  core: RuntimeCore,
  trx: EngineDb,
  writes: BatchWrites,
  runs: ReadonlyMap<string, LockedRun>,
): Promise<void> {
  const ending = (writes.settled ?? []).flatMap((entry) => {
    const run = entry.run && finished(entry.run.status) ? runs.get(entry.run.id) : undefined;
    return run ? [run] : [];
  });
  await core.lockLimitedFlows(trx, ending);
  for (const flowId of await settleRuns(trx, writes.settled ?? [])) {
    await releaseQueued(core, trx, flowId, { known: true });
  }
}
