import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

// Issue 18: retries due together (steps that failed at the same moment, retried after the same
// backoff) resume in batches, on the batched step path, as waits do — not one job, one
// transaction each.
const { db, admin, create } = await engineTestApp();

// A transient fault injected into the database: while `fault` holds a row, every update of a
// contact fails as a serialization failure would (SQLSTATE 40001), which a step retries.
await sql`create table fault (on_ boolean)`.execute(db);
await sql`create function inject_fault() returns trigger language plpgsql as $$
  begin
    if exists (select 1 from fault) then
      raise exception 'injected fault' using errcode = '40001';
    end if;
    return new;
  end $$`.execute(db);
await sql`create trigger inject_fault before update on rec_contacts
  for each row execute function inject_fault()`.execute(db);

test('30 steps failing together are retried together: a handful of transactions, their next steps chained', async () => {
  const created = await admin.request('POST', '/api/flows', {
    name: 'Qualify',
    definition: straightFlow('Qualify', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['mark', 'record.update', { values: { leadStatus: 'Assigned' } }],
      ['post', 'feed.post', { text: 'Qualified {{record.firstName}}' }],
    ]),
  });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  const ids: string[] = [];
  for (let i = 0; i < 30; i++)
    ids.push(String((await create('contacts', { firstName: `R${i}`, lastName: 'Retry' })).id));

  await sql`insert into fault values (true)`.execute(db);
  // Retries are held far off while the first attempts fail, so that all come due at one moment.
  const holdRetries = () =>
    sql`update pgboss.job set start_after = now() + interval '1 hour'
      where name = 'weft.flow.step' and state in ('created', 'retry') and start_after < now() + interval '1 minute'
        and (retry_count > 0 or data ? 'previousAttempts')`.execute(db);
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: ids });
  assert.equal(started.statusCode, 202, started.body);
  await eventually(
    async () => {
      await holdRetries();
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from flow_steps s join flow_runs r on r.id = s.run_id
        where r.flow_id = ${flowId} and s.node_id = 'mark' and s.attempt = 1 and s.error is not null`.execute(
        db,
      );
      return rows[0]?.n === 30;
    },
    'every first attempt to fail',
    30_000,
  );
  await holdRetries();
  await sql`delete from fault`.execute(db);
  // The backoff is over for all at once.
  await sql`update pgboss.job set start_after = now()
    where name = 'weft.flow.step' and state in ('created', 'retry')`.execute(db);
  await eventually(
    async () => {
      const runs = await db.selectFrom('flowRuns').select('status').where('flowId', '=', flowId).execute();
      return runs.length === 30 && runs.every((run) => run.status === 'succeeded');
    },
    'every run to succeed on its retry',
    30_000,
  );
  // Rows written by one transaction share its id (xmin): one job per transaction would give 30.
  const { rows } = await sql<{ transactions: number; attempts: number[] }>`
    select count(distinct s.xmin::text)::int as transactions, array_agg(distinct s.attempt) as attempts
    from flow_steps s join flow_runs r on r.id = s.run_id
    where r.flow_id = ${flowId} and s.node_id = 'mark' and s.status = 'done'`.execute(db);
  assert.deepEqual(rows[0]?.attempts, [2], 'each step succeeded on its second attempt');
  assert.ok((rows[0]?.transactions ?? 30) <= 6, `the retries ran in ${rows[0]?.transactions} transactions`);
  // The post after each retried step was written in the same transaction (chained, no job of its own).
  const { rows: chained } = await sql<{ apart: number; posts: number }>`
    select count(*) filter (where p.xmin::text <> m.xmin::text)::int as apart, count(p.*)::int as posts
    from flow_steps m join flow_runs r on r.id = m.run_id
    join flow_steps p on p.run_id = m.run_id and p.node_id = 'post'
    where r.flow_id = ${flowId} and m.node_id = 'mark'`.execute(db);
  assert.equal(chained[0]?.posts, 30);
  assert.equal(chained[0]?.apart, 0);
  const updated = await sql<{ n: number }>`
    select count(*)::int as n from rec_contacts where last_name = 'Retry' and lead_status = 'Assigned'`.execute(
    db,
  );
  assert.equal(updated.rows[0]?.n, 30);
});
