import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { signWebhook } from '../connectors/webhook.ts';
import { engineTestApp, straightFlow } from './helpers/engine.ts';

// Issue 18: hostile input is a 4xx in the one error shape, never a 5xx.
const { app, admin, publish, finished } = await engineTestApp();

function assertRefused(
  response: { statusCode: number; body: string },
  status: number | RegExp,
  label: string,
) {
  if (typeof status === 'number') assert.equal(response.statusCode, status, `${label}: ${response.body}`);
  else assert.match(String(response.statusCode), status, `${label}: ${response.body}`);
  const body = JSON.parse(response.body);
  assert.deepEqual(Object.keys(body), ['error'], label);
  assert.match(body.error.code, /^WEFT_ERR_[A-Z_]+$/, label);
  assert.equal(typeof body.error.message, 'string', label);
}

const json = (method: string, url: string, body: string): Promise<LightMyRequestResponse> =>
  admin.request(method, url, body, { 'content-type': 'application/json' });

const forgedCursors: [string, string][] = [
  ['not-base64-json', '!!!'],
  ['a bad date', Buffer.from(JSON.stringify(['not a date', 'x'])).toString('base64url')],
  [
    'a NUL',
    Buffer.from(JSON.stringify(['a\u0000', '00000000-0000-0000-0000-000000000000'])).toString('base64url'),
  ],
  [
    'half a surrogate',
    Buffer.from('["\\ud800","00000000-0000-0000-0000-000000000000"]').toString('base64url'),
  ],
  ['a huge number', Buffer.from(JSON.stringify([1e308, 1e308, 1e308])).toString('base64url')],
  ['objects', Buffer.from(JSON.stringify([{}, [], null])).toString('base64url')],
  ['three strings', Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', 'x', 'y'])).toString('base64url')],
  ['one text', Buffer.from(JSON.stringify(['zzz'])).toString('base64url')],
  ['a text and a non-uuid', Buffer.from(JSON.stringify(['zzz', 'not-a-uuid'])).toString('base64url')],
];

test('forged cursors on every list endpoint are 400s', async () => {
  const lists = app.registeredRoutes.filter((route) => {
    const query = (route.schema as { querystring?: { properties?: Record<string, unknown> } } | undefined)
      ?.querystring;
    return [route.method].flat().includes('GET') && query?.properties?.cursor !== undefined;
  });
  assert.ok(lists.length >= 15, `${lists.length} list routes`);
  const zero = '00000000-0000-0000-0000-000000000000';
  for (const route of lists) {
    const url = route.url.replace(':module', 'contacts').replace(':name', 'contacts').replace(/:\w+/g, zero);
    for (const [label, cursor] of forgedCursors) {
      const response = await admin.request('GET', `${url}?cursor=${encodeURIComponent(cursor)}`);
      assert.ok(response.statusCode < 500, `${url} with ${label}: ${response.statusCode} ${response.body}`);
      if (response.statusCode !== 200) assertRefused(response, /^4/, `${url} with ${label}`);
    }
  }
});

test('half a surrogate pair in a JSON string or key is a 400 naming the field', async () => {
  const cases: [string, string, string, string][] = [
    ['POST', '/api/feed', '{"text":"a\\ud800b"}', 'text'],
    ['POST', '/api/records/contacts', '{"firstName":"\\udc00","lastName":"x"}', 'firstName'],
    ['POST', '/api/roles', '{"name":"r","permissions":{"\\ud800":{"view":"all"}}}', 'permissions.\ud800'],
    ['PATCH', '/api/settings', '{"appName":"\\ud83d"}', 'appName'],
  ];
  for (const [method, url, body, field] of cases) {
    const response = await json(method, url, body);
    assertRefused(response, 400, `${method} ${url}`);
    assert.equal(response.json().error.details[0].field, field);
  }
  // A whole pair (an emoji) is fine.
  assert.equal((await json('POST', '/api/feed', '{"text":"\\ud83d\\ude00"}')).statusCode, 201);
});

test('deep nesting: field options 10,000 deep and a body 60,000 deep are 400s', async () => {
  let options = '{}';
  for (let i = 0; i < 10_000; i++) options = `{"a":${options}}`;
  const field = await json(
    'POST',
    '/api/modules/contacts/fields',
    `{"name":"deepField","label":"Deep","type":"text","options":${options}}`,
  );
  assertRefused(field, 400, 'options 10,000 deep');
  const deep = `{"text":"x","extra":${'['.repeat(60_000)}${']'.repeat(60_000)}}`;
  assertRefused(await json('POST', '/api/feed', deep), 400, 'a body 60,000 deep');
  const deepObject = `${'{"a":'.repeat(60_000)}1${'}'.repeat(60_000)}`;
  assertRefused(await json('PUT', '/api/routing/contacts', deepObject), 400, 'an object 60,000 deep');
});

test('a NUL in a path parameter is a 400 naming the parameter', async () => {
  // DELETE /api/tags/:tag took its NUL to SQL (a 500): the guard now reads params too.
  const response = await admin.request('DELETE', '/api/tags/a%00b');
  assertRefused(response, 400, 'DELETE /api/tags/a%00b');
  assert.equal(response.json().error.details[0].field, 'tag');
  for (const url of ['/api/records/contacts/ab%00cd', '/api/modules/con%00tacts', '/api/flows/x%00/runs']) {
    assertRefused(await admin.request('GET', url), 400, url);
  }
});

test('a NUL or half a surrogate anywhere in a signed webhook body is a 400', async () => {
  const flowId = await publish(
    straightFlow('Hardening hook', { type: 'trigger.webhook', params: {} }, [
      ['post', 'feed.post', { text: 'hook' }],
    ]),
  );
  const secret = (await admin.request('GET', `/api/flows/${flowId}`)).json().webhookSecret as string;
  const bodies = [
    '{"a":"x\\u0000y"}',
    '{"deep":{"list":["ok","\\u0000"]}}',
    '{"k\\u0000ey":1}',
    '{"a":"\\ud800"}',
    `${'['.repeat(1000)}${']'.repeat(1000)}`,
  ];
  for (const [index, body] of bodies.entries()) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await app.inject({
      method: 'POST',
      url: `/api/hooks/flows/${flowId}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-weft-timestamp': timestamp,
        'x-weft-signature': signWebhook(secret, timestamp, `nul-${index}`, body),
        'x-weft-delivery': `nul-${index}`,
      },
    });
    assertRefused(response, 400, body.slice(0, 40));
  }
});

test('GET /api/flows/<unknown>/runs is a 404', async () => {
  const response = await admin.request('GET', '/api/flows/00000000-0000-0000-0000-000000000000/runs');
  assertRefused(response, 404, 'unknown flow runs');
});

test("Fastify's and Node's own refusals answer in the one error shape", async () => {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const { hostname, port } = new URL(address);
  const raw = (
    path: string,
    options: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) =>
    new Promise<{ statusCode: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: hostname,
          port,
          path,
          method: options.method ?? 'GET',
          headers: { cookie: admin.cookie, ...options.headers },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(options.body);
    });
  const write = { 'x-csrf-token': admin.csrfToken };
  assertRefused(await raw('/api/records/contacts/%E0%A4%A'), 400, 'bad URL encoding');
  assertRefused(await raw(`/api/records/${'a'.repeat(10_000)}`), 414, 'path too long');
  assertRefused(
    await raw('/api/health', { headers: { 'x-large': 'a'.repeat(20_000) } }),
    431,
    'headers too large',
  );
  assertRefused(
    await raw('/api/feed', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2_000_000) }),
    }),
    413,
    'body too large',
  );
  assertRefused(
    await raw('/api/feed', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/x-nothing' },
      body: 'x',
    }),
    415,
    'unsupported media type',
  );
  assertRefused(
    await raw('/api/feed', {
      method: 'POST',
      headers: { ...write, 'content-type': 'application/json' },
      body: '{"text":',
    }),
    400,
    'unparseable JSON',
  );
});

test('a published but inactive flow run by hand runs to its end, waits included', async () => {
  // Decided: running by hand is allowed on an inactive flow (a macro need not be switched on);
  // only a flow switched off after a run started cancels that run at its wait (engine.test.ts).
  const flowId = await publish(
    straightFlow('Hardening manual', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['pause', 'control.wait', { duration: { amount: 1, unit: 'seconds' } }],
      ['post', 'feed.post', { text: 'by hand' }],
    ]),
  );
  const contact = (
    await admin.request('POST', '/api/records/contacts', { firstName: 'A', lastName: 'B' })
  ).json();
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/deactivate`)).statusCode, 200);
  const started = await admin.request('POST', `/api/flows/${flowId}/run`, { recordIds: [contact.id] });
  assert.equal(started.statusCode, 202, started.body);
  const [runId] = started.json().runIds;
  const run = await finished(runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
});
