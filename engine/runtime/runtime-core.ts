/**
 * The runtime's shared state and the small operations every part of it uses: the
 * dependencies it was given, the steps readied to run inline in this process, the run
 * changes each open transaction made (told to live views once it commits), the compiled
 * machines of flow versions, and the writing of step jobs. The parts that start runs
 * (./run-start.ts), run steps (./step-batch.ts), settle outcomes (./run-settle.ts) and
 * handle waits and retries (./waits-retries.ts) are functions over one `RuntimeCore`;
 * `FlowRuntime` (./runtime.ts) is their face and owns running steps inline and shutdown.
 */
import type { JobInsert, PgBoss } from 'pg-boss';
import type { Flow } from '../../schemas/flow.ts';
import { type CompiledFlow, compile, type RunInput, type TemplateFormats } from '../core/compile.ts';
import type { NodeCatalog } from '../core/node-types.ts';
import type { Clock, StepOutcome } from '../core/stepper.ts';
import { inTransaction, jobId, queues, type StepJob } from './jobs.ts';
import { finished, type LockedRun, lockFlow, type Settled } from './run-rows.ts';
import type { FactServices } from './services.ts';
import type { EngineDb, RunStatus } from './tables.ts';

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
  /** The workspace's time zone, locale and date and time formats for templates (read often: keep it cached). */
  templateFormats?: () => TemplateSettings | undefined;
}

/** The workspace's settings templates format with; a flow's own time zone wins over the workspace's. */
export interface TemplateSettings {
  timeZone?: string;
  formats?: TemplateFormats;
}

/** The workspace's template settings as part of a cache key, written out once per settings object (read on every step). */
const settingsKeys = new WeakMap<TemplateSettings, string>();
function settingsKey(workspace: TemplateSettings): string {
  let key = settingsKeys.get(workspace);
  if (key === undefined) {
    key = JSON.stringify(workspace);
    settingsKeys.set(workspace, key);
  }
  return key;
}

