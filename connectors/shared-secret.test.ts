import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifySharedSecret } from './shared-secret.ts';

const secret = 'a-long-shared-secret';
const body = Buffer.from('{"form":"contact","email":"ann@example.com"}');
const nowMs = Date.now();

test('shared secret: the default header with the secret is accepted; the key is the body', () => {
  const result = verifySharedSecret({
    secret,
    rawBody: body,
    headers: { 'x-webhook-secret': secret },
    nowMs,
  });
  assert.ok(result.ok);
  assert.match(result.dedupeKey, /^body:[0-9a-f]{64}$/);
});

test('shared secret: a chosen header, and a chosen delivery-id header as the key', () => {
  const options = { secretHeader: 'X-Typeform-Token', deliveryHeader: 'x-request-id' };
  const ok = verifySharedSecret({
    secret,
    rawBody: body,
    headers: { 'x-typeform-token': secret, 'x-request-id': 'r-1' },
    nowMs,
    options,
  });
  assert.deepEqual(ok, { ok: true, deliveryId: 'r-1', dedupeKey: 'id:r-1' });
  const missingId = verifySharedSecret({
    secret,
    rawBody: body,
    headers: { 'x-typeform-token': secret },
    nowMs,
    options,
  });
  assert.ok(!missingId.ok && missingId.header === 'x-request-id');
});

for (const [name, headers] of [
  ['a wrong secret', { 'x-webhook-secret': 'guess' }],
  ['a prefix of the secret', { 'x-webhook-secret': secret.slice(0, 10) }],
  ['no header', {}],
  ['the secret in another header', { authorization: secret }],
] as const) {
  test(`shared secret: ${name} is refused`, () => {
    const result = verifySharedSecret({ secret, rawBody: body, headers, nowMs });
    assert.ok(!result.ok && result.header === 'x-webhook-secret', JSON.stringify(result));
  });
}
