import { randomUUID } from 'node:crypto';
import { type QueryCreator, sql } from 'kysely';
import type { JobInsert, PgBoss } from 'pg-boss';
import type { Flow } from '../../schemas/flow.ts';
import { type CompiledFlow, compile, type RunInput } from '../core/compile.ts';
import type { NodeCatalog } from '../core/node-types.ts';
import type { Clock, PersistedRun, RunEvent, StepOutcome } from '../core/stepper.ts';
import { runAction } from './action-call.ts';
import { NonRetriableError, RetryAfterError, toStepError } from './errors.ts';
import { advanceRunWithFacts, startRunWithFacts } from './facts.ts';
import { inTransaction, jobId, queues, type StepJob, sendJob, type WaitJob } from './jobs.ts';
import {
  activeRuns,
  blocked,
  findStep,
  finished,
  type LockedRun,
  lockFlow,
  lockRun,
  lockRunsForSteps,
  publishedVersion,
  type RunRow,
  type Settled,
  type StepWrite,
  settleRuns,
  stepDone,
  stepUpsert,
  takeSlot,
  upsertStep,
} from './run-rows.ts';
import type { FactServices } from './services.ts';
import type { EngineDb, EngineTables, RunStatus } from './tables.ts';

declare module '../core/node-types.ts' {
  interface ActionRunContext {
    /**
     * Weft's services (records, feed, email, …) bound to the step's transaction: every
     * write of the step commits with its result, or not at all. See ./services.ts.
     */
    services: unknown;
    /** Aborted when the node's timeout passes. */
    signal: AbortSignal;
    /** The runtime's clock when the step started (relative dates such as "due in 3 days"). */
    now: Date;
  }
}

export interface RuntimeDeps {
  db: EngineDb;
  boss: PgBoss;
  catalog: NodeCatalog;
  clock: Clock;
  /** The services actions use, bound to a step's transaction and its run (for causation). */
  services: (trx: EngineDb, run: RunInfo) => unknown | Promise<unknown>;
  /** What conditions on presence and lists read (./facts.ts), on the given transaction. */
  facts: (trx: EngineDb) => FactServices;
  /**
   * Told of the changes to runs and their steps once the transaction that made them has
   * committed (live views); a rolled-back transaction tells nothing.
   */
  onChange?: (changes: RunChange[]) => void;
  /** Told that a transaction the runtime worked in committed: what the services held back for it may go. */
  onCommitted?: (trx: EngineDb) => void;
  /** Called when the runtime pauses for shutdown: flush what `onChange` holds. */
  onPause?: () => Promise<void>;
  /** How long the job of a step readied to run inline is held back (default `leaseMs`). */
  leaseMs?: number;
  /** How many inline steps (or batches) run at once (default `maxInline`). */
  inlineSlots?: number;
}

export interface RunChange {
  runId: string;
  /** The run's new status, when the change is to the run. */
  status?: RunStatus;
  /** The step that changed, when the change is to a step. */
  step?: { nodeId: string; iteration: number; status: string };
}

/** What services need to know of the run a step belongs to. */
export interface RunInfo {
  runId: string;
  flowId: string;
  eventId: number | null;
  depth: number;
  /** The flow's author and name, when the caller read them already (services act in their name). */
  flow?: { createdBy: string | null; name: string };
  /** The first event of the run's chain of causes, when read already (null: no event). */
  causationRoot?: number | null;
  /** A rolled-back test run: services capture outbound effects (email, HTTP) instead of making them. */
  test?: boolean;
}

export interface StartRequest {
  flowId: string;
  version: number;
  definition: Flow;
  input: Omit<RunInput, 'now'>;
  eventId?: number | null;
  module?: string | null;
  recordId?: string | null;
  depth?: number;
  /** The first event of the chain of causes: the writes of the run's steps carry it on. */
  causationRoot?: number | null;
  parent?: { runId: string; nodeId: string };
}

/** A locked run whose step is still to be done: neither gone, finished, nor settled by an earlier attempt. */
const pending = (run: LockedRun | undefined): run is LockedRun =>
  run !== undefined && !finished(run.status) && (!run.step || run.step.status === 'running');

/** What makes a run unique when an event started it. */
const eventKey = (run: { eventId?: number | null; flowId: string; version: number }) =>
  `${run.eventId}/${run.flowId}/${run.version}`;

