import type { PgBoss } from 'pg-boss';
import { catalog, triggers } from '../../engine/nodes/index.ts';
import { createQueues, queues, type StepJob, type WaitJob } from '../../engine/runtime/jobs.ts';
import { FlowRuntime } from '../../engine/runtime/runtime.ts';
import type { EngineDb } from '../../engine/runtime/tables.ts';
import { createLiveBatch, deferLive, takeDeferred } from '../collaboration/live.ts';
import { LiveListener } from '../collaboration/live-listener.ts';
import type { Db } from '../db/index.ts';
import { fanOutHooks } from '../hooks/hooks.ts';
import { eventsChannel } from '../platform/events.ts';
import type { SettingsService } from '../platform/settings.ts';
import { watchTemplateSettings } from './code-sandbox.ts';
import { dispatchPending } from './dispatcher.ts';
import { engineServices, factServices } from './engine-services.ts';
import { pruneRuns } from './flow-runs.ts';
import { periodicQueue, syncAllPeriodicSchedules, workPeriodic } from './periodic.ts';
import { overdueQueue, workOverdueScan } from './task-overdue.ts';

export function createRuntime(db: Db, boss: PgBoss, onError: (error: unknown) => void): FlowRuntime {
  const live = createLiveBatch(db, onError);
  const templateFormats = watchTemplateSettings(db, onError);
  return new FlowRuntime({
    templateFormats,
    // One database: the engine's tables are part of the server's schema.
    db: db as unknown as EngineDb,
    boss,
    catalog,
    clock: { now: () => new Date() },
    // The email service enqueues delivery jobs in the step's transaction; live messages
    // (feed posts, notifications) wait for its commit and go out in batches.
    services: (trx, run) => {
      deferLive(trx as unknown as Db);
      return engineServices(trx, run, { boss });
    },
    onCommitted: (trx) => {
      for (const payload of takeDeferred(trx as unknown as Db)) live.sendPayload(payload);
    },
    facts: (trx) => factServices(trx as unknown as Db),
    // Run views (the designer) refresh on these; flows are administration, so admins receive them.
    onChange: (changes) => {
      for (const change of changes)
        live.send({ type: 'run.updated', data: { ...change }, to: { admins: true } });
    },
    onPause: () => live.flush(),
  });
}

/** Events per dispatch transaction, at most. */
const dispatchBatch = 100;

/** Hourly: finished runs past the retention settings are deleted. */
const pruneQueue = 'weft.runs.prune';

export interface EngineState {
  /** More steps ready than run in a moment: the dispatcher leaves events in the outbox. */
  busy: boolean;
  ready: number;
  inline: number;
  paused: boolean;
  dispatching: boolean;
  /** How long the dispatch transaction under way has taken so far. */
  dispatchRunningMs: number | null;
  /** A wake-up came during a dispatch: another follows it. */
  wakeQueued: boolean;
  lastDispatchAgoMs: number | null;
  eventsDispatched: number;
}

export interface EngineWorkers {
  /** Dispatches whatever is pending now (tests call it to not wait for the poll). */
  dispatch: () => Promise<number>;
  /** What the dispatcher and the inline steps are doing now (`kill -USR2` prints it: server/main.ts). */
  state: () => EngineState;
  stop: () => Promise<void>;
}

/**
 * The engine's workers in this process: the step and wait queues, and the dispatcher,
 * woken by NOTIFY on every committed event and polling every few seconds as a floor (a
 * notification sent while no listener was connected is not lost: the poll finds it).
 */
