/**
 * Waits due together (issue 18): a drip's contacts all waiting until the same moment. Weft
 * runs as its own process on an embedded PostgreSQL of its own (as deployed, so this
 * measures server/automation/engine.ts's wait worker as it is). A flow — record created →
 * wait a day → feed post — is installed through the API, BENCH_WAITS contacts (10,000) are
 * written through the records service, and once every run waits, every wait job is made due
 * at once (its `start_after` set to now, as if the day had passed). Measured: the time from
 * that moment until every run has finished, and waits resumed per second.
 * Writes bench/results/waits.json.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import type { Flow } from '../schemas/flow.ts';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';
import { createDb, type Db } from '../server/db/index.ts';
import { startWeftProcess, stopWeftProcess } from '../test/helpers/weft-process.ts';
import { contactWriter } from './contacts.ts';
import { installFlow, password, writeResult } from './weft.ts';

const count = Number(process.env.BENCH_WAITS ?? 10_000);
/** How long the runs may take to reach their wait, and then to finish once due. */
const setupMs = Number(process.env.BENCH_SETUP_MS ?? 300_000);
const drainMs = Number(process.env.BENCH_DRAIN_MS ?? 120_000);
const round = (n: number) => Math.round(n * 10) / 10;

const position = { x: 0, y: 0 };
const flow: Flow = {
  name: 'Bench: drip',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  nodes: [
    { id: 'pause', type: 'control.wait', params: { duration: { amount: 1, unit: 'days' } }, position },
    { id: 'announce', type: 'feed.post', params: { text: 'Day two for {{record.firstName}}' }, position },
  ],
  edges: [
    { source: 'trigger', target: 'pause' },
    { source: 'pause', target: 'announce' },
  ],
};

async function countOf(db: Db, query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  return Number((await query.execute(db)).rows[0]?.n ?? 0);
}

const waiting = sql<{
  n: string;
}>`select count(*) as n from flow_steps where node_type = 'control.wait' and status = 'waiting'`;
const finished = sql<{
  n: string;
}>`select count(*) as n from flow_runs where status in ('succeeded', 'failed', 'cancelled')`;

async function until(db: Db, query: typeof waiting, target: number, deadline: number): Promise<number> {
  for (;;) {
    const n = await countOf(db, query);
    if (n >= target || Date.now() > deadline) return n;
    await delay(100);
  }
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-waits-'));
await chmod(dataDir, 0o755);
const cluster = await startEmbeddedPostgres(dataDir);
const clusterAdmin = new pg.Client({ connectionString: cluster.url('postgres') });
await clusterAdmin.connect();
await clusterAdmin.query('create database bench_waits');
const url = cluster.url('bench_waits');
// BENCH_PROFILE=<folder>: Weft runs with --cpu-prof and is stopped with SIGTERM, so its profile is written there.
const profile = process.env.BENCH_PROFILE;
const weft = await startWeftProcess(
  { DATABASE_URL: url, WEFT_ADMIN_PASSWORD: password },
  profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : [],
);
weft.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[weft] ${chunk}`));
const db = createDb(url, 10);
try {
  await installFlow(weft.url, flow);
  const write = await contactWriter(db);
  const setupStarted = Date.now();
  // Eight writers at a time, each contact in its own transaction, as users and imports write them.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < count; i = next++) {
        await write({ firstName: `Drip${i}`, lastName: `Lead${i}` });
      }
    }),
  );
  const reached = await until(db, waiting, count, setupStarted + setupMs);
  if (reached < count) throw new Error(`only ${reached} of ${count} runs reached their wait`);
  const setupSeconds = (Date.now() - setupStarted) / 1000;
  console.log(`${count} runs waiting after ${round(setupSeconds)} s; making every wait due now`);
  const due = Date.now();
  console.log(`due at ${due}`);
  await sql`update pgboss.job set start_after = now() where name = 'weft.flow.wait' and state = 'created'`.execute(
    db,
  );
  const done = await until(db, finished, count, due + drainMs);
  const seconds = (Date.now() - due) / 1000;
  const succeeded = await countOf(
    db,
    sql<{ n: string }>`select count(*) as n from flow_runs where status = 'succeeded'`,
  );
  const posts = await countOf(
    db,
    sql<{ n: string }>`select count(*) as n from feed_posts where text like 'Day two for %'`,
  );
  // Where the time went: when the waits resumed and when the posts after them ran, from the due moment.
  const { rows: spans } = await sql<{ nodeType: string; first: number; last: number }>`
    select node_type, extract(epoch from min(finished_at)) * 1000 - ${due} as first,
      extract(epoch from max(finished_at)) * 1000 - ${due} as last
    from flow_steps group by node_type`.execute(db);
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map(round) },
    waits: count,
    finishedWithinDeadline: done,
    succeeded,
    feedPosts: posts,
    secondsFromDueToLastRunFinished: round(seconds),
    waitsResumedPerSecond: round(done / seconds),
    stepsFinishedMsAfterDue: Object.fromEntries(
      spans.map((span) => [
        span.nodeType,
        { first: round(Number(span.first)), last: round(Number(span.last)) },
      ]),
    ),
    target: 'every one of 10,000 waits due together finished in under 30 s',
    at: new Date().toISOString(),
  };
  console.log(JSON.stringify(result, null, 2));
  if (!process.env.BENCH_NO_WRITE) await writeResult('waits.json', result);
} finally {
  await stopWeftProcess(weft, profile ? 'SIGTERM' : 'SIGKILL');
  await db.destroy();
  await clusterAdmin.end();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
