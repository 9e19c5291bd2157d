import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { catalogue } from '../server/platform/errors.ts';
import { createTestApp, login } from './helpers/app.ts';

test('every error code is unique, prefixed, documented and has a sensible status', async () => {
  const entries = Object.values(catalogue);
  const codes = entries.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length, 'duplicate error code');
  const readme = await readFile(new URL('../server/README.md', import.meta.url), 'utf8');
  for (const entry of entries) {
    assert.match(entry.code, /^WEFT_ERR_[A-Z_]+$/);
    assert.ok(entry.description.length > 10, `${entry.code} has no description`);
    assert.ok(entry.status >= 400 && entry.status < 600, `${entry.code} status ${entry.status}`);
    assert.ok(readme.includes(entry.code), `${entry.code} is not listed in server/README.md`);
  }
});

const { app } = await createTestApp();
const admin = await login(app);

test('bad input is a 4xx in the one error shape, never a 5xx', async () => {
  const cases: {
    name: string;
    send: () => Promise<LightMyRequestResponse>;
    status: number;
    code: string;
    field?: string;
  }[] = [
    {
      name: 'unknown property',
      send: () => admin.request('POST', '/api/groups', { name: 'a', colour: 'red' }),
      status: 400,
      code: 'WEFT_ERR_VALIDATION',
      field: 'colour',
    },
    {
      name: 'missing required property',
      send: () => admin.request('POST', '/api/groups', { description: 'x' }),
      status: 400,
      code: 'WEFT_ERR_VALIDATION',
      field: 'name',
    },
    {
      name: 'wrong type is not coerced',
      send: () => admin.request('POST', '/api/roles', { name: 'r', isAdmin: 'yes' }),
      status: 400,
      code: 'WEFT_ERR_VALIDATION',
      field: 'isAdmin',
    },
    {
      name: 'malformed JSON',
      send: () =>
        app.inject({
          method: 'POST',
          url: '/api/groups',
          headers: {
            cookie: admin.cookie,
            'x-csrf-token': admin.csrfToken,
            'content-type': 'application/json',
          },
          payload: '{"name": ',
        }),
      status: 400,
      code: 'WEFT_ERR_BAD_REQUEST',
    },
    {
      name: 'unsupported content type',
      send: () =>
        app.inject({
          method: 'POST',
          url: '/api/groups',
          headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken, 'content-type': 'text/csv' },
          payload: 'name\na',
        }),
      status: 415,
      code: 'WEFT_ERR_UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'body over the size limit',
      send: () => admin.request('POST', '/api/groups', { name: 'a', description: 'x'.repeat(1_100_000) }),
      status: 413,
      code: 'WEFT_ERR_PAYLOAD_TOO_LARGE',
    },
    {
      name: 'malformed id in the path',
      send: () => admin.request('GET', '/api/users/not-a-uuid'),
      status: 400,
      code: 'WEFT_ERR_VALIDATION',
      field: 'id',
    },
    {
      name: 'query parameter out of range',
      send: () => admin.request('GET', '/api/users?limit=0'),
      status: 400,
      code: 'WEFT_ERR_VALIDATION',
      field: 'limit',
    },
    {
      name: 'unknown route',
      send: () => admin.request('GET', '/api/nothing-here'),
      status: 404,
      code: 'WEFT_ERR_NOT_FOUND',
    },
  ];
  for (const { name, send, status, code, field } of cases) {
    const response = await send();
    assert.equal(response.statusCode, status, `${name}: ${response.body.slice(0, 300)}`);
    const { error } = response.json();
    assert.equal(error.code, code, name);
    assert.equal(typeof error.message, 'string', name);
    if (field)
      assert.ok(
        error.details.some((d: { field: string }) => d.field === field),
        `${name}: ${JSON.stringify(error.details)}`,
      );
  }
});

test('responses carry a request id and security headers', async () => {
  const response = await admin.request('GET', '/api/me', undefined, { 'x-request-id': 'trace-123' });
  assert.equal(response.headers['x-request-id'], 'trace-123');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.ok(response.headers['content-security-policy']);
});

test('the OpenAPI document lists the API and the docs UI is served to signed-in users', async () => {
  const spec = (await admin.request('GET', '/api/openapi.json')).json();
  assert.equal(spec.openapi, '3.1.0');
  assert.ok(spec.paths['/api/users/{id}']);
  assert.ok(spec.paths['/api/auth/login'].post);
  const docs = await admin.request('GET', '/api/docs/');
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger/i);
});