export async function startEngineWorkers(options: {
  db: Db;
  boss: PgBoss;
  runtime: FlowRuntime;
  settings: SettingsService;
  connectionString: string;
  pollMs?: number;
  onError: (error: unknown) => void;
}): Promise<EngineWorkers> {
  const { db, boss, runtime, settings } = options;
  await createQueues(boss);
  await boss.createQueue(pruneQueue, { policy: 'singleton' });
  await boss.schedule(pruneQueue, '17 * * * *');
  await boss.work(pruneQueue, async () => {
    await pruneRuns(db, settings);
  });
  // Half a second, pg-boss's shortest poll: a flow's next step should not wait long.
  // Step jobs due together (retries after the same backoff, steps a restart released) come
  // a batch at a time, fetched again at once while batches come back full; those whose
  // effects stay in the database run in one transaction, as waits do (onSteps), the others
  // a few at once; each job settles on its own (a failed one is retried by itself).
  await boss.work<StepJob>(
    queues.step,
    {
      pollingIntervalSeconds: 0.5,
      batchSize: 32,
      burstWhenBatchFull: true,
      perJobResults: true,
    },
    async (jobs) =>
      (await runtime.onSteps(jobs)).map(({ id, failed }) => ({
        id,
        status: failed ? ('failed' as const) : ('completed' as const),
      })),
  );
  // Waits due together (a drip's thousands of contacts) resume in batches, one transaction
  // each (four batches at once: a batch spends most of its time waiting on the database, so more overlap), fetched again at once while batches come back full; the steps
  // after them run chained in the same transaction, as a batch of steps does (onWaits). A
  // wait the batch could not resume is retried alone.
  await boss.work<WaitJob>(
    queues.wait,
    {
      pollingIntervalSeconds: 0.5,
      batchSize: 250,
      burstWhenBatchFull: true,
      perJobResults: true,
      localConcurrency: 4,
    },
    async (jobs) =>
      (await runtime.onWaits(jobs)).map(({ id, failed }) => ({
        id,
        status: failed ? ('failed' as const) : ('completed' as const),
      })),
  );
  // Time-based triggers: schedule ticks and the overdue-task scan, and schedules left unsynced.
  await workPeriodic(db, boss);
  await workOverdueScan(db, boss);
  await syncAllPeriodicSchedules(db, boss);

  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  const seen = {
    dispatchStartedAt: null as number | null,
    lastDispatchedAt: null as number | null,
    dispatched: 0,
  };
  const dispatch = async () => {
    let total = 0;
    // While the steps of runs already started wait here, new events wait in the outbox.
    while (!stopped && !runtime.busy) {
      seen.dispatchStartedAt = Date.now();
      const count = await dispatchPending(runtime, triggers, settings, dispatchBatch, (trx, events) =>
        fanOutHooks(trx, boss, events),
      ).finally(() => {
        seen.dispatchStartedAt = null;
      });
      seen.lastDispatchedAt = Date.now();
      seen.dispatched += count;
      total += count;
      // A batch that was not full took every event there was: one committed since has woken
      // this process again (`again` below), so no empty transaction is spent to find nothing.
      if (count < dispatchBatch) break;
    }
    return total;
  };
  // One dispatch at a time per process; a wake-up during one runs another right after.
  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = dispatch()
      .then(() => undefined, options.onError)
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  // Reconnects by itself when the connection drops (PostgreSQL restarted): a wake-up then
  // finds what was notified meanwhile.
  const listener = new LiveListener({
    connectionString: options.connectionString,
    applicationName: 'weft-dispatcher',
    channel: eventsChannel,
    onPayload: wake,
    onReconnect: wake,
    onError: options.onError,
  });
  await listener.start();
  const poll = setInterval(wake, options.pollMs ?? 2000);
  runtime.onIdle(wake);
  wake();

  return {
    dispatch,
    state: () => ({
      busy: runtime.busy,
      ...runtime.load,
      dispatching: running !== undefined,
      dispatchRunningMs: seen.dispatchStartedAt === null ? null : Date.now() - seen.dispatchStartedAt,
      wakeQueued: again,
      lastDispatchAgoMs: seen.lastDispatchedAt === null ? null : Date.now() - seen.lastDispatchedAt,
      eventsDispatched: seen.dispatched,
    }),
    stop: async () => {
      stopped = true;
      clearInterval(poll);
      await running;
      await runtime.pause();
      await listener.close().catch(() => undefined);
      await boss.offWork(queues.step);
      await boss.offWork(queues.wait);
      await boss.offWork(pruneQueue);
      await boss.offWork(periodicQueue);
      await boss.offWork(overdueQueue);
    },
  };
}
