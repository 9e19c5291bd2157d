/**
 * `FlowRuntime`: the durable half of the engine, as the server sees it. A run's state is
 * an xstate snapshot in `flow_runs`; every change to it happens in a transaction that also
 * records the step and enqueues the next jobs, so a crash at any point loses nothing and
 * repeats no committed step. This file owns running the steps this process readied at once
 * (inline, a few batches at a time, their jobs held back as the fallback) and shutdown
 * (`pause`: finish what runs, hand the rest to the queue). Starting runs is ./run-start.ts,
 * running steps ./step-batch.ts, settling outcomes ./run-settle.ts, waits and retries
 * ./waits-retries.ts, the shared state ./runtime-core.ts.
 */
import type { PersistedRun } from '../core/stepper.ts';
import { inTransaction, queues, type StepJob, type WaitJob } from './jobs.ts';
import { type StartOptions, startMany, startOne } from './run-start.ts';
import {
  busyReady,
  maxInline,
  type ReadyStep,
  RuntimeCore,
  type RuntimeDeps,
  type StartRequest,
} from './runtime-core.ts';
import { onStep, runBatch, takeBatch } from './step-batch.ts';
import type { EngineDb } from './tables.ts';
import { cancel, onSteps, onWait, onWaits, retry } from './waits-retries.ts';

export type { RunChange, RunInfo, RuntimeDeps, StartRequest } from './runtime-core.ts';

export class FlowRuntime {
  readonly #core: RuntimeCore;
  #onIdle: (() => void) | undefined;

  constructor(deps: RuntimeDeps) {
    this.#core = new RuntimeCore(deps, startOne);
    this.#core.kick = () => this.kick();
  }

