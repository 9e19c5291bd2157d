/**
 * Settling: what a run becomes after a step, a wait or a called flow. `advance` feeds the
 * run's machine an event with xstate's pure transition (through ./facts.ts); `apply` writes
 * the outcome (the run's state with the step row that led to it, or leaves both to the
 * batch the step ran in), enqueues the next steps and waits, starts called flows, moves a
 * caller on when its called flow ends, starts the on-failure flow, and lets queued runs of
 * a flow go when one of its runs ends (`releaseQueued`, under the same flow lock as starts).
 */
import { type QueryCreator, sql } from 'kysely';
import type { RunInput } from '../core/compile.ts';
import type { PersistedRun, RunEvent, StepOutcome } from '../core/stepper.ts';
import { advanceRunWithFacts, startRunWithFacts } from './facts.ts';
import { jobId, queues, sendJob, type WaitJob } from './jobs.ts';
import {
  blocked,
  finished,
  lockFlow,
  lockRun,
  publishedVersion,
  type RunRow,
  type StepWrite,
  stepUpsert,
  storedSnapshot,
  upsertStep,
} from './run-rows.ts';
import { type BatchWrites, type RuntimeCore, type StepEntry, statusOf } from './runtime-core.ts';
import type { EngineDb, EngineTables, RunStatus } from './tables.ts';

/**
 * Persists an outcome and performs its actions in the caller's transaction. With `batch`,
 * step jobs (and maybe the run's state, see `saveOutcome`) go into it for the caller to
 * write with others'; else they are written here.
 */
export async function apply(
  core: RuntimeCore,
  trx: EngineDb,
  run: RunRow,
  outcome: StepOutcome,
  options: { resumeSnapshot?: unknown; stored?: boolean; batch?: BatchWrites; step?: StepWrite } = {},
): Promise<void> {
  const { resumeSnapshot } = options;
  const status = statusOf(outcome);
  let hasQueued = false;
  // A run just inserted with this snapshot needs no second write unless it already ended.
  if (options.stored && !finished(status)) core.changed(trx, { runId: run.id, status });
  else
    hasQueued = await saveOutcome(
      core,
      trx,
      run,
      outcome,
      status,
      resumeSnapshot,
      options.step,
      options.batch,
    );
  const steps: StepEntry[] = [];
  for (const action of outcome.actions) {
    if (action.type === 'runStep') {
      const definition = core.deps.catalog.get(action.nodeType);
      const maxAttempts = definition?.kind === 'action' ? (definition.retry?.attempts ?? 1) : 1;
      steps.push(
        core.stepEntry({
          runId: run.id,
          nodeId: action.nodeId,
          iteration: action.iteration,
          nodeType: action.nodeType,
          params: action.params,
          maxAttempts,
        }),
      );
    } else if (action.type === 'scheduleWait') {
      await upsertStep(trx, {
        runId: run.id,
        nodeId: action.nodeId,
        iteration: action.iteration,
        nodeType: 'control.wait',
        status: 'waiting',
        input: { until: action.until },
      });
      const data: WaitJob = { runId: run.id, nodeId: action.nodeId, iteration: action.iteration };
      await sendJob(core.deps.boss, trx, queues.wait, data, {
        id: jobId(run.id, action.nodeId, action.iteration, 'wait'),
        startAfter: new Date(action.until),
        // A worker killed while resuming the run stops beating: the wait is retried in seconds, not after the 15-minute expiry.
        heartbeatSeconds: 10,
        // pg-boss drops jobs still waiting after their retention (14 days by default): a wait keeps its job until it is due, and a day more.
        retentionSeconds: Math.max(0, Math.ceil((Date.parse(action.until) - Date.now()) / 1000)) + 86_400,
      });
    } else if (action.type === 'callFlow') {
      await callFlow(core, trx, run, action);
    }
  }
  if (options.batch) options.batch.jobs.push(...steps);
  else await core.insertSteps(trx, steps);
  if (run.parentRunId && run.parentNodeId && (status === 'succeeded' || status === 'failed')) {
    const locked = await lockRun(trx, run.parentRunId);
    // A step of the caller's (on a parallel branch) done earlier in this batch holds its newer state.
    const held = options.batch?.settled?.findLast((entry) => entry.run?.id === run.parentRunId)?.run;
    const parent = locked && held ? { ...locked, status: held.status, snapshot: held.snapshot } : locked;
    const call = await trx
      .selectFrom('flowSteps')
      .select('iteration')
      .where('runId', '=', run.parentRunId)
      .where('nodeId', '=', run.parentNodeId)
      .where('status', '=', 'running')
      .orderBy('iteration', 'desc')
      .executeTakeFirst();
    if (parent && call && !finished(parent.status)) {
      await upsertStep(trx, {
        runId: parent.id,
        nodeId: run.parentNodeId,
        iteration: call.iteration,
        nodeType: 'control.callFlow',
        status: status === 'succeeded' ? 'done' : 'failed',
        output: outcome.output ?? null,
      });
      await advance(
        core,
        trx,
        parent,
        status === 'succeeded'
          ? { type: 'step.done', nodeId: run.parentNodeId, output: outcome.output ?? null }
          : {
              type: 'step.failed',
              nodeId: run.parentNodeId,
              error: outcome.failure ?? { message: 'the called flow failed' },
            },
        undefined,
        options.batch,
      );
    }
  }
  if (hasQueued) await releaseQueued(core, trx, run.flowId, { known: true });
}

