import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../schemas/flow.ts';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { startEmailWorker } from '../server/email/email.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { signedInUser } from './helpers/people.ts';
import { startSmtpServer } from './helpers/smtp.ts';

const { app, db, url } = await createTestApp({ queue: true });
const admin = await login(app);
const boss = app.boss as NonNullable<typeof app.boss>;
assert.ok(app.runtime);
const workers = await startEngineWorkers({
  db,
  boss,
  runtime: app.runtime,
  settings: app.settings,
  connectionString: url,
  pollMs: 200,
  onError: (error) => console.error(error),
});
onTestEnd(() => workers.stop());
// One second between attempts, so the retry test does not wait half a minute.
await startEmailWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
onTestEnd(() => boss.offWork('weft.email.deliver'));
const smtp = await startSmtpServer();

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function publish(definition: Flow): Promise<string> {
  const created = await admin.request('POST', '/api/flows', { name: definition.name, definition });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const published = await admin.request('POST', `/api/flows/${id}/publish`);
  assert.equal(published.statusCode, 200, published.body);
  assert.equal((await admin.request('POST', `/api/flows/${id}/activate`)).statusCode, 200);
  return id;
}

const emailFlow = (name: string, module: string, params: Record<string, unknown>): Flow => ({
  name,
  trigger: { type: 'trigger.recordCreated', params: { module } },
  nodes: [{ id: 'mail', type: 'email.send', params, position: { x: 0, y: 100 } }],
  edges: [{ source: 'trigger', target: 'mail' }],
});

await publish(
  emailFlow('Welcome', 'contacts', {
    subject: 'Welcome {{record.firstName}}',
    body: 'Hello {{record.firstName}} {{record.lastName}}, thanks for signing up.',
  }),
);
await publish(emailFlow('Mail an account', 'accounts', { to: '{{record.name}}', subject: 'Hi', body: 'Hi' }));

/** Creates a record and waits for the run it starts; answers the run and its one step. */
async function runFor(module: string, values: Record<string, unknown>) {
  const created = await admin.request('POST', `/api/records/${module}`, values);
  assert.equal(created.statusCode, 201, created.body);
  const recordId = created.json().id as string;
  const run = await eventually(
    () =>
      db
        .selectFrom('flowRuns')
        .selectAll()
        .where('recordId', '=', recordId)
        .where('status', 'in', ['succeeded', 'failed'])
        .executeTakeFirst(),
    `the run for ${module} ${recordId}`,
  );
  const step = await db
    .selectFrom('flowSteps')
    .selectAll()
    .where('runId', '=', run.id)
    .executeTakeFirstOrThrow();
  return { run, step, recordId };
}

async function configureSmtp(patch: Record<string, unknown>) {
  const response = await admin.request('PATCH', '/api/settings', patch);
  assert.equal(response.statusCode, 200, response.body);
  return response;
}

test('without an SMTP host the message stays in the outbox as stored, readable through the API', async () => {
  const { run, step, recordId } = await runFor('contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
  });
  assert.equal(run.status, 'succeeded', JSON.stringify(step.error));
  const output = step.output as { messageId: string; status: string };
  assert.equal(output.status, 'stored');
  const list = await admin.request('GET', '/api/email/outbox?status=stored');
  assert.equal(list.statusCode, 200, list.body);
  const item = list.json().items.find((row: { recordId: string }) => row.recordId === recordId);
  assert.equal(item.messageId, output.messageId);
  assert.deepEqual(item.to, ['ada@example.com']);
  assert.equal(item.text, undefined, 'the list leaves bodies out');
  const detail = (await admin.request('GET', `/api/email/outbox/${item.id}`)).json();
  assert.equal(detail.subject, 'Welcome Ada');
  assert.equal(detail.text, 'Hello Ada Lovelace, thanks for signing up.');
  assert.equal((await admin.request('GET', '/api/email/outbox?status=sent')).json().items.length, 0);
  assert.equal(smtp.received.length, 0);
});

