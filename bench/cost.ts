/**
 * What a unit of work costs, whatever else runs on the machine (issue 19): throughput moves
 * with the load; CPU per unit and statements per unit barely do. One module for every
 * benchmark:
 * - CPU of this process or thread (the server when load generators run in workers), and of
 *   another process (Weft started apart) from /proc;
 * - CPU of an embedded PostgreSQL cluster: the postmaster, the children it reaped (backends
 *   come and go as pools close idle connections, autovacuum workers too) and those alive;
 * - the statements this process sent (every pg client: kysely's pool and pg-boss's), their
 *   texts (`BENCH_SQL=1`, `topStatements`) and a piece of work's statements for EXPLAIN;
 * - what PostgreSQL ran (pg_stat_statements: calls, planning and execution time);
 * - resident memory of a process.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedCluster, startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// --- statements sent ---------------------------------------------------------------------

let sent = 0;
/** BENCH_SQL=1: which statements, how often (printed by `topStatements`). */
const texts = new Map<string, number>();
let captured: { text: string; values: unknown[] }[] | null = null;
const query = pg.Client.prototype.query;
// Every statement kysely and pg-boss send goes through pg's Client.query: counted here.
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  sent++;
  const [first, second] = args as [{ text?: unknown; values?: unknown[] } | string, unknown];
  const text = typeof first === 'string' ? first : typeof first?.text === 'string' ? first.text : undefined;
  if (captured && text !== undefined)
    captured.push({
      text,
      values: typeof first === 'string' ? (Array.isArray(second) ? second : []) : (first.values ?? []),
    });
  if (process.env.BENCH_SQL) {
    const short = (text ?? '').replace(/\s+/g, ' ').slice(0, 140);
    texts.set(short, (texts.get(short) ?? 0) + 1);
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

/** The statements (text and parameters) this process sends while `work` runs: for EXPLAIN. */
export async function statementsOf(
  work: () => Promise<unknown>,
): Promise<{ text: string; values: unknown[] }[]> {
  captured = [];
  try {
    await work();
    return captured;
  } finally {
    captured = null;
  }
}

/** The statements sent most often since the last call (BENCH_SQL=1), and a fresh count. */
export function topStatements(limit = 12): [string, number][] {
  const top = [...texts].sort((a, b) => b[1] - a[1]).slice(0, limit);
  texts.clear();
  return top;
}

// --- CPU ---------------------------------------------------------------------------------

/** Linux's USER_HZ: /proc times are in 1/100 s. */
const ticksPerSecond = 100;

/** utime, stime, cutime, cstime (seconds) and the parent of a process, from /proc. */
async function procStat(pid: number | string) {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!text) return undefined;
  // Fields after the command (which may hold spaces) start after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (field: number) => Number(fields[field - 3]);
  return {
    ppid: n(4),
    own: (n(14) + n(15)) / ticksPerSecond,
    reaped: (n(16) + n(17)) / ticksPerSecond,
  };
}

/** CPU seconds (user + system) of a process, from /proc (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  return (await procStat(pid))?.own ?? 0;
}

/** CPU seconds of this process so far. */
export function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds of this thread so far (load generators in worker threads are not counted). */
export function threadCpuSeconds(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1e6;
}

/**
 * CPU seconds of the cluster started in `dataDir` (startEmbeddedPostgres' folder): the
 * postmaster's own, its reaped children's (exited backends) and its live children's.
 */
export async function clusterCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  const main = await procStat(postmaster);
  if (!main) return 0;
  let total = main.own + main.reaped;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = await procStat(entry);
    if (child?.ppid === postmaster) total += child.own;
  }
  return total;
}

export interface Cost {
  seconds: number;
  weftCpuSeconds: number;
  postgresCpuSeconds: number;
  statements: number;
}

/**
 * Starts measuring; `stop()` answers what the work between cost: wall seconds, CPU seconds
 * of this process (`thread: true`: of this thread alone) and of the cluster, statements sent.
 */
export async function costMeter(dataDir: string, { thread = false } = {}) {
  const weftCpu = thread ? threadCpuSeconds : processCpuSeconds;
  const started = performance.now();
  const cpu = weftCpu();
  const postgres = await clusterCpuSeconds(dataDir);
  const statements = sent;
  return {
    async stop(): Promise<Cost> {
      return {
        seconds: (performance.now() - started) / 1000,
        weftCpuSeconds: weftCpu() - cpu,
        postgresCpuSeconds: (await clusterCpuSeconds(dataDir)) - postgres,
        statements: sent - statements,
      };
    },
  };
}