const statusOf = (outcome: StepOutcome): RunStatus =>
  outcome.status === 'done' ? 'succeeded' : outcome.status;
/** Steps (or batches of steps, see `maxBatch`) run inline at once per process; the rest wait their turn. */
const maxInline = 8;
/** Ready steps of different runs run in one transaction, at most. */
const maxBatch = 32;
/** Rounds of steps a batch runs, at most: its own, then the next steps of its runs (see `#runBatch`). */
const maxRounds = 4;
/** Steps readied for running inline, at most, beyond which new steps are left to the queue's workers. */
const maxReady = 512;
/** Steps readied and not yet started beyond which the runtime is busy: new runs should wait (see `busy`). */
const busyReady = 128;
/**
 * A step this process will run inline has its job held back this long: the job is the
 * fallback should the process die first, and the inline attempt deletes it when it settles.
 */
const leaseMs = 20_000;

/** A step to run inline, and the job that stands in for it until it has. */
interface ReadyStep {
  data: StepJob;
  jobId: string;
  /** The first step of a run just started (the next step of a run under way goes first). */
  fresh?: boolean;
}

/** A job for a step, and the step itself when this process means to run it inline. */
interface StepEntry {
  job: JobInsert<StepJob>;
  ready?: ReadyStep;
}

/** What the steps of one transaction write together at its end rather than each on its own. */
interface BatchWrites {
  /** The next steps' jobs. */
  jobs: StepEntry[];
  /** Settled steps with their runs' new states, when the caller writes them (`settleRuns`). */
  settled?: Settled[];
  /** Runs whose state the transaction wrote as it went (a called flow that ended moves its caller on). */
  written?: Set<string>;
}
/**
 * The durable half of the engine. A run's state is an xstate snapshot in `flow_runs`;
 * every change to it happens in a transaction that also records the step and enqueues
 * the next jobs, so a crash at any point loses nothing and repeats no committed step.
 */