test('a contact who asked not to be emailed is skipped, and the step says why', async () => {
  const { run, step, recordId } = await runFor('contacts', {
    firstName: 'Quiet',
    lastName: 'Person',
    email: 'quiet@example.com',
    doNotEmail: true,
  });
  assert.equal(run.status, 'succeeded');
  const output = step.output as { skipped: string; reason: string };
  assert.equal(output.skipped, 'doNotEmail');
  assert.match(output.reason, /quiet@example\.com.*doNotEmail/);
  const rows = await db.selectFrom('emailOutbox').select('id').where('recordId', '=', recordId).execute();
  assert.equal(rows.length, 0);
});

test('an invalid address fails the step at once as a user error naming the field', async () => {
  const { run, step } = await runFor('accounts', { name: 'not an address' });
  assert.equal(run.status, 'failed');
  assert.equal(step.attempt, 1);
  assert.match((step.error as { message: string }).message, /^to .*not an email address/);
});

test('with an SMTP host a flow email arrives at the server with its rendered subject and body', async () => {
  await configureSmtp({
    smtpHost: '127.0.0.1',
    smtpPort: smtp.port,
    smtpSecurity: 'none',
    emailFromAddress: 'crm@weft.test',
    emailFromName: 'Weft CRM',
  });
  const { run, step, recordId } = await runFor('contacts', {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@example.com',
  });
  assert.equal(run.status, 'succeeded', JSON.stringify(step.error));
  const output = step.output as { messageId: string; status: string };
  assert.equal(output.status, 'queued');
  const mail = await eventually(
    async () => smtp.received.find((m) => m.to.includes('grace@example.com')),
    'the mail',
  );
  assert.equal(mail.from, 'crm@weft.test');
  assert.match(mail.raw, /^Subject: Welcome Grace$/m);
  assert.match(mail.raw, /Hello Grace Hopper, thanks for signing up\./);
  assert.match(mail.raw, /^From: Weft CRM <crm@weft\.test>$/m);
  assert.ok(mail.raw.includes(`Message-ID: ${output.messageId}`), 'the outbox id is the Message-ID');
  const row = await eventually(
    () =>
      db
        .selectFrom('emailOutbox')
        .selectAll()
        .where('recordId', '=', recordId)
        .where('status', '=', 'sent')
        .executeTakeFirst(),
    'the outbox row to say sent',
  );
  assert.equal(row.attempts, 1);
  assert.match(String(row.smtpResponse), /^250/);
});

test('a delivery the server refuses for now is retried and sent exactly once', async () => {
  smtp.state.rejectNext = 1;
  const attemptsBefore = smtp.state.attempts;
  const { recordId } = await runFor('contacts', {
    firstName: 'Retry',
    lastName: 'Me',
    email: 'retry@example.com',
  });
  const row = await eventually(
    () =>
      db
        .selectFrom('emailOutbox')
        .selectAll()
        .where('recordId', '=', recordId)
        .where('status', '=', 'sent')
        .executeTakeFirst(),
    'the retried delivery',
  );
  assert.equal(row.attempts, 2);
  assert.equal(smtp.state.attempts - attemptsBefore, 2, 'one refused attempt, one accepted');
  assert.equal(smtp.received.filter((m) => m.to.includes('retry@example.com')).length, 1);
  // The job delivered again (a redelivery) finds the row sent and sends nothing.
  await boss.send('weft.email.deliver', { id: row.id });
  const redelivered = await eventually(
    async () =>
      (await boss.findJobs('weft.email.deliver', { data: { id: row.id } })).filter(
        (job) => job.state === 'completed',
      ).length >= 2,
    'the redelivered job to complete',
  );
  assert.ok(redelivered);
  assert.equal(smtp.received.filter((m) => m.to.includes('retry@example.com')).length, 1);
});

