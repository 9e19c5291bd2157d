import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { verifyWebhook } from '../connectors/webhook.ts';
import { startHookWorker } from '../server/hooks/hooks.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { engineTestApp, eventually } from './helpers/engine.ts';

const { app, db, admin, create } = await engineTestApp();
const boss = app.boss as NonNullable<typeof app.boss>;
await startHookWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
onTestEnd(() => boss.offWork('weft.hooks.deliver'));
// The receiver listens on loopback: the address guard lets it through only because the admin allows it.
const allowed = await admin.request('PATCH', '/api/settings', { httpAllowList: ['127.0.0.1'] });
assert.equal(allowed.statusCode, 200, allowed.body);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
const received: Received[] = [];
const flaky = { failuresLeft: 1 };
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const path = request.url ?? '/';
    received.push({ path, headers: request.headers, body: Buffer.concat(chunks) });
    let status = 200;
    if (path === '/fail') status = 500;
    if (path === '/gone') status = 410;
    if (path === '/flaky' && flaky.failuresLeft > 0) {
      flaky.failuresLeft--;
      status = 503;
    }
    response.writeHead(status).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
onTestEnd(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
const target = (path: string) => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${path}`;

async function subscribe(name: string, path: string, events: string[], extra: Record<string, unknown> = {}) {
  const response = await admin.request('POST', '/api/outbound-hooks', {
    name,
    url: target(path),
    events,
    ...extra,
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string; secret: string };
}

const deliveries = async (id: string) =>
  (await admin.request('GET', `/api/outbound-hooks/${id}/deliveries`)).json().items as {
    status: string;
    attempts: number;
    responseStatus: number | null;
    lastError: string | null;
    eventType: string;
  }[];
const subscription = async (id: string) => (await admin.request('GET', `/api/outbound-hooks/${id}`)).json();

test('a subscribed event is delivered once as JSON signed with the scheme the inbound verifier accepts', async () => {
  const sub = await subscribe('Zapier: new contacts', '/ok', ['record.created:contacts']);
  const contact = await create('contacts', {
    firstName: 'Hook',
    lastName: 'Target',
    email: 'hook@example.com',
  });
  await create('accounts', { name: 'Not subscribed Inc' });
  const [delivery] = await eventually(async () => {
    const list = await deliveries(sub.id);
    return list[0]?.status === 'delivered' ? list : undefined;
  }, 'the delivery');
  assert.equal(delivery?.eventType, 'record.created');
  const hits = received.filter((hit) => hit.path === '/ok');
  assert.equal(hits.length, 1, 'one delivery; the account is not subscribed');
  const hit = hits[0] as Received;
  const verified = verifyWebhook({
    secret: sub.secret,
    rawBody: hit.body,
    headers: hit.headers,
    nowMs: Date.now(),
  });
  assert.ok(verified.ok, JSON.stringify(verified));
  const body = JSON.parse(hit.body.toString('utf8'));
  assert.equal(body.event, 'record.created');
  assert.equal(body.module, 'contacts');
  assert.equal(body.recordId, contact.id);
  assert.equal(body.data.record.firstName, 'Hook');
  const forged = verifyWebhook({
    secret: 'another',
    rawBody: hit.body,
    headers: hit.headers,
    nowMs: Date.now(),
  });
  assert.equal(forged.ok, false);
});

test('a failure is retried with backoff until the receiver answers; the failure count resets', async () => {
  const sub = await subscribe('Flaky receiver', '/flaky', ['record.updated']);
  const contact = await create('contacts', { firstName: 'Re', lastName: 'Try' });
  const updated = await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { title: 'CTO' });
  assert.equal(updated.statusCode, 200, updated.body);
  const [delivery] = await eventually(
    async () => {
      const list = await deliveries(sub.id);
      return list[0]?.status === 'delivered' ? list : undefined;
    },
    'the retried delivery',
    30_000,
  );
  assert.equal(delivery?.attempts, 2);
  assert.equal((await subscription(sub.id)).consecutiveFailures, 0);
});

test('N failures in a row turn the subscription off, with the reason; turning it on again clears them', async () => {
  const sub = await subscribe('Broken receiver', '/fail', ['tag.added'], { maxFailures: 2 });
  const contact = await create('contacts', { firstName: 'Tag', lastName: 'Me', tags: ['a'] });
  assert.ok(contact.id);
  const off = await eventually(
    async () => {
      const current = await subscription(sub.id);
      return current.active === false ? current : undefined;
    },
    'the subscription to be turned off',
    30_000,
  );
  assert.match(off.disabledReason, /^2 failures in a row; the last: the receiver answered 500/);
  const [delivery] = await deliveries(sub.id);
  assert.equal(delivery?.status, 'failed');
  const on = await admin.request('PATCH', `/api/outbound-hooks/${sub.id}`, { active: true });
  assert.equal(on.json().consecutiveFailures, 0);
  assert.equal(on.json().disabledReason, null);
});

test('a 410 Gone unsubscribes at once; a private address is refused by the guard and not retried', async () => {
  const gone = await subscribe('Gone receiver', '/gone', ['record.deleted']);
  const contact = await create('contacts', { firstName: 'Del', lastName: 'Eted' });
  assert.equal((await admin.request('DELETE', `/api/records/contacts/${contact.id}`)).statusCode, 204);
  const off = await eventually(async () => {
    const current = await subscription(gone.id);
    return current.active === false ? current : undefined;
  }, 'the 410 to unsubscribe');
  assert.match(off.disabledReason, /410 Gone/);
  assert.equal((await deliveries(gone.id))[0]?.status, 'gone');

  const inside = await admin.request('POST', '/api/outbound-hooks', {
    name: 'Internal',
    url: 'http://10.1.2.3/hook',
    events: ['record.created:accounts'],
  });
  assert.equal(inside.statusCode, 201);
  await create('accounts', { name: 'Guarded Ltd' });
  const [refused] = await eventually(async () => {
    const list = await deliveries(inside.json().id);
    return list[0]?.status === 'failed' ? list : undefined;
  }, 'the guarded delivery');
  assert.equal(refused?.attempts, 1);
  assert.match(refused?.lastError ?? '', /10\.1\.2\.3|private|not allowed/i);
});

test('bad subscriptions are refused with their field; only admins subscribe', async () => {
  const bad = await admin.request('POST', '/api/outbound-hooks', {
    name: 'x',
    url: 'ftp://x',
    events: ['nope'],
  });
  assert.equal(bad.statusCode, 400);
  const fields = bad
    .json()
    .error.details.map((d: { field: string }) => d.field)
    .join(' ');
  assert.match(fields, /url/);
  assert.match(fields, /events/);
});