/**
 * Writes a run's new state (and the step row that led to it, in the same statement).
 * Says whether, the run having ended, runs of its flow are queued. A step done in a
 * batch that writes its settled steps leaves both writes to it, unless the run failed
 * (its error keeps the snapshot to resume from), ended a called flow, or calls one: a
 * caller's run goes on in this transaction and reads the callee's or its own row.
 */
async function saveOutcome(
  core: RuntimeCore,
  trx: EngineDb,
  run: RunRow,
  outcome: StepOutcome,
  status: RunStatus,
  resumeSnapshot: unknown,
  step: StepWrite | undefined,
  batch: BatchWrites | undefined,
): Promise<boolean> {
  if (
    batch?.settled &&
    step?.status === 'done' &&
    status !== 'failed' &&
    !(finished(status) && run.parentRunId) &&
    outcome.actions.every((action) => action.type !== 'callFlow')
  ) {
    batch.settled.push({
      step: { ...step, status: 'done' },
      run: { id: run.id, status, snapshot: outcome.snapshot, output: outcome.output ?? null },
      at: new Date(),
    });
    core.changed(trx, { runId: run.id, status });
    return false;
  }
  // Written here, the run's state must not be overwritten by one the batch holds from before,
  // and a step of the batch still to run on it must read it again.
  for (const entry of batch?.settled ?? []) if (entry.run?.id === run.id) delete entry.run;
  batch?.written?.add(run.id);
  const creator: QueryCreator<EngineTables> = step ? trx.with('step', (db) => stepUpsert(db, step)) : trx;
  const update = creator
    .updateTable('flowRuns')
    .set({
      status,
      snapshot: JSON.stringify(storedSnapshot(outcome.snapshot, status)),
      updatedAt: new Date(),
      ...(status === 'succeeded' && {
        output: JSON.stringify(outcome.output ?? null),
        finishedAt: new Date(),
      }),
      ...(status === 'failed' && {
        error: JSON.stringify({
          ...(outcome.failure ?? {}),
          ...(resumeSnapshot !== undefined && { resumeSnapshot }),
        }),
        finishedAt: new Date(),
      }),
    })
    .where('id', '=', run.id);
  core.changed(trx, { runId: run.id, status });
  if (!finished(status)) {
    await update.execute();
    return false;
  }
  await core.lockLimitedFlows(trx, [run]);
  const queued = sql<boolean>`exists (select 1 from flow_runs queued where queued.flow_id = flow_runs.flow_id and queued.status = 'queued')`;
  const row = await update.returning(queued.as('hasQueued')).executeTakeFirst();
  return row?.hasQueued ?? false;
}

/** Feeds the run an event; `step` is the step row the event settles, written with the run. */
export async function advance(
  core: RuntimeCore,
  trx: EngineDb,
  run: RunRow,
  event: RunEvent,
  step?: StepWrite,
  batch?: BatchWrites,
): Promise<void> {
  const compiled = await core.compiled(trx, run);
  const persisted = run.snapshot as PersistedRun;
  const outcome = await advanceRunWithFacts(
    core.deps.facts(trx),
    compiled,
    persisted,
    event,
    core.deps.clock,
  );
  if (!outcome.accepted) {
    if (step) await upsertStep(trx, step);
    return;
  }
  // A failed step keeps the snapshot from before it, so "retry from the failed step" can resume there.
  const resume = outcome.status === 'failed' && event.type === 'step.failed' ? run.snapshot : undefined;
  await apply(core, trx, run, outcome, {
    resumeSnapshot: resume,
    ...(step && { step }),
    ...(batch && { batch }),
  });
  const onFailure = compiled.flow.settings?.onFailureFlowId;
  if (outcome.status === 'failed' && onFailure)
    await startOnFailure(core, trx, run, onFailure, outcome.failure);
}

