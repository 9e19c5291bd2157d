/**
 * Waits, cancelling and retrying: a wait's job resuming its run (unless the flow was
 * switched off meanwhile), a user cancelling a run, and "retry from the failed step",
 * which rolls the run's snapshot back to the moment that step was entered.
 */

import type { WaitJob } from './jobs.ts';
import { findStep, finished, lockRun, upsertStep } from './run-rows.ts';
import { advance, finish } from './run-settle.ts';
import type { RuntimeCore } from './runtime-core.ts';
import type { EngineDb } from './tables.ts';

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
    const switchedOff =
      !flow ||
      (!flow.active &&
        flow.deactivatedAt !== null &&
        flow.deactivatedAt.getTime() >= flow.startedAt.getTime());
    if (switchedOff) {
      await upsertStep(trx, {
        runId,
        nodeId,
        iteration,
        nodeType: 'control.wait',
        status: 'failed',
        error: { message: 'the flow was deactivated while this run waited' },
      });
      await finish(core, trx, run.id, 'cancelled', null, {
        message: 'the flow was deactivated while this run waited',
      });
      return;
    }
    await upsertStep(trx, { runId, nodeId, iteration, nodeType: 'control.wait', status: 'done' });
    await advance(core, trx, run, { type: 'wait.elapsed', nodeId });
  });
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