  get #slots(): number {
    return this.#core.deps.inlineSlots ?? maxInline;
  }

  /**
   * Whether this process has more steps ready than it runs in a moment. The dispatcher
   * then leaves further events in the outbox (where they are safe, and another process
   * may take them) rather than start runs whose steps would only wait here.
   */
  get busy(): boolean {
    return this.#core.readyCount() >= busyReady;
  }

  /** Steps readied and not started, and steps (or batches) running inline: for diagnostics. */
  get load(): { ready: number; inline: number; paused: boolean } {
    return { ready: this.#core.readyCount(), inline: this.#core.inline.size, paused: this.#core.paused };
  }

  /** Called each time the runtime stops being busy. */
  onIdle(listener: () => void): void {
    this.#onIdle = listener;
  }

  /**
   * Runs the steps that became ready in this process at once, a few at a time, instead of
   * waiting for a worker to poll their jobs. Their jobs are held back (`leaseMs`) as the
   * durable path: an inline attempt deletes its job in the transaction that settles the
   * step, and a job that comes due anyway finds the step settled and does nothing. Call it
   * after the transaction that made them ready commits (a rolled-back one leaves nothing).
   */
  kick(): void {
    while (!this.#core.paused && this.#core.inline.size < this.#slots && this.#core.readyCount() > 0) {
      const wasBusy = this.busy;
      const batch = takeBatch(this.#core);
      const [first] = batch;
      // A step with effects outside the database runs alone; any other, even one by itself,
      // runs as a batch, which runs the next steps of its run in the same transaction.
      const work =
        batch.length === 1 && first && this.#core.external(first.data.nodeType)
          ? onStep(this.#core, { data: first.data, retryCount: 0 }, { inlineJobId: first.jobId })
          : runBatch(this.#core, batch);
      const running: Promise<void> = work
        .catch(() => undefined)
        .finally(() => {
          this.#core.inline.delete(running);
          this.kick();
        });
      this.#core.inline.add(running);
      if (wasBusy && !this.busy) this.#onIdle?.();
    }
  }

  /**
   * Stops running steps inline and waits for those under way: for shutdown. The steps it
   * readied and will not run now are handed to the queue at once, rather than when their
   * held-back jobs come due.
   */
  async pause(): Promise<void> {
    this.#core.paused = true;
    const dropped = [...this.#core.ready.next, ...this.#core.ready.fresh];
    this.#core.ready.next.length = 0;
    this.#core.ready.fresh.length = 0;
    while (this.#core.inline.size > 0) await Promise.allSettled([...this.#core.inline]);
    // Should the database be gone already, the jobs still come due when their time is up.
    await this.#release(dropped).catch(() => undefined);
    await this.#core.deps.onPause?.();
  }

  /** Replaces the held-back jobs of steps this process will not run with jobs due now. */
  async #release(steps: readonly ReadyStep[]): Promise<void> {
    if (steps.length === 0) return;
    await this.#core.deps.db.transaction().execute(async (trx) => {
      const db = { db: inTransaction(trx) };
      await this.#core.deps.boss.deleteJob(
        queues.step,
        steps.map((step) => step.jobId),
        db,
      );
      // Paused, the runtime makes plain jobs: no lease, nothing readied.
      await this.#core.insertSteps(
        trx,
        steps.map((step) => this.#core.stepEntry(step.data, 'released')),
      );
    });
  }

  /**
   * Tells the runtime that a transaction it worked in committed: the steps it readied may
   * run now. Callers that start runs or retries in their own transactions call it after
   * the commit; a transaction that rolled back is never passed, and its steps are dropped.
   */
  committed(trx: EngineDb): void {
    this.#core.committed(trx);
  }

  /** A transaction in which runs may be started or advanced: the steps it readies run once it has committed. */
  transaction<T>(work: (trx: EngineDb) => Promise<T>): Promise<T> {
    return this.#core.transaction(work);
  }

  /** Creates a run inside the caller's transaction; one per (event, flow version). Returns its id, or null if it existed. */
  start(trx: EngineDb, request: StartRequest): Promise<string | null> {
    return startOne(this.#core, trx, request);
  }

  /**
   * Creates runs inside the caller's transaction, in a handful of statements however many
   * there are (the dispatcher starts a batch of events' runs at once). Returns each
   * request's run id, or null where its (event, flow version) had a run already.
   */
  startMany(
    trx: EngineDb,
    requests: readonly StartRequest[],
    options: StartOptions = {},
  ): Promise<(string | null)[]> {
    return startMany(this.#core, trx, requests, options);
  }

  /**
   * Handles one `weft.flow.step` job: runs the action, records it, advances the run. An
   * inline attempt (`inlineJobId`) deletes the step's held-back job as it settles the step.
   */
  onStep(job: { data: StepJob; retryCount: number }, options: { inlineJobId?: string } = {}): Promise<void> {
    return onStep(this.#core, job, options);
  }

  /** Handles step jobs due together from the queue in one batch (./waits-retries.ts); answers which failed. */
  onSteps(
    jobs: readonly { id: string; data: StepJob; retryCount: number }[],
  ): Promise<{ id: string; failed: boolean }[]> {
    return onSteps(this.#core, jobs);
  }

  /** Handles one `weft.flow.wait` job. A flow switched off after its run started does not resume it. */
  onWait(job: { data: WaitJob }): Promise<void> {
    return onWait(this.#core, job);
  }

  /** Handles wait jobs due together in one batch (./waits-retries.ts); answers which failed. */
  onWaits(jobs: readonly { id: string; data: WaitJob }[]): Promise<{ id: string; failed: boolean }[]> {
    return onWaits(this.#core, jobs);
  }

  /** Stops a run: pending steps and waits find it finished and do nothing. */
  cancel(trx: EngineDb, runId: string): Promise<boolean> {
    return cancel(this.#core, trx, runId);
  }

  /**
   * Retries a failed run from its failed step: the snapshot is rolled back to the moment
   * that step was entered and the step is enqueued again as a new iteration.
   */
  retry(trx: EngineDb, runId: string): Promise<boolean> {
    return retry(this.#core, trx, runId);
  }

  /**
   * Retries a settled run from one of its steps, as a new run of the same flow version on
   * the same record: it starts at that step, with the params the step had in that run
   * (its recorded input) and the run's data as it stood there (the trigger, the record and
   * variables as the run ended, the outputs of the steps that ran before it only). The new
   * run's input says where it came from (`retriedFrom`). Only a step at the top of the flow
   * (not inside a parallel branch or a loop, whose state cannot be rebuilt from the steps
   * alone) can be a starting point; the flow's concurrency limit does not hold it back.
   */
  async retryFrom(
    trx: EngineDb,
    runId: string,
    nodeId: string,
  ): Promise<{ runId: string } | { refused: 'not-found' | 'running' | 'not-run' | 'nested' }> {
    const run = await trx
      .selectFrom('flowRuns')
      .select([
        'flowId',
        'version',
        'status',
        'module',
        'recordId',
        'input',
        'snapshot',
        'depth',
        'causationRoot',
      ])
      .where('id', '=', runId)
      .executeTakeFirst();
    if (!run) return { refused: 'not-found' };
    if (!['succeeded', 'failed', 'cancelled'].includes(run.status)) return { refused: 'running' };
    const steps = await trx
      .selectFrom('flowSteps')
      .select(['id', 'nodeId', 'nodeType', 'iteration', 'input'])
      .where('runId', '=', runId)
      .orderBy('id')
      .execute();
    const at = steps.findLast((step) => step.nodeId === nodeId);
    if (!at) return { refused: 'not-run' };
    const compiled = await this.#core.compiled(trx, run);
    if (compiled.graph.scopeOf.get(nodeId)?.kind !== 'root') return { refused: 'nested' };
    const before = new Set(steps.filter((step) => step.id < at.id).map((step) => step.nodeId));
    const ended = run.snapshot as PersistedRun;
    const snapshot: PersistedRun = {
      ...ended,
      status: 'active',
      value: nodeId,
      output: undefined,
      error: undefined,
      context: {
        ...ended.context,
        steps: Object.fromEntries(Object.entries(ended.context.steps).filter(([id]) => before.has(id))),
        failure: null,
      },
    };
    compiled.machine.resolveState(snapshot as Parameters<typeof compiled.machine.resolveState>[0]);
    const definition = this.#core.deps.catalog.get(at.nodeType);
    const created = await trx
      .insertInto('flowRuns')
      .values({
        flowId: run.flowId,
        version: run.version,
        status: 'running',
        eventId: null,
        module: run.module,
        recordId: run.recordId,
        depth: run.depth,
        causationRoot: run.causationRoot,
        parentRunId: null,
        parentNodeId: null,
        input: JSON.stringify({ ...run.input, retriedFrom: { runId, nodeId } }),
        snapshot: JSON.stringify(snapshot),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const step = {
      runId: created.id,
      nodeId,
      iteration: at.iteration,
      nodeType: at.nodeType,
      params: at.input,
      maxAttempts: definition?.kind === 'action' ? (definition.retry?.attempts ?? 1) : 1,
    };
    await this.#core.insertSteps(trx, [this.#core.stepEntry(step, 'retry-from')]);
    return { runId: created.id };
  }
}