test('the test-email endpoint answers what the SMTP server said, or names the problem', async () => {
  const sent = await admin.request('POST', '/api/email/test', { to: 'admin@example.com' });
  assert.equal(sent.statusCode, 200, sent.body);
  assert.equal(sent.json().sent, true);
  assert.match(sent.json().response, /^250/);
  assert.ok(smtp.received.some((m) => m.to.includes('admin@example.com')));

  const bad = await admin.request('POST', '/api/email/test', { to: 'nobody' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'to');

  const guarded = await startSmtpServer({ users: { mailer: 'right-password' } });
  await configureSmtp({ smtpPort: guarded.port, smtpUser: 'mailer', smtpPassword: 'wrong-password' });
  const refusedAuth = await admin.request('POST', '/api/email/test', { to: 'admin@example.com' });
  assert.equal(refusedAuth.statusCode, 422, refusedAuth.body);
  assert.match(refusedAuth.json().error.message, /Invalid login|535/);
  assert.equal(refusedAuth.json().error.details.code, 'EAUTH');
  assert.ok(!refusedAuth.body.includes('wrong-password'));

  await configureSmtp({ smtpPassword: 'right-password' });
  const authed = await admin.request('POST', '/api/email/test', { to: 'admin@example.com' });
  assert.equal(authed.statusCode, 200, authed.body);
  assert.equal(guarded.received.length, 1);

  // A port nobody listens on: the one the guarded server had, once closed, would race; use port 1.
  await configureSmtp({ smtpPort: 1, smtpUser: null });
  const refused = await admin.request('POST', '/api/email/test', { to: 'admin@example.com' });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.match(refused.json().error.message, /127\.0\.0\.1:1 .*ECONNREFUSED|connect/i);

  const member = await admin.request('GET', '/api/email/outbox');
  assert.equal(member.statusCode, 200);
});

test('the SMTP password is never answered back, nor written to the audit log', async () => {
  const secret = 'correct-horse-battery-staple';
  const patched = await configureSmtp({ smtpPassword: secret });
  const read = await admin.request('GET', '/api/settings');
  const audit = await admin.request('GET', '/api/audit');
  for (const response of [patched, read, audit]) {
    assert.equal(response.statusCode, 200, response.body);
    assert.ok(!response.body.includes(secret), response.body);
  }
  assert.equal(read.json().smtpPasswordSet, true);
  assert.equal('smtpPassword' in read.json(), false);
  const logged = await db
    .selectFrom('auditLog')
    .select('details')
    .where('action', '=', 'settings.update')
    .execute();
  assert.ok(logged.length > 0);
  assert.ok(!JSON.stringify(logged).includes(secret));
  assert.ok(
    logged.some((row) => (row.details as { smtpPasswordSet?: boolean } | null)?.smtpPasswordSet === true),
  );
  const cleared = await configureSmtp({ smtpPassword: null });
  assert.equal(cleared.json().smtpPasswordSet, false);
});

test('the outbox is for administrators, paged by cursor and filtered by status', async () => {
  const user = await signedInUser(app, db, admin, 'plain-user');
  for (const [method, path, body] of [
    ['GET', '/api/email/outbox', undefined],
    ['POST', '/api/email/test', { to: 'a@example.com' }],
  ] as const) {
    const response = await user.request(method, path, body);
    assert.equal(response.statusCode, 403, `${method} ${path}`);
  }
  const first = (await admin.request('GET', '/api/email/outbox?limit=1')).json();
  assert.equal(first.items.length, 1);
  assert.ok(first.nextCursor);
  const second = (await admin.request('GET', `/api/email/outbox?limit=1&cursor=${first.nextCursor}`)).json();
  assert.equal(second.items.length, 1);
  assert.notEqual(second.items[0].id, first.items[0].id);
  assert.ok(second.items[0].createdAt <= first.items[0].createdAt);
  const sent = (await admin.request('GET', '/api/email/outbox?status=sent')).json();
  assert.ok(sent.items.length >= 2);
  assert.ok(sent.items.every((item: { status: string }) => item.status === 'sent'));
  assert.equal((await admin.request('GET', '/api/email/outbox?status=lost')).statusCode, 400);
  assert.equal((await admin.request('GET', '/api/email/outbox?cursor=forged')).statusCode, 400);
});
