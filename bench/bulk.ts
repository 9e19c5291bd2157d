/**
 * Bulk actions (`POST /api/records/contacts/bulk`) on an embedded PostgreSQL of its own:
 * `BENCH_ROWS` contacts (100,000, written with SQL), then `BENCH_BULK` of them (5,000)
 * tagged, assigned, updated, untagged and deleted, one request each, by ids or by a filter.
 * Each action prints records/s with the previous figure and the target, and the costs that
 * hold on a loaded machine: Weft's and PostgreSQL's CPU per 1,000 records and statements
 * per 1,000 records. Every record's changelog row and events are checked to be there.
 * Writes bench/results/bulk.json.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../server/app.ts';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';
import { createDb } from '../server/db/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { ensureAdmin } from '../server/identity/bootstrap.ts';
import { costMeter, per1000 } from './data-cost.ts';
import { machineWatch } from './machine.ts';

const root = path.resolve(import.meta.dirname, '..');
const rowCount = Number(process.env.BENCH_ROWS ?? 100_000);
const bulkCount = Number(process.env.BENCH_BULK ?? 5_000);
const password = 'bench-admin-password';
/** Records/s before this round (bench:records' bulk tag, 525 on a quiet machine, 208 loaded). */
const previous = 525;
const target = 5_000;

const machineWatched = machineWatch();
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-bulk-'));
await chmod(dataDir, 0o755);
const cluster = await startEmbeddedPostgres(dataDir);
const url = cluster.url();
const db = createDb(url);
try {
  await migrateToLatest(db);
  await ensureAdmin(db, password);
  const app = await buildApp({ db, databaseUrl: url });
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'admin', password },
  });
  const cookie = `weft_session=${login.cookies.find((c) => c.name === 'weft_session')?.value}`;
  const headers = { cookie, 'x-csrf-token': login.json<{ csrfToken: string }>().csrfToken };
  const me = await db
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow();
  console.log(`writing ${rowCount} contacts…`);
  await sql`
    insert into rec_contacts (first_name, last_name, email, city, lead_source, assigned_to, created_by, tags)
    select 'F' || n, 'L' || n, 'c' || n || '@bench.test', 'City' || (n % 10), 'None',
      ${me.id}::uuid, ${me.id}::uuid, '{}'
    from generate_series(1, ${rowCount}) as n`.execute(db);
  await sql`analyze rec_contacts`.execute(db);
  const { rows: picked } = await sql<{ id: string }>`
    select id from rec_contacts order by id limit ${bulkCount}`.execute(db);
  const ids = picked.map((row) => row.id);
  const rep = await app.inject({
    method: 'POST',
    url: '/api/users',
    headers,
    payload: { username: 'rep', password: 'rep-password-1' },
  });
  const repId = rep.json<{ id: string }>().id;
  // The picked records, by a filter too: they are the ones tagged "bench" by the first action.
  const tagged = { in: ['bench', { var: 'tags' }] };

  const actions: [string, Record<string, unknown>, string][] = [
    ['addTags', { action: 'addTags', target: { ids }, tags: ['bench'] }, 'tag.added'],
    ['assign', { action: 'assign', target: { where: tagged }, assignedTo: repId }, 'record.updated'],
    [
      'update',
      { action: 'update', target: { ids }, values: { leadSource: 'Web', city: 'Paris' } },
      'record.updated',
    ],
    ['removeTags', { action: 'removeTags', target: { ids }, tags: ['bench'] }, 'tag.removed'],
    ['delete', { action: 'delete', target: { ids } }, 'record.deleted'],
  ];
  const results: Record<string, ReturnType<typeof per1000>> = {};
  for (const [name, body, event] of actions) {
    const { rows: mark } = await sql<{ events: number; changelog: number }>`
      select (select coalesce(max(id), 0) from events) as events,
             (select coalesce(max(id), 0) from changelog) as changelog`.execute(db);
    const meter = await costMeter(dataDir);
    const response = await app.inject({
      method: 'POST',
      url: '/api/records/contacts/bulk',
      headers,
      payload: body,
    });
    const cost = await meter.stop();
    if (response.statusCode !== 200 || response.json().succeeded !== bulkCount)
      throw new Error(`${name}: ${response.statusCode} ${response.body.slice(0, 500)}`);
    const { rows: written } = await sql<{ events: number; changelog: number }>`
      select (select count(distinct record_id)::int from events where id > ${mark[0]?.events} and type = ${event}) as events,
             (select count(distinct record_id)::int from changelog where id > ${mark[0]?.changelog}) as changelog`.execute(
      db,
    );
    if (written[0]?.events !== bulkCount || written[0]?.changelog !== bulkCount)
      throw new Error(`${name}: ${JSON.stringify(written[0])} records with an event / a changelog row`);
    const figures = per1000(cost, bulkCount);
    results[name] = figures;
    console.log(
      `bulk ${name.padEnd(10)} ${bulkCount} records: ${figures.perSecond} records/s (previous ${previous} for a tag, target ${target}); ` +
        `Weft ${figures.weftCpuMsPer1000} ms + PostgreSQL ${figures.postgresCpuMsPer1000} ms CPU per 1,000 records, ${figures.statementsPer1000} statements per 1,000`,
    );
  }
  const result = {
    rows: rowCount,
    records: bulkCount,
    previousRecordsPerSecond: previous,
    targetRecordsPerSecond: target,
    actions: results,
    machine: machineWatched.describe(),
  };
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/bulk.json'), `${JSON.stringify(result, null, 2)}\n`);
  await app.close();
} finally {
  await db.destroy();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
