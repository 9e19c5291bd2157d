/**
 * A campaign whose delivery process dies (SIGKILL) in the middle of a batch: another
 * worker takes the campaign over once the dead one's heartbeat stops, and nobody gets the
 * mail twice. The few mails the dead process had claimed and not settled are marked
 * failed ("interrupted"), never sent again: at most once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import { SMTPServer } from 'smtp-server';
import { startCampaignWorker } from '../server/marketing/delivery.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { eventually } from './helpers/engine.ts';

const { app, db, url } = await createTestApp();
const admin = await login(app);

// A slow sink (30 ms a message): the process dies with a batch under way.
const received: string[] = [];
const sink = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, session, callback) {
    stream.on('data', () => {});
    stream.on('end', () =>
      setTimeout(() => {
        received.push(...session.envelope.rcptTo.map((rcpt) => rcpt.address));
        callback();
      }, 30),
    );
  },
});
// The killed process's connections end abruptly: that is the point, not a failure.
sink.on('error', () => {});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
onTestEnd(() => new Promise<void>((resolve) => sink.close(() => resolve())));

await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: (sink.server.address() as AddressInfo).port,
  smtpSecurity: 'none',
  trackingBaseUrl: 'https://crm.example.com',
  bulkEmailLimit: 100,
  bulkEmailIntervalSeconds: 1,
});

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'helpers/campaign-worker.ts'), url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestEnd(async () => {
    child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the worker process exited (${code})`)));
  });
}

test('a worker killed mid-batch: the campaign finishes elsewhere and nobody is mailed twice', async () => {
  await sql`
    insert into rec_contacts (first_name, last_name, email, lead_source)
    select 'P' || n, 'Q' || n, 'crash' || n || '@example.com', 'Web' from generate_series(1, 300) as n`.execute(
    db,
  );
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'All',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  });
  const template = await admin.request('POST', '/api/marketing/templates', {
    name: 'Crash',
    subject: 'Hi {{record.firstName}}',
    text: 'Hello',
  });
  const campaign = await admin.request('POST', '/api/marketing/campaigns', {
    name: 'Crash',
    listId: list.json().id,
    templateId: template.json().id,
  });
  const id = campaign.json().id as string;

  const child = await startWorkerProcess();
  // The launch's job needs a queue to land in: the worker process made it.
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss',
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    max: 3,
  });
  boss.on('error', (error) => console.warn(`pg-boss: ${error.message}`));
  await boss.start();
  onTestEnd(() => boss.stop({ graceful: false }));
  const launched = await app.inject({
    method: 'POST',
    url: `/api/marketing/campaigns/${id}/launch`,
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken },
    payload: {},
  });
  // The app under test has no queue of its own: launch through the service with this one.
  if (launched.statusCode !== 200) {
    const { launchCampaign } = await import('../server/marketing/campaigns.ts');
    await launchCampaign(db, boss, await app.settings.get({ fresh: true }), id);
  }

  // Kill it in its second batch, with mails claimed and not yet settled.
  await eventually(async () => received.length >= 130, 'the second batch to be under way');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const sending = await db
    .selectFrom('marketingMessages')
    .select('id')
    .where('campaignId', '=', id)
    .where('state', '=', 'sending')
    .execute();
  assert.ok(sending.length > 0, 'the kill left a batch under way');

  // A worker elsewhere takes over once the dead one's heartbeat has stopped.
  await startCampaignWorker(boss, db, app.settings);
  const finished = await eventually(
    async () => {
      const row = await db
        .selectFrom('campaigns')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return row.status === 'done' ? row : undefined;
    },
    'the campaign to finish after the crash',
    60_000,
  );
  assert.equal(finished.status, 'done');
  const rows = await db
    .selectFrom('marketingMessages')
    .select(['address', 'state', 'lastError'])
    .where('campaignId', '=', id)
    .execute();
  assert.equal(rows.length, 300);
  const sent = rows.filter((row) => row.state === 'sent');
  const interrupted = rows.filter((row) => row.state === 'failed');
  assert.equal(
    sent.length + interrupted.length,
    300,
    JSON.stringify(rows.filter((r) => !['sent', 'failed'].includes(r.state))),
  );
  for (const row of interrupted) assert.match(String(row.lastError), /interrupted/);
  // A batch sends two chunks of 20 at a time: only those under way at the kill can be of unknown fate.
  assert.ok(interrupted.length <= 40, `${interrupted.length} interrupted: only the chunks under way may be`);
  assert.equal(new Set(received).size, received.length, 'nobody got the mail twice');
  assert.ok(received.length >= 260, 'everyone but the interrupted chunks got it');
  const got = new Set(received);
  for (const row of sent) assert.ok(got.has(row.address), `${row.address} is marked sent and got it`);
  console.log(
    `killed mid-batch: ${sent.length} sent, ${interrupted.length} interrupted (not resent), ${received.length} received`,
  );
});