export class FlowRuntime {
  readonly #deps: RuntimeDeps;
  readonly #compiledVersions = new Map<string, CompiledFlow>();
  /** Steps ready to run inline, oldest first: the next steps of runs under way, then first steps of new runs. */
  readonly #ready: { next: ReadyStep[]; fresh: ReadyStep[] } = { next: [], fresh: [] };
  /** Steps readied by a transaction not yet known to have committed. */
  readonly #pending = new WeakMap<EngineDb, ReadyStep[]>();
  /** Changes to runs made by a transaction not yet known to have committed. */
  readonly #changes = new WeakMap<EngineDb, RunChange[]>();
  readonly #inline = new Set<Promise<void>>();
  #paused = false;
  #onIdle: (() => void) | undefined;

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
  }

  /**
   * Whether this process has more steps ready than it runs in a moment. The dispatcher
   * then leaves further events in the outbox (where they are safe, and another process
   * may take them) rather than start runs whose steps would only wait here.
   */
  get busy(): boolean {
    return this.#readyCount() >= busyReady;
  }

  /**
   * The next ready steps to run together (fewer round trips per step leave the event loop
   * room, which matters more than a step waiting for the others of its batch): runs under
   * way before new ones, each queue in its order so that none starves; one step per run (a
   * step sees its run as the step before left it); a step with effects outside the
   * database alone.
   */
  #takeBatch(): ReadyStep[] {
    const batch: ReadyStep[] = [];
    const runs = new Set<string>();
    for (const queue of [this.#ready.next, this.#ready.fresh]) {
      for (let index = 0; index < queue.length && batch.length < maxBatch; ) {
        const step = queue[index] as ReadyStep;
        const alone = this.#external(step.data.nodeType);
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

  #external(nodeType: string): boolean {
    const definition = this.#deps.catalog.get(nodeType);
    return definition?.kind !== 'action' || definition.external === true;
  }

  get #slots(): number {
    return this.#deps.inlineSlots ?? maxInline;
  }

  #readyCount(): number {
    return this.#ready.next.length + this.#ready.fresh.length;
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
    while (!this.#paused && this.#inline.size < this.#slots && this.#readyCount() > 0) {
      const wasBusy = this.busy;
      const batch = this.#takeBatch();
      const [first] = batch;
      const work =
        batch.length === 1 && first
          ? this.onStep({ data: first.data, retryCount: 0 }, { inlineJobId: first.jobId })
          : this.#runBatch(batch);
      const running: Promise<void> = work
        .catch(() => undefined)
        .finally(() => {
          this.#inline.delete(running);
          this.kick();
        });
      this.#inline.add(running);
      if (wasBusy && !this.busy) this.#onIdle?.();
    }
  }

  /**
   * Tells the runtime that a transaction it worked in committed: the steps it readied may
   * run now. Callers that start runs or retries in their own transactions call it after
   * the commit; a transaction that rolled back is never passed, and its steps are dropped.
   */
  committed(trx: EngineDb): void {
    const readied = this.#pending.get(trx);
    if (readied) {
      this.#pending.delete(trx);
      for (const step of readied) (step.fresh ? this.#ready.fresh : this.#ready.next).push(step);
    }
    const changes = this.#changes.get(trx);
    if (changes) {
      this.#changes.delete(trx);
      this.#deps.onChange?.(changes);
    }
    this.#deps.onCommitted?.(trx);
    this.kick();
  }

  /** Notes a change for live views, told once its transaction commits. */
  #changed(trx: EngineDb, change: RunChange): void {
    const changes = this.#changes.get(trx);
    if (changes) changes.push(change);
    else this.#changes.set(trx, [change]);
  }

  /** A transaction in which runs may be started or advanced: the steps it readies run once it has committed. */
  async transaction<T>(work: (trx: EngineDb) => Promise<T>): Promise<T> {
    let used: EngineDb | undefined;
    const result = await this.#deps.db.transaction().execute((trx) => {
      used = trx;
      return work(trx);
    });
    if (used) this.committed(used);
    return result;
  }

  /**
   * Stops running steps inline and waits for those under way: for shutdown. The steps it
   * readied and will not run now are handed to the queue at once, rather than when their
   * held-back jobs come due.
   */
  async pause(): Promise<void> {
    this.#paused = true;
    const dropped = [...this.#ready.next, ...this.#ready.fresh];
    this.#ready.next.length = 0;
    this.#ready.fresh.length = 0;
    while (this.#inline.size > 0) await Promise.allSettled([...this.#inline]);
    // Should the database be gone already, the jobs still come due when their time is up.
    await this.#release(dropped).catch(() => undefined);
    await this.#deps.onPause?.();
  }

  /** Replaces the held-back jobs of steps this process will not run with jobs due now. */
  async #release(steps: readonly ReadyStep[]): Promise<void> {
    if (steps.length === 0) return;
    await this.#deps.db.transaction().execute(async (trx) => {
      const db = { db: inTransaction(trx) };
      await this.#deps.boss.deleteJob(
        queues.step,
        steps.map((step) => step.jobId),
        db,
      );
      // Paused, the runtime makes plain jobs: no lease, nothing readied.
      await this.#insertSteps(
        trx,
        steps.map((step) => this.#stepEntry(step.data, 'released')),
      );
    });
  }

  /** The machine of a run's flow version. Published versions never change, so machines are kept. */
  async #compiled(
    trx: EngineDb,
    run: { flowId: string; version: number },
    definition?: Flow,
  ): Promise<CompiledFlow> {
    const key = `${run.flowId}@${run.version}`;
    const cached = this.#compiledVersions.get(key);
    if (cached) return cached;
    const flow =
      definition ??
      (
        await trx
          .selectFrom('flowVersions')
          .select('definition')
          .where('flowId', '=', run.flowId)
          .where('version', '=', run.version)
          .executeTakeFirstOrThrow()
      ).definition;
    const compiled = compile(
      flow,
      this.#deps.catalog,
      flow.settings?.timeZone ? { timeZone: flow.settings.timeZone } : {},
    );
    this.#compiledVersions.set(key, compiled);
    return compiled;
  }

  /** Creates a run inside the caller's transaction; one per (event, flow version). Returns its id, or null if it existed. */
  async start(trx: EngineDb, request: StartRequest): Promise<string | null> {
    const [id] = await this.startMany(trx, [request]);
    return id ?? null;
  }

  /**
   * Creates runs inside the caller's transaction, in a handful of statements however many
   * there are (the dispatcher starts a batch of events' runs at once). Returns each
   * request's run id, or null where its (event, flow version) had a run already.
   */
  async startMany(trx: EngineDb, requests: readonly StartRequest[]): Promise<(string | null)[]> {
    if (requests.length === 0) return [];
    const existing = await this.#existingRuns(trx, requests);
    const fresh = requests.filter((request) => !existing.has(eventKey(request)));
    // The same lock as releases take, in one order: a start and a release cannot both see a free slot.
    const flowIds = [...new Set(fresh.map((request) => request.flowId))].sort();
    for (const flowId of flowIds) await lockFlow(trx, flowId);
    const limited = new Set<string>();
    const prepared = [];
    for (const request of fresh) {
      const compiled = await this.#compiled(trx, request, request.definition);
      if (compiled.flow.settings?.maxConcurrentRuns !== undefined) limited.add(request.flowId);
      const outcome = await startRunWithFacts(
        this.#deps.facts(trx),
        compiled,
        request.input,
        this.#deps.clock,
      );
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
            snapshot: JSON.stringify(run.snapshot),
          })),
        )
        .execute();
    }
    const batch: BatchWrites = { jobs: [] };
    for (const { outcome, queued, run } of runs) {
      if (!queued) await this.#apply(trx, run, outcome, { stored: true, batch });
    }
    for (const step of batch.jobs) if (step.ready) step.ready.fresh = true;
    await this.#insertSteps(trx, batch.jobs);
    const ids = new Map(runs.map(({ request, run }) => [request, run.id]));
    return requests.map((request) => ids.get(request) ?? null);
  }

  /** The requests whose (event, flow version) already has a run: an event dispatched again after a crash. */
  async #existingRuns(trx: EngineDb, requests: readonly StartRequest[]): Promise<Set<string>> {
    const eventIds = [...new Set(requests.flatMap((request) => (request.eventId ? [request.eventId] : [])))];
    if (eventIds.length === 0) return new Set();
    const rows = await trx
      .selectFrom('flowRuns')
      .select(['eventId', 'flowId', 'version'])
      .where('eventId', 'in', eventIds)
      .execute();
    return new Set(rows.map(eventKey));
  }

  /** When a run ends, the oldest queued runs of its flow that may now go, go. */
  async #releaseQueued(trx: EngineDb, flowId: string, options: { known?: boolean } = {}): Promise<void> {
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
      const compiled = await this.#compiled(trx, run);
      const limit = compiled.flow.settings?.maxConcurrentRuns;
      if (await blocked(trx, { ...run, limit, statuses: ['running', 'waiting'], except: run.id })) continue;
      const input = run.input as Omit<RunInput, 'now'>;
      const outcome = await startRunWithFacts(this.#deps.facts(trx), compiled, input, this.#deps.clock);
      await this.#apply(trx, run, outcome);
    }
  }

  /**
   * Handles one `weft.flow.step` job: runs the action, records it, advances the run. An
   * inline attempt (`inlineJobId`) deletes the step's held-back job as it settles the step.
   */
  async onStep(
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
      if (inlineJobId) await this.#deps.boss.deleteJob(queues.step, inlineJobId, { db: inTransaction(trx) });
    };
    try {
      await this.transaction(async (trx) => {
        const run = (await lockRunsForSteps(trx, [job.data])).get(runId);
        if (pending(run)) await this.#perform(trx, job.data, run, attemptAfter(run.step));
        await settleJob(trx);
      });
    } catch (error) {
      let retry = false;
      await this.transaction(async (trx) => {
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
        this.#changed(trx, { runId, step: { nodeId, iteration, status: retriable ? 'running' : 'failed' } });
        await settleJob(trx);
        if (!retriable) {
          await this.#advance(trx, run, { type: 'step.failed', nodeId, error: failure });
        } else if (inlineJobId || error instanceof RetryAfterError) {
          // A fresh job at the retry's time replaces the deleted inline one, or pg-boss's own
          // backoff when the remote named its delay.
          const delayMs =
            error instanceof RetryAfterError ? error.delayMs : this.#retryDelayMs(nodeType, attempt);
          const delayed = { ...job.data, previousAttempts: attempt };
          await this.#insertSteps(trx, [
            this.#stepEntry(delayed, `attempt-${attempt + 1}`, new Date(Date.now() + delayMs)),
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
  async #perform(
    trx: EngineDb,
    data: StepJob,
    run: LockedRun,
    attempt: number,
    batch?: BatchWrites,
  ): Promise<void> {
    const { runId, nodeId, iteration, nodeType, params } = data;
    const definition = this.#deps.catalog.get(nodeType);
    if (definition?.kind !== 'action') {
      throw new NonRetriableError(`unknown action type "${nodeType}"`, { owner: 'system' });
    }
    const context = {
      runId,
      nodeId,
      attempt,
      record: (run.snapshot as PersistedRun).context.record,
      idempotencyKey: `${runId}:${nodeId}:${iteration}`,
      services: await this.#deps.services(trx, {
        runId,
        flowId: run.flowId,
        eventId: run.eventId,
        depth: run.depth,
        flow: run.flow,
        causationRoot: run.causationRoot,
      }),
      now: this.#deps.clock.now(),
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
    await this.#advance(trx, run, stepDone(definition, nodeId, output), step, batch);
  }

  /**
   * Runs a few ready steps of different runs in one transaction: one lock query, one
   * insert of the next steps' jobs, one job deletion and one commit for all. Only steps
   * whose effects stay in the database are batched (a rolled-back batch must not have
   * called anyone). A step that readies the next step of its run, batchable too, runs that
   * one in the same transaction (`#chained`), for a few rounds: its job would be inserted
   * and deleted by this transaction, so it is never written. Should any step fail, the
   * batch rolls back as if it never ran and each of its first steps runs again alone, on
   * the path that records failures and retries.
   */
  async #runBatch(batch: readonly ReadyStep[]): Promise<void> {
    try {
      await this.transaction(async (trx) => {
        const runs = await lockRunsForSteps(
          trx,
          batch.map((step) => step.data),
        );
        // The steps' rows, their runs' states and the next steps' jobs are written together
        // once every step of the batch is done.
        const writes: BatchWrites = { jobs: [], settled: [], written: new Set() };
        let round = batch.flatMap(({ data }) => {
          const run = runs.get(data.runId);
          return pending(run) ? [{ data, run }] : [];
        });
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
            await this.#perform(trx, data, run, (run.step?.attempt ?? 0) + 1, writes);
            // The run's new state is in memory only when its write was left to the batch.
            const entry = writes.settled?.[settled];
            if (entry?.run?.id === run.id && !finished(entry.run.status)) held.set(run.id, { run, entry });
          }
          // A run written since (a called flow it waits for ended in this round) goes no further here.
          const chainable = new Map<string, LockedRun>();
          for (const [id, { run, entry }] of held)
            if (entry.run) chainable.set(id, { ...run, ...entry.run, step: undefined });
          round = rounds < maxRounds ? this.#chained(writes, chainable) : [];
        }
        for (const flowId of await settleRuns(trx, writes.settled ?? [])) {
          await this.#releaseQueued(trx, flowId, { known: true });
        }
        await this.#insertSteps(trx, writes.jobs);
        await this.#deps.boss.deleteJob(
          queues.step,
          batch.map((step) => step.jobId),
          { db: inTransaction(trx) },
        );
      });
    } catch {
      for (const { data, jobId } of batch) {
        await this.onStep({ data, retryCount: 0 }, { inlineJobId: jobId }).catch(() => undefined);
      }
    }
  }

  /**
   * Takes out of a batch's next jobs one step for each run in `runs` (at most one: a step
   * sees its run as the step before left it), where the step may run in the batch.
   */
  #chained(writes: BatchWrites, runs: ReadonlyMap<string, LockedRun>): { data: StepJob; run: LockedRun }[] {
    const next: { data: StepJob; run: LockedRun }[] = [];
    const taken = new Set<string>();
    writes.jobs = writes.jobs.filter((entry) => {
      const data = entry.ready?.data;
      const run = data && runs.get(data.runId);
      if (!data || !run || taken.has(run.id) || this.#external(data.nodeType)) return true;
      taken.add(run.id);
      next.push({ data, run });
      return false;
    });
    return next;
  }

  /** The node's backoff before the attempt after `attempt`, with jitter (what pg-boss does for queued jobs). */
  #retryDelayMs(nodeType: string, attempt: number): number {
    const definition = this.#deps.catalog.get(nodeType);
    const policy = definition?.kind === 'action' ? definition.retry : undefined;
    const base = policy?.delayMs ?? 1000;
    const delay = policy?.backoff === 'exponential' ? base * 2 ** (attempt - 1) : base;
    const capped = Math.min(delay, policy?.maxDelayMs ?? Number.POSITIVE_INFINITY);
    return Math.round(capped * (0.5 + Math.random() / 2));
  }

  /** Handles one `weft.flow.wait` job. A flow switched off while its run waited does not resume. */
  async onWait(job: { data: WaitJob }): Promise<void> {
    const { runId, nodeId, iteration } = job.data;
    await this.transaction(async (trx) => {
      const run = await lockRun(trx, runId);
      if (!run || finished(run.status)) return;
      const step = await findStep(trx, runId, nodeId, iteration);
      if (step?.status !== 'waiting') return;
      const flow = await trx
        .selectFrom('flows')
        .select('active')
        .where('id', '=', run.flowId)
        .executeTakeFirst();
      if (!flow?.active) {
        await upsertStep(trx, {
          runId,
          nodeId,
          iteration,
          nodeType: 'control.wait',
          status: 'failed',
          error: { message: 'the flow was deactivated while this run waited' },
        });
        await this.#finish(trx, run.id, 'cancelled', null, {
          message: 'the flow was deactivated while this run waited',
        });
        return;
      }
      await upsertStep(trx, { runId, nodeId, iteration, nodeType: 'control.wait', status: 'done' });
      await this.#advance(trx, run, { type: 'wait.elapsed', nodeId });
    });
  }

  /** Stops a run: pending steps and waits find it finished and do nothing. */
  async cancel(trx: EngineDb, runId: string): Promise<boolean> {
    const run = await lockRun(trx, runId);
    if (!run || finished(run.status)) return false;
    await this.#finish(trx, runId, 'cancelled', null, { message: 'cancelled by a user' });
    return true;
  }

  /**
   * Retries a failed run from its failed step: the snapshot is rolled back to the moment
   * that step was entered and the step is enqueued again as a new iteration.
   */
  async retry(trx: EngineDb, runId: string): Promise<boolean> {
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
    const definition = this.#deps.catalog.get(failedStep.nodeType);
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
    await this.#insertSteps(trx, [this.#stepEntry(step, `retry-${Date.now()}`)]);
    return true;
  }

  async #finish(
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
    this.#changed(trx, { runId, status });
    const { flowId } = await trx
      .selectFrom('flowRuns')
      .select('flowId')
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    await this.#releaseQueued(trx, flowId);
  }

  /** Feeds the run an event; `step` is the step row the event settles, written with the run. */
  async #advance(
    trx: EngineDb,
    run: RunRow,
    event: RunEvent,
    step?: StepWrite,
    batch?: BatchWrites,
  ): Promise<void> {
    const compiled = await this.#compiled(trx, run);
    const persisted = run.snapshot as PersistedRun;
    const outcome = await advanceRunWithFacts(
      this.#deps.facts(trx),
      compiled,
      persisted,
      event,
      this.#deps.clock,
    );
    if (!outcome.accepted) {
      if (step) await upsertStep(trx, step);
      return;
    }
    // A failed step keeps the snapshot from before it, so "retry from the failed step" can resume there.
    const resume = outcome.status === 'failed' && event.type === 'step.failed' ? run.snapshot : undefined;
    await this.#apply(trx, run, outcome, {
      resumeSnapshot: resume,
      ...(step && { step }),
      ...(batch && { batch }),
    });
    const onFailure = compiled.flow.settings?.onFailureFlowId;
    if (outcome.status === 'failed' && onFailure)
      await this.#startOnFailure(trx, run, onFailure, outcome.failure);
  }

  /**
   * The flow's "on failure" flow runs with the failed run's record and the failure as its
   * trigger. A failure of that run does not start another: handlers do not chain.
   */
  async #startOnFailure(trx: EngineDb, run: RunRow, flowId: string, failure: unknown): Promise<void> {
    const failed = await trx
      .selectFrom('flowRuns')
      .select(['input', 'module', 'recordId', 'depth'])
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    const input = failed.input as Omit<RunInput, 'now'>;
    if ((input.trigger as { failedRunId?: unknown } | null)?.failedRunId) return;
    const target = await publishedVersion(trx, flowId, { activeOnly: true });
    if (!target) return;
    await this.start(trx, {
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

  /**
   * Writes a run's new state (and the step row that led to it, in the same statement).
   * Says whether, the run having ended, runs of its flow are queued. A step done in a
   * batch that writes its settled steps leaves both writes to it, unless the run failed
   * (its error keeps the snapshot to resume from), ended a called flow, or calls one: a
   * caller's run goes on in this transaction and reads the callee's or its own row.
   */
  async #saveOutcome(
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
      this.#changed(trx, { runId: run.id, status });
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
        snapshot: JSON.stringify(outcome.snapshot),
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
    this.#changed(trx, { runId: run.id, status });
    if (!finished(status)) {
      await update.execute();
      return false;
    }
    const queued = sql<boolean>`exists (select 1 from flow_runs queued where queued.flow_id = flow_runs.flow_id and queued.status = 'queued')`;
    const row = await update.returning(queued.as('hasQueued')).executeTakeFirst();
    return row?.hasQueued ?? false;
  }

  /**
   * Persists an outcome and performs its actions in the caller's transaction. With `batch`,
   * step jobs (and maybe the run's state, see `#saveOutcome`) go into it for the caller to
   * write with others'; else they are written here.
   */
  async #apply(
    trx: EngineDb,
    run: RunRow,
    outcome: StepOutcome,
    options: { resumeSnapshot?: unknown; stored?: boolean; batch?: BatchWrites; step?: StepWrite } = {},
  ): Promise<void> {
    const { resumeSnapshot } = options;
    const status = statusOf(outcome);
    let hasQueued = false;
    // A run just inserted with this snapshot needs no second write unless it already ended.
    if (options.stored && !finished(status)) this.#changed(trx, { runId: run.id, status });
    else
      hasQueued = await this.#saveOutcome(
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
        const definition = this.#deps.catalog.get(action.nodeType);
        const maxAttempts = definition?.kind === 'action' ? (definition.retry?.attempts ?? 1) : 1;
        steps.push(
          this.#stepEntry({
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
        await sendJob(this.#deps.boss, trx, queues.wait, data, {
          id: jobId(run.id, action.nodeId, action.iteration, 'wait'),
          startAfter: new Date(action.until),
          // pg-boss drops jobs still waiting after their retention (14 days by default): a wait keeps its job until it is due, and a day more.
          retentionSeconds: Math.max(0, Math.ceil((Date.parse(action.until) - Date.now()) / 1000)) + 86_400,
        });
      } else if (action.type === 'callFlow') {
        await this.#callFlow(trx, run, action);
      }
    }
    if (options.batch) options.batch.jobs.push(...steps);
    else await this.#insertSteps(trx, steps);
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
        await this.#advance(
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
    if (hasQueued) await this.#releaseQueued(trx, run.flowId, { known: true });
  }

  /**
   * A step's job. Without a start time, and while this process has room, the step is also
   * readied to run inline once the transaction commits, and its job held back meanwhile.
   */
  #stepEntry(data: StepJob, salt = '', startAfter?: Date): StepEntry {
    const id = jobId(data.runId, data.nodeId, data.iteration, salt);
    const inline = !startAfter && !this.#paused && this.#readyCount() < maxReady;
    const definition = this.#deps.catalog.get(data.nodeType);
    const retry = definition?.kind === 'action' ? definition.retry : undefined;
    const job: JobInsert<StepJob> = {
      id,
      data,
      retryLimit: Math.max(0, data.maxAttempts - (data.previousAttempts ?? 0) - 1),
      // A worker that dies mid-step stops beating: pg-boss retries the job in seconds, not after the 15-minute expiry.
      heartbeatSeconds: 10,
      retryDelay: Math.max(1, Math.round((retry?.delayMs ?? 1000) / 1000)),
      retryBackoff: retry?.backoff === 'exponential',
      ...(retry?.maxDelayMs && { retryDelayMax: Math.round(retry.maxDelayMs / 1000) }),
      ...(inline
        ? { startAfter: new Date(Date.now() + (this.#deps.leaseMs ?? leaseMs)) }
        : startAfter && { startAfter }),
    };
    return inline ? { job, ready: { data, jobId: id } } : { job };
  }

  /** Inserts step jobs in one statement; the inline ones run once the transaction commits. */
  async #insertSteps(trx: EngineDb, steps: readonly StepEntry[]): Promise<void> {
    if (steps.length === 0) return;
    await this.#deps.boss.insert(
      queues.step,
      steps.map((step) => step.job),
      { db: inTransaction(trx) },
    );
    const ready = steps.flatMap((step) => (step.ready ? [step.ready] : []));
    if (ready.length > 0) this.#pending.set(trx, [...(this.#pending.get(trx) ?? []), ...ready]);
  }

  async #callFlow(
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
        await this.#advance(trx, fresh, {
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
    await this.start(trx, {
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
}
