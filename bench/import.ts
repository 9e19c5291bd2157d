/**
 * CSV import and rollback on an embedded PostgreSQL of its own: `BENCH_ROWS` contacts
 * (100,000) imported through the API and its background job (upload to done), rolled
 * back, and imported again with round-robin lead routing over 5 users. Each prints rows/s
 * with the previous figure and the target, and the costs that hold on a loaded machine:
 * Weft's and PostgreSQL's CPU per 1,000 rows and statements per 1,000 rows.
 * `BENCH_CPU_PROF=<dir>` writes a CPU profile of the plain import. Writes bench/results/import.json.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import pg from 'pg';
import { startImportWorker } from '../server/data/imports.ts';
import { contactsCsv, importCsv, routeRoundRobin } from './contacts.ts';
import { costMeter, per1000, resetStatements, statements } from './cost.ts';
import { machineWatch } from './machine.ts';
import { startWeftInProcess, writeResult } from './weft.ts';

const rowCount = Number(process.env.BENCH_ROWS ?? 100_000);
const profileDir = process.env.BENCH_CPU_PROF;
/** Rows/s of the last quiet pass (README.md, the sixth session's best run) and the targets of issue 19. */
const figures = {
  import: { previous: 5_729, target: 20_000 },
  rollback: { previous: 6_191, target: 20_000 },
  importRouted: { previous: 3_277, target: 10_000 },
};

const machineWatched = machineWatch();
/** `BENCH_PGSS=1`: pg_stat_statements loaded, the plain import's top statements printed. */
const pgss = process.env.BENCH_PGSS === '1';
const weft = await startWeftInProcess('import', { pgStatStatements: pgss });
const { app, headers, dataDir } = weft;
const clusterAdmin = pgss ? new pg.Client({ connectionString: weft.cluster.url('postgres') }) : null;
await clusterAdmin?.connect();
try {
  await startImportWorker(weft.boss, weft.db, app.settings);

  const results: Record<string, ReturnType<typeof per1000> & { previous: number; target: number }> = {};
  const report = (name: keyof typeof figures, label: string, measured: ReturnType<typeof per1000>) => {
    results[name] = { ...measured, ...figures[name] };
    console.log(
      `${label}: ${measured.perSecond} rows/s (previous ${figures[name].previous}, target ${figures[name].target}); ` +
        `Weft ${measured.weftCpuMsPer1000} ms + PostgreSQL ${measured.postgresCpuMsPer1000} ms CPU per 1,000 rows, ${measured.statementsPer1000} statements per 1,000`,
    );
  };

  console.log(`importing ${rowCount} contacts…`);
  const plainCsv = contactsCsv(rowCount, 'c');
  const profiler = profileDir ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  if (clusterAdmin) await resetStatements(clusterAdmin);
  let meter = await costMeter(dataDir);
  const imported = (await importCsv(weft, plainCsv, 'fileName=bench.csv', rowCount)).id;
  report('import', 'import', per1000(await meter.stop(), rowCount));
  if (clusterAdmin) {
    const ran = await statements(clusterAdmin, new URL(weft.url).pathname.slice(1), rowCount / 1000);
    console.log(`  per 1,000 rows: ${JSON.stringify(ran.perRun)}`);
    for (const row of ran.top.slice(0, 15))
      console.log(`  ${row.perRun}× plan ${row.planMsPerRun} exec ${row.execMsPerRun} ms  ${row.query}`);
  }
  if (profiler && profileDir) {
    const { profile } = await profiler.post('Profiler.stop');
    await mkdir(profileDir, { recursive: true });
    await writeFile(path.join(profileDir, 'import.cpuprofile'), JSON.stringify(profile));
  }

  meter = await costMeter(dataDir);
  const rollback = await app.inject({ method: 'POST', url: `/api/imports/${imported}/rollback`, headers });
  if (rollback.statusCode !== 200 || rollback.json().deleted !== rowCount)
    throw new Error(`rollback: ${rollback.body}`);
  report('rollback', 'rollback', per1000(await meter.stop(), rowCount));

  await routeRoundRobin(weft, 5);
  const routedCsv = contactsCsv(rowCount, 'r');
  meter = await costMeter(dataDir);
  await importCsv(weft, routedCsv, 'fileName=bench-routed.csv&route=true', rowCount);
  report('importRouted', 'import with round-robin routing', per1000(await meter.stop(), rowCount));

  const result = { rows: rowCount, ...results, machine: machineWatched.describe() };
  await writeResult('import.json', result);
} finally {
  await clusterAdmin?.end();
  await weft.stop();
}
process.exit(0);
