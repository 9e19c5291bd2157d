import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { verifyStripe } from './stripe.ts';

// Computed as docs.stripe.com/webhooks documents: v1 = hex HMAC-SHA256(secret, t + "." + payload).
const secret = 'whsec_test_5c2b8f0e9d';
const body = Buffer.from('{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"customer.created"}');
const now = 1_800_000_000;
const v1 = (t: number, key = secret, payload: Buffer = body) =>
  createHmac('sha256', key)
    .update(`${t}.${payload.toString('utf8')}`)
    .digest('hex');
const verify = (signature: string | undefined, nowSeconds = now, rawBody = body) =>
  verifyStripe({ secret, rawBody, headers: { 'stripe-signature': signature }, nowMs: nowSeconds * 1000 });

test('Stripe: t= and v1= verify; the key is the event id from the signed body', () => {
  assert.deepEqual(
    verify(`t=${now},v1=${v1(now)},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39`),
    {
      ok: true,
      deliveryId: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      dedupeKey: 'evt:evt_1NG8Du2eZvKYlo2CUI79vXWy',
    },
  );
});

test('Stripe: during a secret roll any of several v1 may match', () => {
  assert.equal(verify(`t=${now},v1=${v1(now, 'whsec_old')},v1=${v1(now)}`).ok, true);
});

test('Stripe: the tolerance is 300 s either way', () => {
  assert.equal(verify(`t=${now - 300},v1=${v1(now - 300)}`).ok, true);
  const stale = verify(`t=${now - 301},v1=${v1(now - 301)}`);
  assert.ok(!stale.ok && /t= is more than 300 s/.test(stale.reason), JSON.stringify(stale));
  assert.equal(verify(`t=${now + 301},v1=${v1(now + 301)}`).ok, false);
});

for (const [name, signature, rawBody] of [
  ['another secret', `t=${now},v1=${v1(now, 'whsec_other')}`, body],
  ['a changed body', `t=${now},v1=${v1(now)}`, Buffer.from(body.toString().replace('created', 'deleted'))],
  ['a changed t', `t=${now + 1},v1=${v1(now)}`, body],
  ['only a v0 signature', `t=${now},v0=${v1(now)}`, body],
  ['two timestamps', `t=${now},t=${now},v1=${v1(now)}`, body],
  ['no header', undefined, body],
] as const) {
  test(`Stripe: ${name} is refused on stripe-signature`, () => {
    const result = verify(signature, now, rawBody);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.header, 'stripe-signature');
  });
}
