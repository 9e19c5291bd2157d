import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { csvOf, finished, importTestApp, upload } from './helpers/imports.ts';

// A routed import takes each batch's turns in a short transaction of its own (import-run.ts'
// takeTurns): the rotation's counter row is not held locked while the batch writes its rows,
// so the import's two batches in flight (and anyone else routing the module) do not wait
// for each other's commit. Turns are still taken once each.
const { db, admin, created } = await importTestApp();

test("a routed batch does not hold the rotation's counter while it writes its rows", async () => {
  const a = await created(admin, '/api/users', { username: 'turn-a', password: 'turn-a-password' });
  const b = await created(admin, '/api/users', { username: 'turn-b', password: 'turn-b-password' });
  const routing = await admin.request('PUT', '/api/routing/opportunities', {
    enabled: true,
    mode: 'roundRobin',
    userIds: [a.id, b.id],
  });
  assert.equal(routing.statusCode, 200, routing.body);

  // The opportunities table held in SHARE mode: the batch's insert waits, inside its transaction.
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = db.transaction().execute(async (trx) => {
    await sql`lock table rec_opportunities in share mode`.execute(trx);
    locked();
    await gate;
  });
  await holding;
  const rows = [['name'], ...Array.from({ length: 6 }, (_, i) => [`turn ${i}`])];
  const response = await upload(admin, { module: 'opportunities', route: true }, csvOf(rows));
  assert.equal(response.statusCode, 202, response.body);
  const { id } = response.json<{ id: string }>();
  try {
    // Wait (on the database's own view) until the batch's insert is blocked on the table lock.
    for (let waited = 0; ; waited += 25) {
      const { rows: blocked } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where wait_event_type = 'Lock' and query like '%insert into "rec_opportunities"%'`.execute(db);
      if ((blocked[0]?.n ?? 0) > 0) break;
      if (waited > 20_000) throw new Error('the batch never reached its insert');
      await delay(25);
    }
    // The batch has its turns and is mid-transaction: the counter row is free.
    const counter = await db.transaction().execute(async (trx) => {
      await sql`set local lock_timeout = '2s'`.execute(trx);
      return sql<{ turns: number }>`
        select turns from routing_counters where module = 'opportunities' for update`.execute(trx);
    });
    assert.equal(Number(counter.rows[0]?.turns), 6);
  } finally {
    release();
    await holder;
  }
  const state = await finished(admin, id);
  assert.equal(state.created, 6, JSON.stringify(state));
  const { rows: assigned } = await sql<{ assignedTo: string; n: number }>`
    select o.assigned_to, count(*)::int as n from import_records r
    join rec_opportunities o on o.id = r.record_id
    where r.import_id = ${id} group by o.assigned_to`.execute(db);
  assert.deepEqual(
    assigned.map((row) => [row.assignedTo, row.n]).sort(),
    [
      [a.id, 3],
      [b.id, 3],
    ].sort(),
  );
});
