/**
 * What the benchmarks measure that does not depend on the machine's load (issue 19): the
 * CPU time of Weft's process and of the cluster's PostgreSQL processes, the statements
 * PostgreSQL ran (pg_stat_statements: calls, planning and execution time), and resident
 * memory. Used by bench/engine.ts and bench/processes.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedCluster, startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';

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
 * cost most (their text shortened), so that a change can be compared on figures that do not
 * depend on the machine's load.
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

/** CPU seconds (user + system) of a process, from /proc (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of a cluster's server processes: the postmaster's children (backends,
 * walwriter, …), those running and those that exited (the postmaster's reaped children's
 * time: backends come and go as pools close idle connections, autovacuum workers too).
 */
export async function clusterCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  const own = (await readFile(`/proc/${postmaster}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  let total = (Number(own[13]) + Number(own[14])) / 100;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}
