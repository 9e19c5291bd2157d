/**
 * Load-robust costs for benchmarks that run Weft in their own process: CPU seconds of this
 * process and of the embedded PostgreSQL (the postmaster and its children, running or
 * exited), and the statements this process sent. On a shared machine throughput moves with
 * the load; CPU per unit of work and statements per unit barely do.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

let statements = 0;
let captured: { text: string; values: unknown[] }[] | null = null;
const query = pg.Client.prototype.query;
// Every statement kysely sends goes through pg's Client.query: counted here, in this process.
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements++;
  if (captured) {
    const [first, second] = args as [{ text?: unknown; values?: unknown[] } | string, unknown];
    if (typeof first === 'string')
      captured.push({ text: first, values: Array.isArray(second) ? second : [] });
    else if (typeof first?.text === 'string') captured.push({ text: first.text, values: first.values ?? [] });
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

/** CPU seconds of the cluster started in `dataDir` (startEmbeddedPostgres' folder). */
async function clusterCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  const own = (await readFile(`/proc/${postmaster}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime, stime, cutime, cstime: the postmaster's own time and its reaped children's.
  let total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

export interface Cost {
  seconds: number;
  weftCpuSeconds: number;
  postgresCpuSeconds: number;
  statements: number;
}

/** Starts measuring; `stop()` answers what the work between cost. */
export async function costMeter(dataDir: string) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const pgStart = await clusterCpuSeconds(dataDir);
  const statementsStart = statements;
  return {
    async stop(): Promise<Cost> {
      const used = process.cpuUsage(cpu);
      return {
        seconds: (performance.now() - started) / 1000,
        weftCpuSeconds: (used.user + used.system) / 1e6,
        postgresCpuSeconds: (await clusterCpuSeconds(dataDir)) - pgStart,
        statements: statements - statementsStart,
      };
    },
  };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

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
