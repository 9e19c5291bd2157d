/**
 * CSV import and rollback on an embedded PostgreSQL of its own: `BENCH_ROWS` contacts
 * (100,000) imported through the API and its background job (upload to done), rolled
 * back, and imported again with round-robin lead routing over 5 users. Each prints rows/s
 * with the previous figure and the target, and the costs that hold on a loaded machine:
 * Weft's and PostgreSQL's CPU per 1,000 rows and statements per 1,000 rows.
 * `BENCH_CPU_PROF=<dir>` writes a CPU profile of the plain import. Writes bench/results/import.json.
 */

import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildApp } from '../server/app.ts';
import { startImportWorker } from '../server/data/imports.ts';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';
import { createDb } from '../server/db/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { ensureAdmin } from '../server/identity/bootstrap.ts';
import { startQueue } from '../server/queue.ts';
import { costMeter, per1000 } from './data-cost.ts';
import { machineWatch } from './machine.ts';

const root = path.resolve(import.meta.dirname, '..');
const rowCount = Number(process.env.BENCH_ROWS ?? 100_000);
const profileDir = process.env.BENCH_CPU_PROF;
const password = 'bench-admin-password';
/** Rows/s before this round (bench:records on a quiet machine) and the targets of issue 19. */
const figures = {
  import: { previous: 7_809, target: 20_000 },
  rollback: { previous: 8_578, target: 20_000 },
  importRouted: { previous: 4_693, target: 10_000 },
};

const firstNames = [
  'Ada',
  'Alan',
  'Grace',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Frances',
  'Dennis',
];
const lastNames = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Allen',
];
const cities = [
  'Paris',
  'London',
  'Berlin',
  'Madrid',
  'Rome',
  'Vienna',
  'Oslo',
  'Lisbon',
  'Prague',
  'Dublin',
];
const sources = ['None', 'Google', 'Facebook', 'Twitter', 'Web', 'Referral', 'Trade Show', 'Other'];
const statuses = ['Unassigned', 'Assigned', 'Accepted', 'Working', 'Dead', 'Rejected'];
const pick = <T>(list: T[], i: number) => list[i % list.length] as T;

/** The same file as bench:records imports. */
function contactsCsv(count: number, tag: string): string {
  const lines = [
    'firstName,lastName,email,phone,title,city,country,leadSource,leadStatus,rating,dealvalue,doNotEmail',
  ];
  for (let i = 0; i < count; i++) {
    lines.push(
      [
        pick(firstNames, i),
        `${pick(lastNames, i * 7)}${i}`,
        `${tag}${i}@bench.test`,
        `+1-555-${String(i).padStart(7, '0')}`,
        i % 3 === 0 ? 'Engineer' : 'Manager',
        pick(cities, i * 3),
        'Europe',
        pick(sources, i),
        pick(statuses, i * 5),
        String(i % 6),
        String((i % 1000) * 12.5),
        i % 2 === 0 ? 'true' : 'false',
      ].join(','),
    );
  }
  return lines.join('\n');
}

const machineWatched = machineWatch();
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-import-'));
await chmod(dataDir, 0o755);
const cluster = await startEmbeddedPostgres(dataDir);
const url = cluster.url();
const db = createDb(url);
const boss = await startQueue(url, (error) => console.error('queue error', error));
try {
  await migrateToLatest(db);
  await ensureAdmin(db, password);
  const app = await buildApp({ db, boss, databaseUrl: url });
  await startImportWorker(boss, db, app.settings);
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'admin', password },
  });
  const cookie = `weft_session=${login.cookies.find((c) => c.name === 'weft_session')?.value}`;
  const headers = { cookie, 'x-csrf-token': login.json<{ csrfToken: string }>().csrfToken };

  async function importCsv(csv: string, query: string) {
    const response = await app.inject({
      method: 'POST',
      url: `/api/imports?module=contacts&${query}`,
      headers: { ...headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    if (response.statusCode !== 202) throw new Error(`import refused: ${response.body}`);
    const id = response.json<{ id: string }>().id;
    for (;;) {
      const state = (await app.inject({ method: 'GET', url: `/api/imports/${id}`, headers })).json();
      if (state.status === 'done' || state.status === 'failed') {
        if (state.status !== 'done' || state.created !== rowCount)
          throw new Error(`import ended ${state.status}: ${JSON.stringify(state)}`);
        return id;
      }
      await delay(20);
    }
  }

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
  let meter = await costMeter(dataDir);
  const imported = await importCsv(plainCsv, 'fileName=bench.csv');
  report('import', 'import', per1000(await meter.stop(), rowCount));
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

  const userIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const user = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers,
      payload: { username: `rep${i}`, password: `rep${i}-password` },
    });
    userIds.push(user.json<{ id: string }>().id);
  }
  await app.inject({
    method: 'PUT',
    url: '/api/routing/contacts',
    headers,
    payload: { enabled: true, mode: 'roundRobin', userIds },
  });
  const routedCsv = contactsCsv(rowCount, 'r');
  meter = await costMeter(dataDir);
  await importCsv(routedCsv, 'fileName=bench-routed.csv&route=true');
  report('importRouted', 'import with round-robin routing', per1000(await meter.stop(), rowCount));

  const result = { rows: rowCount, ...results, machine: machineWatched.describe() };
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/import.json'), `${JSON.stringify(result, null, 2)}\n`);
  await app.close();
} finally {
  await boss.stop({ graceful: false });
  await db.destroy();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