/** A cost per 1,000 units (records, rows): rate, CPU milliseconds of each side, statements. */
export function per1000(cost: Cost, units: number) {
  return {
    perSecond: Math.round(units / cost.seconds),
    seconds: round(cost.seconds, 2),
    weftCpuMsPer1000: round((cost.weftCpuSeconds * 1e6) / units),
    postgresCpuMsPer1000: round((cost.postgresCpuSeconds * 1e6) / units),
    statementsPer1000: round((cost.statements * 1000) / units),
  };
}

// --- pg_stat_statements ------------------------------------------------------------------

/**
 * An embedded cluster with pg_stat_statements loaded (planning tracked too): it needs a
 * restart to load, so the cluster is started, configured, and started again.
 */
export async function startBenchCluster(dataDir: string): Promise<EmbeddedCluster> {
  const first = await startEmbeddedPostgres(dataDir);
  const setup = new pg.Client({ connectionString: first.url('postgres') });
  await setup.connect();
  await setup.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`);
  await setup.query('alter system set pg_stat_statements.track_planning = on');
  await setup.end();
  await first.stop();
  const cluster = await startEmbeddedPostgres(dataDir);
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query('create extension if not exists pg_stat_statements');
  await admin.end();
  return cluster;
}

/** Forgets the statements counted so far (the whole cluster's). */
export async function resetStatements(admin: pg.Client): Promise<void> {
  await admin.query('select pg_stat_statements_reset()');
}

/**
 * What PostgreSQL ran in a database since the last reset, per unit of work (a finished run,
 * a completion): statements, planning and execution milliseconds, and the statements that
 * cost most (their text shortened).
 */
export async function statements(admin: pg.Client, database: string, units: number) {
  const { rows } = await admin.query<{
    query: string;
    calls: string;
    plans: string;
    plan_ms: number;
    exec_ms: number;
  }>(
    `select query, calls, plans, total_plan_time as plan_ms, total_exec_time as exec_ms
     from pg_stat_statements where dbid = (select oid from pg_database where datname = $1)
     order by total_plan_time + total_exec_time desc`,
    [database],
  );
  const per = (value: number, digits = 100) => Math.round((value / Math.max(1, units)) * digits) / digits;
  const sum = (key: 'calls' | 'plans' | 'plan_ms' | 'exec_ms') =>
    rows.reduce((total, row) => total + Number(row[key]), 0);
  return {
    perRun: {
      statements: per(sum('calls')),
      plans: per(sum('plans')),
      planningMs: per(sum('plan_ms'), 1000),
      executionMs: per(sum('exec_ms'), 1000),
    },
    top: rows.slice(0, 30).map((row) => ({
      perRun: per(Number(row.calls)),
      plansPerRun: per(Number(row.plans)),
      planMsPerRun: per(row.plan_ms, 1000),
      execMsPerRun: per(row.exec_ms, 1000),
      query: row.query.replace(/\s+/g, ' ').slice(0, 160),
    })),
  };
}

// --- memory ------------------------------------------------------------------------------

/** Resident memory of a process in MB (VmRSS), and its peak so far (VmHWM). */
export async function memoryMb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** Samples a process's RSS every 250 ms until stopped: the most it held under the load. */
export function sampleMemory(pid: number) {
  let max = 0;
  const timer = setInterval(() => {
    void memoryMb(pid).then(({ rss }) => {
      max = Math.max(max, rss);
    });
  }, 250);
  return async () => {
    clearInterval(timer);
    return Math.max(max, (await memoryMb(pid)).rss);
  };
}

/**
 * CPU seconds of processes started apart (Weft and its workers, summed) and of the cluster,
 * from when this is called to `stop()`.
 */
export async function processesCpuMeter(pids: number[], dataDir: string) {
  const processes = await Promise.all(pids.map(cpuSeconds));
  const postgres = await clusterCpuSeconds(dataDir);
  return {
    async stop() {
      let used = 0;
      for (const [index, pid] of pids.entries()) used += (await cpuSeconds(pid)) - (processes[index] ?? 0);
      return { processSeconds: used, postgresSeconds: (await clusterCpuSeconds(dataDir)) - postgres };
    },
  };
}
