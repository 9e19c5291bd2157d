/**
 * Waits, cancelling and retrying: a wait's job resuming its run (unless the flow was
 * switched off meanwhile), a user cancelling a run, and "retry from the failed step",
 * which rolls the run's snapshot back to the moment that step was entered.
 */

import type { StepJob, WaitJob } from './jobs.ts';
import {
  findStep,
  finished,
  type LockedRun,
  lockRun,
  lockRunsForSteps,
  type Settled,
  upsertStep,
} from './run-rows.ts';
import { advance, finish } from './run-settle.ts';
import { type BatchWrites, pending, type RuntimeCore } from './runtime-core.ts';
import { chainedFrom, onStep, runRounds, settleBatch } from './step-batch.ts';
import type { EngineDb } from './tables.ts';

/** Whether a run's flow was switched off after the run started (then its wait cancels it). */
function switchedOff(flow: { active: boolean; deactivatedAt: Date | null; startedAt: Date } | undefined) {
  return (
    !flow ||
    (!flow.active && flow.deactivatedAt !== null && flow.deactivatedAt.getTime() >= flow.startedAt.getTime())
  );
}

async function cancelAtWait(core: RuntimeCore, trx: EngineDb, runId: string, wait: WaitJob): Promise<void> {
  const message = 'the flow was deactivated while this run waited';
  await upsertStep(trx, { ...wait, runId, nodeType: 'control.wait', status: 'failed', error: { message } });
  await finish(core, trx, runId, 'cancelled', null, { message });
}

/**
 * Handles `weft.flow.wait` jobs that came due together (a drip's 10,000 contacts waiting the
 * same day) in one transaction, on the batched step path: one statement locks every run
 * with its wait's row, one reads their flows, each run advances in memory, and their step
 * rows and new states are written in a few statements for all, and the steps after the
 * waits run in the same transaction, chained as `runBatch` chains a run's next steps (those
 * with effects outside the database are readied instead, and run inline after the commit). Should anything fail, the batch rolls back and each wait is handled alone
 * (`onWait`), which records what went wrong. Answers, per job, whether it failed.
 */
export async function onWaits(
  core: RuntimeCore,
  jobs: readonly { id: string; data: WaitJob }[],
): Promise<{ id: string; failed: boolean }[]> {
  // One wait per run in a batch (a run sees its state as the step before left it); the rest alone after.
  const seen = new Set<string>();
  const batch = jobs.filter((job) => !seen.has(job.data.runId) && seen.add(job.data.runId));
  const alone = jobs.filter((job) => !batch.includes(job));
  if (batch.length > 1) {
    try {
      await core.transaction(async (trx) => {
        const runs = await lockRunsForSteps(
          trx,
          batch.map((job) => job.data),
        );
        const flows = new Map(
          (
            await trx
              .selectFrom('flowRuns')
              .innerJoin('flows', 'flows.id', 'flowRuns.flowId')
              .select(['flowRuns.id', 'flows.active', 'flows.deactivatedAt', 'flowRuns.startedAt'])
              .where(
                'flowRuns.id',
                'in',
                batch.map((job) => job.data.runId),
              )
              .execute()
          ).map(({ id, ...flow }) => [id, flow]),
        );
        const writes: BatchWrites = { jobs: [], settled: [], written: new Set() };
        const held = new Map<string, { run: LockedRun; entry: Settled }>();
        for (const { data } of batch) {
          const run = runs.get(data.runId);
          if (!run || finished(run.status) || run.step?.status !== 'waiting') continue;
          if (switchedOff(flows.get(data.runId))) {
            await cancelAtWait(core, trx, run.id, data);
            continue;
          }
          const step = { ...data, nodeType: 'control.wait', status: 'done' as const };
          const settled = writes.settled?.length ?? 0;
          await advance(core, trx, run, { type: 'wait.elapsed', nodeId: data.nodeId }, step, writes);
          const entry = writes.settled?.[settled];
          if (entry?.run?.id === run.id && !finished(entry.run.status)) held.set(run.id, { run, entry });
        }
        // The steps after the waits run in this transaction too, as a batch of steps chains a
        // run's next steps (./step-batch.ts): no job is written for them, no second commit.
        await runRounds(core, trx, chainedFrom(core, writes, held), writes);
        await settleBatch(core, trx, writes, runs);
        await core.insertSteps(trx, writes.jobs);
      });
    } catch {
      alone.unshift(...batch);
    }
  } else alone.unshift(...batch);
  const results: { id: string; failed: boolean }[] = batch
    .filter((job) => !alone.includes(job))
    .map((job) => ({ id: job.id, failed: false }));
  for (const job of alone) {
    results.push(
      await onWait(core, job).then(
        () => ({ id: job.id, failed: false }),
        () => ({ id: job.id, failed: true }),
      ),
    );
  }
  return results;
}

/**
 * Handles one `weft.flow.wait` job. A flow switched off after its run started does not
 * resume it; a run started by hand on a flow that was already inactive runs to its end
 * (`POST /api/flows/:id/run` accepts it, so it must not be cancelled at its first wait).
 */
