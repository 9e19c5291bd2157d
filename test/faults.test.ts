import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { startEmailWorker } from '../server/email/email.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { eventually, straightFlow } from './helpers/engine.ts';

// Issue 18, fault injection on dependencies: the SMTP server down, then back.
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
// One second between attempts (doubling), as email.test.ts, so the outage lasts a few attempts, not minutes.
await startEmailWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
onTestEnd(() => boss.offWork('weft.email.deliver'));

/** A loopback port nothing listens on (asked of the kernel, then closed). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A real SMTP server on a given port, counting what it accepted per recipient. */
async function smtpOn(port: number) {
  const received: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((rcpt) => rcpt.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  onTestEnd(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return received;
}

test('SMTP down: emails are stored and retried with backoff; back up, each is sent exactly once', async () => {
  // Nothing listens on the port yet: every connection is refused.
  const port = await freePort();
  const settings = await admin.request('PATCH', '/api/settings', {
    smtpHost: '127.0.0.1',
    smtpPort: port,
    smtpSecurity: 'none',
  });
  assert.equal(settings.statusCode, 200, settings.body);
  const created = await admin.request('POST', '/api/flows', {
    name: 'Welcome',
    definition: straightFlow('Welcome', { type: 'trigger.recordCreated', params: { module: 'contacts' } }, [
      ['mail', 'email.send', { subject: 'Welcome {{record.firstName}}', body: 'Hello' }],
    ]),
  });
  const flowId = created.json().id;
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);
  const addresses = Array.from({ length: 5 }, (_, i) => `outage${i}@example.com`);
  for (const [i, email] of addresses.entries()) {
    const contact = await admin.request('POST', '/api/records/contacts', {
      firstName: `O${i}`,
      lastName: 'X',
      email,
    });
    assert.equal(contact.statusCode, 201, contact.body);
  }
  // Every message has been tried and refused at least once while the server is down.
  await eventually(async () => {
    const rows = await db.selectFrom('emailOutbox').select(['attempts', 'status']).execute();
    return rows.length === 5 && rows.every((row) => row.attempts >= 1 && row.status !== 'sent');
  }, 'every delivery to be refused once');
  const received = await smtpOn(port);
  await eventually(async () => {
    const rows = await db.selectFrom('emailOutbox').select('status').execute();
    return rows.every((row) => row.status === 'sent');
  }, 'every message to be sent once the server is back');
  assert.deepEqual([...received].sort(), [...addresses].sort(), 'each message exactly once');
  const runs = await db.selectFrom('flowRuns').select('status').where('flowId', '=', flowId).execute();
  assert.deepEqual(
    runs.map((run) => run.status),
    addresses.map(() => 'succeeded'),
  );
});

test('an HTTP target that hangs: each call times out, is retried per its policy, and frees its slot', async () => {
  // A server that accepts every request and never answers.
  const open = new Set<net.Socket>();
  let requests = 0;
  const hanging = net.createServer((socket) => {
    open.add(socket);
    socket.on('data', () => {
      requests++;
    });
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  onTestEnd(() => new Promise<void>((resolve) => hanging.close(() => resolve())));
  const { port } = hanging.address() as net.AddressInfo;
  assert.equal(
    (await admin.request('PATCH', '/api/settings', { httpAllowList: ['127.0.0.1'] })).statusCode,
    200,
  );
  const flow = async (name: string, steps: Parameters<typeof straightFlow>[2]) => {
    const created = await admin.request('POST', '/api/flows', {
      name,
      definition: straightFlow(name, { type: 'trigger.manual', params: { module: 'contacts' } }, steps),
    });
    const id = created.json().id as string;
    assert.equal((await admin.request('POST', `/api/flows/${id}/publish`)).statusCode, 200);
    return id;
  };
  const hangs = await flow('Call a hanging server', [
    ['call', 'http.request', { url: `http://127.0.0.1:${port}/slow`, timeoutSeconds: 0.3 }],
  ]);
  const quick = await flow('Quick', [['post', 'feed.post', { text: 'still moving' }]]);
  // More runs than a process runs steps inline at once (8): a leaked slot would stall the rest.
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const contact = await admin.request('POST', '/api/records/contacts', {
      firstName: `H${i}`,
      lastName: 'X',
    });
    ids.push(contact.json().id);
  }
  const started = await admin.request('POST', `/api/flows/${hangs}/run`, { recordIds: ids });
  assert.equal(started.statusCode, 202, started.body);
  const runs = await eventually(
    async () => {
      const rows = await db
        .selectFrom('flowRuns')
        .select('id')
        .where('flowId', '=', hangs)
        .where('status', '=', 'failed')
        .execute();
      return rows.length === 12 ? rows : undefined;
    },
    'every call to time out and fail after its retries',
    60_000,
  );
  const steps = await db
    .selectFrom('flowSteps')
    .select(['attempt', 'error'])
    .where(
      'runId',
      'in',
      runs.map((run) => run.id),
    )
    .execute();
  for (const step of steps) {
    assert.equal(step.attempt, 3, 'the node policy: three attempts');
    assert.match(JSON.stringify(step.error), /timed out after 300 ms/);
  }
  assert.equal(requests, 36, 'every attempt reached the server');
  await eventually(async () => open.size === 0, 'every timed-out connection to be closed');
  // The slots are free: another run goes through at once.
  const after = await admin.request('POST', `/api/flows/${quick}/run`, { recordIds: [ids[0]] });
  const [runId] = after.json().runIds;
  await eventually(async () => {
    const run = await db.selectFrom('flowRuns').select('status').where('id', '=', runId).executeTakeFirst();
    return run?.status === 'succeeded';
  }, 'a later run to succeed');
});