export async function finish(
  core: RuntimeCore,
  trx: EngineDb,
  runId: string,
  status: 'cancelled',
  output: unknown,
  error: unknown,
): Promise<void> {
  await trx
    .updateTable('flowRuns')
    .set({
      status,
      output: JSON.stringify(output),
      error: JSON.stringify(error),
      finishedAt: new Date(),
      updatedAt: new Date(),
    })
    .where('id', '=', runId)
    .execute();
  core.changed(trx, { runId, status });
  const { flowId } = await trx
    .selectFrom('flowRuns')
    .select('flowId')
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  await releaseQueued(core, trx, flowId);
}

/**
 * The flow's "on failure" flow runs with the failed run's record and the failure as its
 * trigger. A failure of that run does not start another: handlers do not chain.
 */
async function startOnFailure(
  core: RuntimeCore,
  trx: EngineDb,
  run: RunRow,
  flowId: string,
  failure: unknown,
): Promise<void> {
  const failed = await trx
    .selectFrom('flowRuns')
    .select(['input', 'module', 'recordId', 'depth'])
    .where('id', '=', run.id)
    .executeTakeFirstOrThrow();
  const input = failed.input as Omit<RunInput, 'now'>;
  if ((input.trigger as { failedRunId?: unknown } | null)?.failedRunId) return;
  const target = await publishedVersion(trx, flowId, { activeOnly: true });
  if (!target) return;
  await core.start(trx, {
    flowId: target.id,
    version: target.version,
    definition: target.definition,
    input: {
      record: input.record ?? null,
      trigger: { failedRunId: run.id, failedFlowId: run.flowId, failure },
      user: input.user ?? null,
    },
    module: failed.module,
    recordId: failed.recordId,
    depth: failed.depth + 1,
  });
}

async function callFlow(
  core: RuntimeCore,
  trx: EngineDb,
  run: RunRow,
  action: Extract<StepOutcome['actions'][number], { type: 'callFlow' }>,
): Promise<void> {
  const target = await publishedVersion(trx, action.flowId, { activeOnly: false });
  await upsertStep(trx, {
    runId: run.id,
    nodeId: action.nodeId,
    iteration: action.iteration,
    nodeType: 'control.callFlow',
    status: 'running',
    input: action.input,
  });
  if (!target) {
    await upsertStep(trx, {
      runId: run.id,
      nodeId: action.nodeId,
      iteration: action.iteration,
      nodeType: 'control.callFlow',
      status: 'failed',
      error: { message: `flow ${action.flowId} has no published version` },
    });
    const fresh = await lockRun(trx, run.id);
    if (fresh)
      await advance(core, trx, fresh, {
        type: 'step.failed',
        nodeId: action.nodeId,
        error: { message: `flow ${action.flowId} has no published version` },
      });
    return;
  }
  const parent = await trx
    .selectFrom('flowRuns')
    .select(['depth', 'input'])
    .where('id', '=', run.id)
    .executeTakeFirstOrThrow();
  await core.start(trx, {
    flowId: target.id,
    version: target.version,
    definition: target.definition,
    input: {
      ...(parent.input as Omit<RunInput, 'now'>),
      vars: (action.input ?? {}) as Record<string, unknown>,
    },
    depth: parent.depth + 1,
    parent: { runId: run.id, nodeId: action.nodeId },
  });
}

/** When a run ends, the oldest queued runs of its flow that may now go, go. */
export async function releaseQueued(
  core: RuntimeCore,
  trx: EngineDb,
  flowId: string,
  options: { known?: boolean } = {},
): Promise<void> {
  // Most flows have nothing queued: say so without waiting for the flow's lock.
  const any =
    options.known ||
    (await trx
      .selectFrom('flowRuns')
      .select('id')
      .where('flowId', '=', flowId)
      .where('status', '=', 'queued')
      .limit(1)
      .executeTakeFirst());
  if (!any) return;
  // The same lock as starts take: a start and a release cannot both see a free slot.
  await lockFlow(trx, flowId);
  const queued = await trx
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
      'recordId',
      'input',
    ])
    .where('flowId', '=', flowId)
    .where('status', '=', 'queued')
    .orderBy('startedAt')
    .limit(100)
    .forUpdate()
    .execute();
  for (const run of queued) {
    const compiled = await core.compiled(trx, run);
    const limit = compiled.flow.settings?.maxConcurrentRuns;
    if (await blocked(trx, { ...run, limit, statuses: ['running', 'waiting'], except: run.id })) continue;
    const input = run.input as Omit<RunInput, 'now'>;
    const outcome = await startRunWithFacts(core.deps.facts(trx), compiled, input, core.deps.clock);
    await apply(core, trx, run, outcome);
  }
}
