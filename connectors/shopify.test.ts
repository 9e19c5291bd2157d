import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { verifyShopify } from './shopify.ts';

// Computed as shopify.dev documents: base64 HMAC-SHA256 of the raw body with the app's secret.
const secret = 'shpss_0a1b2c3d4e5f';
const body = Buffer.from('{"id":820982911946154508,"email":"jon@example.com","total_price":"199.00"}');
const documented = createHmac('sha256', secret).update(body).digest('base64');
const verify = (signature: string | undefined, rawBody = body, id = 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043') =>
  verifyShopify({
    secret,
    rawBody,
    headers: {
      'x-shopify-hmac-sha256': signature,
      'x-shopify-webhook-id': id,
      'x-shopify-topic': 'orders/create',
    },
    nowMs: Date.now(),
  });

test('Shopify: a base64 HMAC of the body verifies; the key is the signature', () => {
  const result = verify(documented);
  assert.deepEqual(result, {
    ok: true,
    deliveryId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    dedupeKey: `sig:${Buffer.from(documented, 'base64').toString('hex')}`,
  });
});

test('Shopify: a replay under a new webhook id is the same delivery', () => {
  const a = verify(documented);
  const b = verify(documented, body, 'another-id');
  assert.ok(a.ok && b.ok);
  assert.equal(a.dedupeKey, b.dedupeKey);
});

for (const [name, signature, rawBody] of [
  ['another secret', createHmac('sha256', 'x').update(body).digest('base64'), body],
  ['a changed body', documented, Buffer.from(body.toString().replace('199', '1'))],
  ['the hex form', createHmac('sha256', secret).update(body).digest('hex'), body],
  ['no header', undefined, body],
] as const) {
  test(`Shopify: ${name} is refused on x-shopify-hmac-sha256`, () => {
    const result = verify(signature, rawBody);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.header, 'x-shopify-hmac-sha256');
  });
}
