import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Flow } from '../schemas/flow.ts';
import { startEngineWorkers } from '../server/automation/engine.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';

const { app, db, url } = await createTestApp({ queue: true });
const admin = await login(app);
assert.ok(app.runtime);
const workers = await startEngineWorkers({
  db,
  boss: app.boss as NonNullable<typeof app.boss>,
  runtime: app.runtime,
  settings: app.settings,
  connectionString: url,
  pollMs: 200,
  onError: (error) => console.error(error),
});
onTestEnd(() => workers.stop());

/** A remote API on 127.0.0.1 that counts its hits per path. */
const hits = new Map<string, number>();
const server = http.createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const count = (hits.get(path) ?? 0) + 1;
  hits.set(path, count);
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (path === '/echo') {
      return json(201, {
        id: 'abc-123',
        method: request.method,
        token: request.headers['x-token'],
        received: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
    }
    if (path === '/flaky') return count <= 2 ? json(500, { error: 'down' }) : json(200, { ok: true });
    if (path === '/limited')
      return count === 1 ? json(429, {}, { 'retry-after': '1' }) : json(200, { ok: 2 });
    if (path === '/missing') return json(404, { error: 'no such thing' });
    if (path === '/to-metadata') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      return response.end();
    }
    if (path === '/hop') {
      response.writeHead(303, { location: '/echo-get' });
      return response.end();
    }
    if (path === '/echo-get') return json(200, { method: request.method });
    if (path === '/text') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      return response.end('plain words');
    }
    if (path === '/slow') return; // never answers
    json(404, {});
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
onTestEnd(
  () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
);

const contact = await admin.request('POST', '/api/records/contacts', {
  firstName: 'Ada',
  lastName: 'Lovelace',
});
const contactId = contact.json().id as string;

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Publishes a manual flow of these nodes (chained in order), runs it on the contact, waits for it to end. */
async function runFlow(name: string, nodes: { id: string; type: string; params: unknown }[]) {
  const definition: Flow = {
    name,
    trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
    nodes: nodes.map((node, i) => ({ ...node, position: { x: 0, y: 100 * (i + 1) } })) as Flow['nodes'],
    edges: nodes.map((node, i) => ({
      source: i === 0 ? 'trigger' : (nodes[i - 1]?.id ?? ''),
      target: node.id,
    })),
  };
  const created = await admin.request('POST', '/api/flows', { name, definition });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  const published = await admin.request('POST', `/api/flows/${flowId}/publish`);
  assert.equal(published.statusCode, 200, published.body);
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [contactId] });
  assert.equal(started.statusCode, 202, started.body);
  const run = await eventually(
    () =>
      db
        .selectFrom('flowRuns')
        .selectAll()
        .where('flowId', '=', flowId)
        .where('status', 'in', ['succeeded', 'failed'])
        .executeTakeFirst(),
    `a run of ${name}`,
  );
  const steps = await db
    .selectFrom('flowSteps')
    .selectAll()
    .where('runId', '=', run.id)
    .orderBy('id')
    .execute();
  return { run, steps, step: (id: string) => steps.find((step) => step.nodeId === id) };
}

const call = (params: Record<string, unknown>) => ({ id: 'call', type: 'http.request', params });
const messageOf = (error: unknown) => (error as { message: string }).message;
const bodyOf = (step: { output: unknown } | undefined) =>
  (step?.output as { body?: unknown } | undefined)?.body;

test('a loopback target is refused by default: a user error that says why, and nothing reaches the server', async () => {
  const { run, step } = await runFlow('Refused', [call({ url: `${base}/echo`, method: 'POST', body: {} })]);
  assert.equal(run.status, 'failed');
  assert.equal(step('call')?.attempt, 1);
  assert.match(messageOf(step('call')?.error), /127\.0\.0\.1.*loopback address.*httpAllowList/);
  assert.equal(hits.get('/echo'), undefined);
  const named = await runFlow('Refused by name', [
    call({ url: `${base.replace('127.0.0.1', 'localhost')}/echo` }),
  ]);
  assert.match(messageOf(named.step('call')?.error), /localhost resolves to .*loopback/);
  const scheme = await runFlow('Not http', [call({ url: 'file:///etc/passwd' })]);
  assert.match(messageOf(scheme.step('call')?.error), /^url uses file; only http and https/);
});

