/**
 * What a unit of work costs, whatever else runs on the machine: the CPU time of this thread
 * (the server: load generators run in worker threads), the CPU time of the embedded
 * PostgreSQL (its postmaster, the backends it reaped and those alive), and the SQL statements
 * this process sent (every pg client: kysely's pool and pg-boss's). Throughput moves with the
 * machine's load; these do not (much), so the figures say what a change took out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Linux's USER_HZ: /proc times are in 1/100 s. */
const tick = 10;

function stat(pid: number | string): { ppid: number; own: number; children: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return { ppid: n(4), own: (n(14) + n(15)) * tick, children: (n(16) + n(17)) * tick };
  } catch {
    return undefined;
  }
}

/** Milliseconds of CPU PostgreSQL has used so far (the cluster under `clusterDir`). */
export function postgresCpuMs(clusterDir: string): number {
  const postmaster = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const main = stat(postmaster);
  if (!main) return 0;
  let total = main.own + main.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(entry);
    if (child?.ppid === postmaster) total += child.own;
  }
  return total;
}

let statements = 0;
/** BENCH_SQL=1: which statements, how often (printed by `topStatements`). */
const texts = new Map<string, number>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  if (process.env.BENCH_SQL) {
    const first = args[0] as string | { text?: string };
    const text = (typeof first === 'string' ? first : (first?.text ?? '')).replace(/\s+/g, ' ').slice(0, 140);
    texts.set(text, (texts.get(text) ?? 0) + 1);
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const threadMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

/** Starts counting; `per(n)` answers what each of n units cost since. */
export function costMeter(clusterDir: string) {
  const start = { server: threadMs(), postgres: postgresCpuMs(clusterDir), statements };
  return {
    per(n: number) {
      const server = (threadMs() - start.server) / n;
      const postgres = (postgresCpuMs(clusterDir) - start.postgres) / n;
      return {
        serverCpuMs: Math.round(server * 1000) / 1000,
        postgresCpuMs: Math.round(postgres * 1000) / 1000,
        totalCpuMs: Math.round((server + postgres) * 1000) / 1000,
        statements: Math.round(((statements - start.statements) / n) * 100) / 100,
      };
    },
  };
}

/** The statements sent most often since the last call (BENCH_SQL=1), and a fresh count. */
export function topStatements(limit = 12): [string, number][] {
  const top = [...texts].sort((a, b) => b[1] - a[1]).slice(0, limit);
  texts.clear();
  return top;
}
