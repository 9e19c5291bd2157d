/**
 * Bulk actions (`POST /api/records/contacts/bulk`) on an embedded PostgreSQL of its own:
 * `BENCH_ROWS` contacts (100,000, written with SQL), then `BENCH_BULK` of them (5,000)
 * tagged, assigned, updated, untagged and deleted, one request each, by ids or by a filter.
 * Each action prints records/s with the previous figure and the target, and the costs that
 * hold on a loaded machine: Weft's and PostgreSQL's CPU per 1,000 records and statements
 * per 1,000 records. Every record's changelog row and events are checked to be there.
 * Writes bench/results/bulk.json.
 */
import { sql } from 'kysely';
import { costMeter, per1000 } from './cost.ts';
import { machineWatch } from './machine.ts';
import { startWeftInProcess, writeResult } from './weft.ts';

const rowCount = Number(process.env.BENCH_ROWS ?? 100_000);
const bulkCount = Number(process.env.BENCH_BULK ?? 5_000);
/** Records/s before this round (bench:records' bulk tag, 525 on a quiet machine, 208 loaded). */
const previous = 525;
const target = 5_000;

const machineWatched = machineWatch();
const weft = await startWeftInProcess('bulk', { queue: false });
const { app, db, headers, dataDir, adminId } = weft;
try {
  console.log(`writing ${rowCount} contacts…`);
  await sql`
    insert into rec_contacts (first_name, last_name, email, city, lead_source, assigned_to, created_by, tags)
    select 'F' || n, 'L' || n, 'c' || n || '@bench.test', 'City' || (n % 10), 'None',
      ${adminId}::uuid, ${adminId}::uuid, '{}'
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
  await writeResult('bulk.json', result);
} finally {
  await weft.stop();
}
process.exit(0);