test('once allow-listed, a JSON response feeds a later step, and the body is rendered deep', async () => {
  const patched = await admin.request('PATCH', '/api/settings', { httpAllowList: ['127.0.0.1'] });
  assert.equal(patched.statusCode, 200, patched.body);
  const { run, step } = await runFlow('Call and use', [
    call({
      url: `${base}/echo`,
      method: 'POST',
      headers: { 'X-Token': 'tok-{{record.lastName}}' },
      body: { contact: '{{record.firstName}}', tags: ['a', '{{record.lastName}}'] },
    }),
    {
      id: 'post',
      type: 'feed.post',
      params: {
        text: 'Created {{steps.call.output.body.id}} for {{steps.call.output.body.received.contact}}',
      },
    },
  ]);
  assert.equal(run.status, 'succeeded', JSON.stringify(step('call')?.error));
  const output = step('call')?.output as { status: number; headers: Record<string, string>; body: unknown };
  assert.equal(output.status, 201);
  assert.match(output.headers['content-type'] ?? '', /application\/json/);
  assert.deepEqual(output.body, {
    id: 'abc-123',
    method: 'POST',
    token: 'tok-Lovelace',
    received: { contact: 'Ada', tags: ['a', 'Lovelace'] },
  });
  const posts = await db.selectFrom('feedPosts').select('text').where('text', 'like', 'Created%').execute();
  assert.deepEqual(posts, [{ text: 'Created abc-123 for Ada' }]);

  // By host name: through our own lookup, which checked what it returned.
  await admin.request('PATCH', '/api/settings', { httpAllowList: ['127.0.0.1', 'localhost'] });
  const text = await runFlow('Text', [call({ url: `${base.replace('127.0.0.1', 'localhost')}/text` })]);
  assert.equal(text.run.status, 'succeeded', JSON.stringify(text.step('call')?.error));
  assert.equal(bodyOf(text.step('call')), 'plain words');
  const hop = await runFlow('See other', [call({ url: `${base}/hop`, method: 'POST', body: { a: 1 } })]);
  assert.deepEqual(bodyOf(hop.step('call')), { method: 'GET' });
});

test('a 500 is retried per the node policy until it succeeds', async () => {
  const { run, step } = await runFlow('Flaky', [call({ url: `${base}/flaky` })]);
  assert.equal(run.status, 'succeeded', JSON.stringify(step('call')?.error));
  assert.equal(hits.get('/flaky'), 3);
  assert.equal(step('call')?.attempt, 3);
  assert.deepEqual(bodyOf(step('call')), { ok: true });
});

test('a 429 comes back after its Retry-After; a 404 fails at once as a user error', async () => {
  const limited = await runFlow('Limited', [call({ url: `${base}/limited` })]);
  assert.equal(limited.run.status, 'succeeded', JSON.stringify(limited.step('call')?.error));
  assert.equal(hits.get('/limited'), 2);
  const missing = await runFlow('Missing', [call({ url: `${base}/missing` })]);
  assert.equal(missing.run.status, 'failed');
  assert.equal(missing.step('call')?.attempt, 1);
  assert.equal(hits.get('/missing'), 1);
  assert.match(messageOf(missing.step('call')?.error), /GET .*\/missing answered 404: .*no such thing/);
  const header = await runFlow('Bad header', [call({ url: `${base}/missing`, headers: { 'X-A': 'a\nb' } })]);
  assert.equal(header.step('call')?.attempt, 1);
  assert.match(messageOf(header.step('call')?.error), /^headers .*Invalid character/);
  assert.equal(hits.get('/missing'), 1);
});

test('a request that outlives its timeout fails (after its retries) saying so', async () => {
  const { run, step } = await runFlow('Slow', [call({ url: `${base}/slow`, timeoutSeconds: 0.3 })]);
  assert.equal(run.status, 'failed');
  assert.match(messageOf(step('call')?.error), /timed out after 300 ms/);
  assert.equal(hits.get('/slow'), 3, 'every attempt reached the server');
});

test('a redirect to a private address is refused, even from an allowed host', async () => {
  const { run, step } = await runFlow('Redirected', [call({ url: `${base}/to-metadata` })]);
  assert.equal(run.status, 'failed');
  assert.equal(step('call')?.attempt, 1);
  assert.match(messageOf(step('call')?.error), /169\.254\.169\.254.*link-local/);
  assert.equal(hits.get('/to-metadata'), 1);
});
