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
 * rates do not: CPU time of this process (Weft; in the tracking phase also the HTTP client
 * driving it) and of the PostgreSQL cluster, and statements committed (PostgreSQL's own
 * transaction count: every statement outside a transaction is one).
 * Writes bench/results/campaigns.json.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../server/app.ts';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';
import { createDb } from '../server/db/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { ensureAdmin } from '../server/identity/bootstrap.ts';
import { trackMail } from '../server/marketing/compose.ts';
import { startCampaignWorker } from '../server/marketing/delivery.ts';
import { signingKey, signToken } from '../server/marketing/keys.ts';
import { renderTemplate } from '../server/marketing/templates.ts';
import { startQueue } from '../server/queue.ts';

const root = path.resolve(import.meta.dirname, '..');
const recipients = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const deliverCount = Number(process.env.BENCH_DELIVER ?? 5_000);
const trackingSeconds = Number(process.env.BENCH_TRACKING_SECONDS ?? 5);
const password = 'bench-admin-password';
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

/** CPU seconds used by the PostgreSQL cluster: the postmaster and its children, from /proc. */
async function clusterCpuSeconds(dataDir: string): Promise<number> {
  const postmaster = Number(
    (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [ppid, utime, stime] = [Number(fields[1]), Number(fields[11]), Number(fields[12])];
      if (Number(entry) === postmaster || ppid === postmaster) total += (utime + stime) / tick;
    } catch {}
  }
  return total;
}

/** Committed transactions of the database so far (its statistics are flushed within a second). */
async function committed(db: ReturnType<typeof createDb>): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const { rows } = await sql<{ n: number }>`
    select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Starts measuring a phase's cost; `per(units)` answers CPU µs per unit (Weft, PostgreSQL) and statements per unit. */
async function costMeter(db: ReturnType<typeof createDb>, dataDir: string) {
  const xacts = await committed(db);
  const node = process.cpuUsage();
  const pg = await clusterCpuSeconds(dataDir);
  return {
    async per(units: number) {
      const used = process.cpuUsage(node);
      const pgUsed = (await clusterCpuSeconds(dataDir)) - pg;
      // The meter's own statement (pg_stat_database) is not the phase's.
      const statements = (await committed(db)) - xacts - 1;
      return {
        nodeCpuMicrosPerUnit: round((used.user + used.system) / units, 1),
        postgresCpuMicrosPerUnit: round((pgUsed * 1e6) / units, 1),
        statementsPerUnit: round(statements / units, 2),
      };
    },
  };
}

const loadBefore = loadavg().map((n) => round(n, 2));
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-campaigns-'));
// The cluster runs as another user when Weft runs as root: it must be able to enter the folder.
await chmod(dataDir, 0o755);
const cluster = await startEmbeddedPostgres(dataDir);
const url = cluster.url();
const db = createDb(url);
const boss = await startQueue(url, (error) => console.error('queue error', error));
try {
  await migrateToLatest(db);
  await ensureAdmin(db, password);
  const app = await buildApp({ db, boss, databaseUrl: url });
  await startCampaignWorker(boss, db, app.settings);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'admin', password },
  });
  const cookie = `weft_session=${login.cookies.find((c) => c.name === 'weft_session')?.value}`;
  const headers = { cookie, 'x-csrf-token': login.json<{ csrfToken: string }>().csrfToken };
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
  let meter = await costMeter(db, dataDir);
  let started = performance.now();
  const launched = await call('POST', `/api/marketing/campaigns/${big.id}/launch`, {});
  const queueMs = performance.now() - started;
  await call('POST', `/api/marketing/campaigns/${big.id}/pause`);
  const queueCost = await meter.per(launched.summary.queued);
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
  const renderCpu = process.cpuUsage();
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
  const renderUsed = process.cpuUsage(renderCpu);
  console.log(
    `render: ${rows.rows.length} in ${round(renderMs)} ms (${Math.round(bytes / rows.rows.length)} chars each)`,
  );

  // Deliver: launch to done with no bulk limit.
  const small = await campaignOn('Deliver', 'Deliver');
  const before = received;
  meter = await costMeter(db, dataDir);
  started = performance.now();
  const sent = await call('POST', `/api/marketing/campaigns/${small.id}/launch`, {});
  for (;;) {
    const state = await call('GET', `/api/marketing/campaigns/${small.id}`);
    if (state.status === 'done') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const deliverMs = performance.now() - started;
  const delivered = received - before;
  const deliverCost = await meter.per(delivered);
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
  meter = await costMeter(db, dataDir);
  const client = spawn(process.execPath, [path.join(root, 'bench/tracking-client.ts'), jobFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  client.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise((resolve) => client.on('exit', resolve));
  const load = JSON.parse(output) as {
    latencies: number[];
    errors: number;
    ms: number;
    firstError: string | null;
  };
  if (load.firstError) console.error(`tracking: ${load.firstError}`);
  const { errors, latencies } = load;
  const trackingMs = load.ms;
  latencies.sort((a, b) => a - b);
  const trackingCost = await meter.per(latencies.length);

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
      cost: { nodeCpuMicrosPerUnit: round((renderUsed.user + renderUsed.system) / rows.rows.length, 1) },
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
    },
  };
  console.log(JSON.stringify(results, null, 2));
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/campaigns.json'), `${JSON.stringify(results, null, 2)}\n`);
  await boss.offWork('weft.marketing.campaign');
  await app.close();
} finally {
  await boss.stop({ graceful: false }).catch(() => {});
  await db.destroy();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
  sink.kill('SIGTERM');
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