export function compileOptions(
  flow: Flow,
  workspace: TemplateSettings | undefined,
): { timeZone?: string; formats?: TemplateFormats } {
  const timeZone = flow.settings?.timeZone ?? workspace?.timeZone;
  return { ...(timeZone ? { timeZone } : {}), ...(workspace?.formats ? { formats: workspace.formats } : {}) };
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
export const pending = (run: LockedRun | undefined): run is LockedRun =>
  run !== undefined && !finished(run.status) && (!run.step || run.step.status === 'running');

/** What makes a run unique when an event started it. */
export const eventKey = (run: { eventId?: number | null; flowId: string; version: number }) =>
  `${run.eventId}/${run.flowId}/${run.version}`;

export const statusOf = (outcome: StepOutcome): RunStatus =>
  outcome.status === 'done' ? 'succeeded' : outcome.status;
/** Steps (or batches of steps, see `maxBatch`) run inline at once per process; the rest wait their turn. */
export const maxInline = 8;
/** Ready steps of different runs run in one transaction, at most. */
export const maxBatch = 32;
/** Rounds of steps a batch runs, at most: its own, then the next steps of its runs (see `runBatch`). */
export const maxRounds = 4;
/** Steps readied for running inline, at most, beyond which new steps are left to the queue's workers. */
const maxReady = 512;
/** Steps readied and not yet started beyond which the runtime is busy: new runs should wait (see `busy`). */
export const busyReady = 128;
/**
 * A step this process will run inline has its job held back this long: the job is the
 * fallback should the process die first, and the inline attempt deletes it when it settles.
 */
const leaseMs = 20_000;

/** A step to run inline, and the job that stands in for it until it has. */
export interface ReadyStep {
  data: StepJob;
  jobId: string;
  /** The first step of a run just started (the next step of a run under way goes first). */
  fresh?: boolean;
}

/** A job for a step, and the step itself when this process means to run it inline. */
export interface StepEntry {
  job: JobInsert<StepJob>;
  ready?: ReadyStep;
}

/** What the steps of one transaction write together at its end rather than each on its own. */
export interface BatchWrites {
  /** The next steps' jobs. */
  jobs: StepEntry[];
  /** Settled steps with their runs' new states, when the caller writes them (`settleRuns`). */
  settled?: Settled[];
  /** Runs whose state the transaction wrote as it went (a called flow that ended moves its caller on). */
  written?: Set<string>;
}

export class RuntimeCore {
  readonly deps: RuntimeDeps;
  readonly #compiledVersions = new Map<string, CompiledFlow>();
  /** Steps ready to run inline, oldest first: the next steps of runs under way, then first steps of new runs. */
  readonly ready: { next: ReadyStep[]; fresh: ReadyStep[] } = { next: [], fresh: [] };
  /** Steps readied by a transaction not yet known to have committed. */
  readonly readied = new WeakMap<EngineDb, ReadyStep[]>();
  /** Changes to runs made by a transaction not yet known to have committed. */
  readonly changes = new WeakMap<EngineDb, RunChange[]>();
  /** Steps (or batches) running inline now. */
  readonly inline = new Set<Promise<void>>();
  paused = false;
  /** Runs what became ready (set by `FlowRuntime`, which owns running steps inline). */
  kick: () => void = () => undefined;
  /** Starts runs (./run-start.ts), for the parts that start one as they settle another (a called flow, an on-failure flow). */
  start: (trx: EngineDb, request: StartRequest) => Promise<string | null>;

  constructor(
    deps: RuntimeDeps,
    start: (core: RuntimeCore, trx: EngineDb, request: StartRequest) => Promise<string | null>,
  ) {
    this.deps = deps;
    this.start = (trx, request) => start(this, trx, request);
  }

  external(nodeType: string): boolean {
    const definition = this.deps.catalog.get(nodeType);
    return definition?.kind !== 'action' || definition.external === true;
  }

  readyCount(): number {
    return this.ready.next.length + this.ready.fresh.length;
  }

  /**
   * Tells the runtime that a transaction it worked in committed: the steps it readied may
   * run now. Callers that start runs or retries in their own transactions call it after
   * the commit; a transaction that rolled back is never passed, and its steps are dropped.
   */
  committed(trx: EngineDb): void {
    const readied = this.readied.get(trx);
    if (readied) {
      this.readied.delete(trx);
      for (const step of readied) (step.fresh ? this.ready.fresh : this.ready.next).push(step);
    }
    const changes = this.changes.get(trx);
    if (changes) {
      this.changes.delete(trx);
      this.deps.onChange?.(changes);
    }
    this.deps.onCommitted?.(trx);
    this.kick();
  }

  /** Notes a change for live views, told once its transaction commits. */
  changed(trx: EngineDb, change: RunChange): void {
    const changes = this.changes.get(trx);
    if (changes) changes.push(change);
    else this.changes.set(trx, [change]);
  }

  /** A transaction in which runs may be started or advanced: the steps it readies run once it has committed. */
  async transaction<T>(work: (trx: EngineDb) => Promise<T>): Promise<T> {
    let used: EngineDb | undefined;
    const result = await this.deps.db.transaction().execute((trx) => {
      used = trx;
      return work(trx);
    });
    if (used) this.committed(used);
    return result;
  }

  /** The machine of a run's flow version. Published versions never change, so machines are kept. */
  async compiled(
    trx: EngineDb,
    run: { flowId: string; version: number },
    definition?: Flow,
  ): Promise<CompiledFlow> {
    const workspace = this.deps.templateFormats?.();
    const key = `${run.flowId}@${run.version}${workspace ? `@${settingsKey(workspace)}` : ''}`;
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
    const compiled = compile(flow, this.deps.catalog, compileOptions(flow, workspace));
    this.#compiledVersions.set(key, compiled);
    return compiled;
  }

  /** The node's backoff before the attempt after `attempt`, with jitter (what pg-boss does for queued jobs). */
  retryDelayMs(nodeType: string, attempt: number): number {
    const definition = this.deps.catalog.get(nodeType);
    const policy = definition?.kind === 'action' ? definition.retry : undefined;
    const base = policy?.delayMs ?? 1000;
    const delay = policy?.backoff === 'exponential' ? base * 2 ** (attempt - 1) : base;
    const capped = Math.min(delay, policy?.maxDelayMs ?? Number.POSITIVE_INFINITY);
    return Math.round(capped * (0.5 + Math.random() / 2));
  }

  /**
   * A step's job. Without a start time, and while this process has room, the step is also
   * readied to run inline once the transaction commits, and its job held back meanwhile.
   */
  stepEntry(data: StepJob, salt = '', startAfter?: Date): StepEntry {
    const id = jobId(data.runId, data.nodeId, data.iteration, salt);
    const inline = !startAfter && !this.paused && this.readyCount() < maxReady;
    const definition = this.deps.catalog.get(data.nodeType);
    const retry = definition?.kind === 'action' ? definition.retry : undefined;
    const job: JobInsert<StepJob> = {
      id,
      data,
      // Two more than the node's attempts: spent only by attempts that did not end (a worker
      // killed mid-step, the database connection lost); an attempt that fails is counted on
      // the step row and its last one is settled as failed without a pg-boss retry.
      retryLimit: Math.max(0, data.maxAttempts - (data.previousAttempts ?? 0) - 1) + 2,
      // A worker that dies mid-step stops beating: pg-boss retries the job in seconds, not after the 15-minute expiry.
      heartbeatSeconds: 10,
      retryDelay: Math.max(1, Math.round((retry?.delayMs ?? 1000) / 1000)),
      retryBackoff: retry?.backoff === 'exponential',
      ...(retry?.maxDelayMs && { retryDelayMax: Math.round(retry.maxDelayMs / 1000) }),
      ...(inline
        ? { startAfter: new Date(Date.now() + (this.deps.leaseMs ?? leaseMs)) }
        : startAfter && { startAfter }),
    };
    return inline ? { job, ready: { data, jobId: id } } : { job };
  }

  /** Inserts step jobs in one statement; the inline ones run once the transaction commits. */
  async insertSteps(trx: EngineDb, steps: readonly StepEntry[]): Promise<void> {
    if (steps.length === 0) return;
    await this.deps.boss.insert(
      queues.step,
      steps.map((step) => step.job),
      { db: inTransaction(trx) },
    );
    const ready = steps.flatMap((step) => (step.ready ? [step.ready] : []));
    if (ready.length > 0) this.readied.set(trx, [...(this.readied.get(trx) ?? []), ...ready]);
  }

  /**
   * Runs ending, of flows with a concurrency limit, take their flows' locks before looking for
   * runs queued behind them: a start that queued one holds that lock until it commits, so the
   * look sees its run (without the lock, a run queued a moment before the end stayed queued).
   * Flows without a limit never queue, and pay nothing.
   */
  async lockLimitedFlows(trx: EngineDb, runs: readonly { flowId: string; version: number }[]): Promise<void> {
    const limited = new Set<string>();
    for (const run of runs) {
      const compiled = await this.compiled(trx, run);
      if (compiled.flow.settings?.maxConcurrentRuns !== undefined) limited.add(run.flowId);
    }
    for (const flowId of [...limited].sort()) await lockFlow(trx, flowId);
  }
}
