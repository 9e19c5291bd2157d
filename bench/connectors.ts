/**
 * Connectors, on an embedded PostgreSQL of its own: web-form submissions over HTTP (JSON,
 * 32 at a time, each stored with its job before its 201: accepted/s), then the backlog
 * processed by the form worker into routed, tagged contacts with their events (processed/s),
 * then mail sent over SMTP to the capture listener (8 connections) and logged on those
 * contacts by the dropbox rules (captured/s). BENCH_FORMS and BENCH_MAILS change the counts
 * (the workload is 10,000 messages). Writes bench/results/connectors.json.
 */

import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import { buildApp } from '../server/app.ts';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';
import { createDb } from '../server/db/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { startFormWorker } from '../server/forms/form-process.ts';
import { ensureAdmin } from '../server/identity/bootstrap.ts';
import { startSmtpListener } from '../server/inbound-mail/smtp-listener.ts';
import { startQueue } from '../server/queue.ts';
import { machineWatch } from './machine.ts';

const root = path.resolve(import.meta.dirname, '..');
const formCount = Number(process.env.BENCH_FORMS ?? 5_000);
const mailCount = Number(process.env.BENCH_MAILS ?? 10_000);
const concurrency = 32;
const password = 'bench-admin-password';
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const machineWatched = machineWatch();
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-connectors-'));
await chmod(dataDir, 0o755);
const cluster = await startEmbeddedPostgres(dataDir);
const url = cluster.url();
const db = createDb(url);
const boss = await startQueue(url, (error) => console.error('queue error', error));
try {
  await migrateToLatest(db);
  await ensureAdmin(db, password);
  const app = await buildApp({ db, boss, databaseUrl: url });
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'admin', password },
  });
  const cookie = `weft_session=${login.cookies.find((c) => c.name === 'weft_session')?.value}`;
  const headers = { cookie, 'x-csrf-token': login.json<{ csrfToken: string }>().csrfToken };
  const routing = await app.inject({
    method: 'PUT',
    url: '/api/routing/contacts',
    headers,
    payload: { enabled: true, mode: 'roundRobin', onlineOnly: false },
  });
  if (routing.statusCode !== 200) throw new Error(`routing: ${routing.body}`);
  const created = await app.inject({
    method: 'POST',
    url: '/api/forms',
    headers,
    payload: {
      name: 'Bench leads',
      kind: 'lead',
      settings: {
        fields: [
          { name: 'firstName', required: true },
          { name: 'lastName', required: true },
          { name: 'email', required: true },
          { name: 'phone' },
        ],
        tags: ['bench'],
        leadSource: 'Web',
        minFillSeconds: 0,
        perIpPerMinute: 10_000,
        perFormPerMinute: 1_000_000,
      },
    },
  });
  if (created.statusCode !== 201) throw new Error(`form: ${created.body}`);
  const formId = created.json<{ id: string }>().id;
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  console.log(`submitting ${formCount} web-form posts…`);
  let next = 0;
  const acceptedStarted = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < formCount; i = next++) {
        const response = await fetch(`${address}/api/public/forms/${formId}/submit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            firstName: 'Lead',
            lastName: `Number${i}`,
            email: `lead${i}@bench.test`,
            phone: `+1 555 ${i}`,
          }),
        });
        if (response.status !== 201)
          throw new Error(`submission ${i}: ${response.status} ${await response.text()}`);
      }
    }),
  );
  const acceptedMs = performance.now() - acceptedStarted;
  const acceptedPerSecond = Math.round(formCount / (acceptedMs / 1000));
  console.log(`accepted: ${acceptedPerSecond} submissions/s (${round(acceptedMs / 1000, 2)} s)`);

  // The backlog, processed by the worker alone: matched, created, routed, tagged, event written.
  const processStarted = performance.now();
  await startFormWorker(boss, db, app.settings);
  for (;;) {
    const row = await db
      .selectFrom('webFormSubmissions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'received')
      .executeTakeFirstOrThrow();
    if (Number(row.n) === 0) break;
    await delay(100);
  }
  const processedMs = performance.now() - processStarted;
  const failed = await db
    .selectFrom('webFormSubmissions')
    .select('id')
    .where('status', '=', 'failed')
    .execute();
  if (failed.length > 0) throw new Error(`${failed.length} submissions failed`);
  const processedPerSecond = Math.round(formCount / (processedMs / 1000));
  console.log(
    `processed into routed contacts: ${processedPerSecond} submissions/s (${round(processedMs / 1000, 2)} s)`,
  );
  await boss.offWork('weft.forms.process');

  await app.inject({
    method: 'PUT',
    url: '/api/inbound-mail/settings',
    headers,
    payload: { captureAddresses: ['dropbox@bench.test'] },
  });
  const listener = await startSmtpListener(db, {
    port: 0,
    host: '127.0.0.1',
    acceptedDomains: ['bench.test'],
  });
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: listener.port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 8,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  console.log(`sending ${mailCount} messages over SMTP…`);
  next = 0;
  const mailStarted = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < mailCount; i = next++) {
        await transport.sendMail({
          from: `Lead Number${i % formCount} <lead${i % formCount}@bench.test>`,
          to: 'sales@bench.test',
          cc: 'dropbox@bench.test',
          subject: `Question ${i}`,
          text: `Hello,\nquestion number ${i}.\n\nThanks`,
          messageId: `<bench-${i}@bench.test>`,
        });
      }
    }),
  );
  const mailMs = performance.now() - mailStarted;
  transport.close();
  await listener.close();
  const logged = await db
    .selectFrom('recordEmails')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(logged.n) !== mailCount)
    throw new Error(`${logged.n} of ${mailCount} messages logged on contacts`);
  const mailPerSecond = Math.round(mailCount / (mailMs / 1000));
  console.log(
    `captured over SMTP and logged on contacts: ${mailPerSecond} messages/s (${round(mailMs / 1000, 2)} s)`,
  );

  const result = {
    formSubmissions: formCount,
    formsAcceptedPerSecond: acceptedPerSecond,
    formsProcessedPerSecond: processedPerSecond,
    smtpMessages: mailCount,
    smtpMessagesPerSecond: mailPerSecond,
    machine: machineWatched.describe(),
  };
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/connectors.json'), `${JSON.stringify(result, null, 2)}\n`);
  await app.close();
} finally {
  await boss.stop({ graceful: false });
  await db.destroy();
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