export async function onWait(core: RuntimeCore, job: { data: WaitJob }): Promise<void> {
  const { runId, nodeId, iteration } = job.data;
  await core.transaction(async (trx) => {
    const run = await lockRun(trx, runId);
    if (!run || finished(run.status)) return;
    const step = await findStep(trx, runId, nodeId, iteration);
    if (step?.status !== 'waiting') return;
    const flow = await trx
      .selectFrom('flows')
      .innerJoin('flowRuns', 'flowRuns.flowId', 'flows.id')
      .select(['flows.active', 'flows.deactivatedAt', 'flowRuns.startedAt'])
      .where('flowRuns.id', '=', runId)
      .executeTakeFirst();
    if (switchedOff(flow)) {
      await cancelAtWait(core, trx, runId, job.data);
      return;
    }
    await upsertStep(trx, { runId, nodeId, iteration, nodeType: 'control.wait', status: 'done' });
    await advance(core, trx, run, { type: 'wait.elapsed', nodeId });
  });
}

/** How many steps with effects outside the database one batch of step jobs runs at once. */
const externalAtOnce = 8;

/**
 * Handles `weft.flow.step` jobs that came due together from the queue: retries due at the
 * same moment (a thousand steps cut by a database restart, retried after the same backoff),
 * steps released at shutdown, leases of a dead process run out. As waits are: the steps whose
 * effects stay in the database run in one transaction on the batched step path (one lock
 * statement, their next steps chained, their writes in a few statements); should the batch
 * fail, it rolls back and each runs alone (`onStep`), which records the failure and the retry.
 * Steps with effects outside the database run alone, a few at once, so a rolled-back batch
 * never called anyone. Answers, per job, whether it failed (pg-boss then retries it).
 */
export async function onSteps(
  core: RuntimeCore,
  jobs: readonly { id: string; data: StepJob; retryCount: number }[],
): Promise<{ id: string; failed: boolean }[]> {
  const seen = new Set<string>();
  const batch = jobs.filter(
    (job) => !core.external(job.data.nodeType) && !seen.has(job.data.runId) && seen.add(job.data.runId),
  );
  const alone = jobs.filter((job) => !batch.includes(job));
  if (batch.length > 1) {
    try {
      await core.transaction(async (trx) => {
        const runs = await lockRunsForSteps(
          trx,
          batch.map((job) => job.data),
        );
        const writes: BatchWrites = { jobs: [], settled: [], written: new Set() };
        const round = batch.flatMap(({ data }) => {
          const run = runs.get(data.runId);
          return pending(run) ? [{ data, run }] : [];
        });
        await runRounds(core, trx, round, writes);
        await settleBatch(core, trx, writes, runs);
        await core.insertSteps(trx, writes.jobs);
      });
    } catch {
      alone.unshift(...batch);
    }
  } else alone.unshift(...batch);
  const results: { id: string; failed: boolean }[] = batch
    .filter((job) => !alone.includes(job))
    .map((job) => ({ id: job.id, failed: false }));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(externalAtOnce, alone.length) }, async () => {
      for (let job = alone[next++]; job; job = alone[next++]) {
        const settled = job;
        results.push(
          await onStep(core, settled).then(
            () => ({ id: settled.id, failed: false }),
            () => ({ id: settled.id, failed: true }),
          ),
        );
      }
    }),
  );
  return results;
}

/** Stops a run: pending steps and waits find it finished and do nothing. */
export async function cancel(core: RuntimeCore, trx: EngineDb, runId: string): Promise<boolean> {
  const run = await lockRun(trx, runId);
  if (!run || finished(run.status)) return false;
  await finish(core, trx, runId, 'cancelled', null, { message: 'cancelled by a user' });
  return true;
}

/**
 * Retries a failed run from its failed step: the snapshot is rolled back to the moment
 * that step was entered and the step is enqueued again as a new iteration.
 */
export async function retry(core: RuntimeCore, trx: EngineDb, runId: string): Promise<boolean> {
  const run = await lockRun(trx, runId);
  if (run?.status !== 'failed') return false;
  const failedStep = await trx
    .selectFrom('flowSteps')
    .select(['nodeId', 'nodeType', 'iteration', 'input'])
    .where('runId', '=', runId)
    .where('status', '=', 'failed')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const before = await trx
    .selectFrom('flowRuns')
    .select(['snapshot', 'error'])
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  const resumeFrom = (before.error as { resumeSnapshot?: unknown } | null)?.resumeSnapshot;
  if (!failedStep || !resumeFrom) return false;
  const definition = core.deps.catalog.get(failedStep.nodeType);
  const maxAttempts = definition?.kind === 'action' ? (definition.retry?.attempts ?? 1) : 1;
  await trx
    .updateTable('flowRuns')
    .set({
      status: 'running',
      snapshot: JSON.stringify(resumeFrom),
      error: null,
      finishedAt: null,
      updatedAt: new Date(),
    })
    .where('id', '=', runId)
    .execute();
  await trx
    .deleteFrom('flowSteps')
    .where('runId', '=', runId)
    .where('nodeId', '=', failedStep.nodeId)
    .where('iteration', '=', failedStep.iteration)
    .execute();
  const step = {
    runId,
    nodeId: failedStep.nodeId,
    iteration: failedStep.iteration,
    nodeType: failedStep.nodeType,
    params: failedStep.input,
    maxAttempts,
  };
  await core.insertSteps(trx, [core.stepEntry(step, `retry-${Date.now()}`)]);
  return true;
}
