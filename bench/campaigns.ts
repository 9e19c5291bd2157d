/**
 * Campaigns at scale, on an embedded PostgreSQL of its own:
 * - queue: a campaign to a dynamic list of BENCH_RECIPIENTS contacts (default 100,000)
 *   launched through the API (recipients written in one statement);
 * - render: the template rendered and tracked (links, pixel, unsubscribe) for those
 *   recipients, in process, as delivery does per mail;
 * - deliver: a campaign of BENCH_DELIVER recipients (default 5,000) sent to a local SMTP
 *   sink (smtp-server, in this process) with the bulk limit off, launch to done;
 * - tracking: BENCH_TRACKING_SECONDS (default 5) of open-pixel and click requests over
 *   HTTP, 32 at a time, against distinct mails: requests/s, p50/p95/p99.
 * Writes bench/results/campaigns.json.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
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

let received = 0;
const sink = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const smtpPort = (sink.server.address() as AddressInfo).port;

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
  let started = performance.now();
  const launched = await call('POST', `/api/marketing/campaigns/${big.id}/launch`, {});
  const queueMs = performance.now() - started;
  await call('POST', `/api/marketing/campaigns/${big.id}/pause`);
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
  console.log(
    `render: ${rows.rows.length} in ${round(renderMs)} ms (${Math.round(bytes / rows.rows.length)} chars each)`,
  );

  // Deliver: launch to done with no bulk limit.
  const small = await campaignOn('Deliver', 'Deliver');
  const before = received;
  started = performance.now();
  const sent = await call('POST', `/api/marketing/campaigns/${small.id}/launch`, {});
  for (;;) {
    const state = await call('GET', `/api/marketing/campaigns/${small.id}`);
    if (state.status === 'done') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const deliverMs = performance.now() - started;
  const delivered = received - before;
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
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + trackingSeconds * 1000;
  const trackingStarted = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < deadline) {
        const target = paths[next++ % paths.length] as string;
        const t0 = performance.now();
        // Node's fetch keeps connections alive; redirects are not followed (a click answers 302).
        const response = await fetch(`${base}${target}`, { redirect: 'manual' });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status !== 200 && response.status !== 302) errors++;
      }
    }),
  );
  const trackingMs = performance.now() - trackingStarted;
  latencies.sort((a, b) => a - b);

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
    },
    render: {
      mails: rows.rows.length,
      ms: round(renderMs),
      perSecond: Math.round((rows.rows.length / renderMs) * 1000),
    },
    deliver: {
      mails: delivered,
      queued: sent.summary.queued,
      ms: round(deliverMs),
      perSecond: Math.round((delivered / deliverMs) * 1000),
    },
    tracking: {
      requests: latencies.length,
      errors,
      perSecond: Math.round((latencies.length / trackingMs) * 1000),
      p50Ms: round(percentile(latencies, 50), 2),
      p95Ms: round(percentile(latencies, 95), 2),
      p99Ms: round(percentile(latencies, 99), 2),
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
  await new Promise<void>((resolve) => sink.close(() => resolve()));
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
