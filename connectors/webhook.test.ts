import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signWebhook, verifyWebhook, webhookHeaders } from './webhook.ts';

const secret = 'flow-secret';
const body = Buffer.from('{"order":42}');
const now = 1_800_000_000_000;
const ts = String(now / 1000);
const good = {
  [webhookHeaders.timestamp]: ts,
  [webhookHeaders.signature]: signWebhook(secret, ts, 'dlv-1', body),
  [webhookHeaders.delivery]: 'dlv-1',
};

const cases: {
  name: string;
  headers: Record<string, string | undefined>;
  body?: Buffer;
  ok: boolean;
  header?: string;
}[] = [
  { name: 'a correct signature', headers: good, ok: true },
  {
    name: 'a signature with another secret',
    headers: { ...good, [webhookHeaders.signature]: signWebhook('other', ts, 'dlv-1', body) },
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    name: 'a changed body',
    headers: good,
    body: Buffer.from('{"order":43}'),
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    name: 'a timestamp changed after signing',
    headers: { ...good, [webhookHeaders.timestamp]: String(Number(ts) + 1) },
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    // A replay of a captured delivery under a new id: refused, because the id is signed.
    name: 'a delivery id changed after signing',
    headers: { ...good, [webhookHeaders.delivery]: 'dlv-2' },
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    name: 'a signature in upper-case hex',
    headers: { ...good, [webhookHeaders.signature]: good[webhookHeaders.signature].toUpperCase() },
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    name: 'a truncated signature',
    headers: { ...good, [webhookHeaders.signature]: good[webhookHeaders.signature].slice(0, 20) },
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    name: 'no signature',
    headers: { ...good, [webhookHeaders.signature]: undefined },
    ok: false,
    header: webhookHeaders.signature,
  },
  {
    name: 'a timestamp 301 s old',
    headers: signed(Number(ts) - 301),
    ok: false,
    header: webhookHeaders.timestamp,
  },
  { name: 'a timestamp 300 s old', headers: signed(Number(ts) - 300), ok: true },
  {
    name: 'a timestamp 301 s ahead',
    headers: signed(Number(ts) + 301),
    ok: false,
    header: webhookHeaders.timestamp,
  },
  { name: 'a timestamp in milliseconds', headers: signed(now), ok: false, header: webhookHeaders.timestamp },
  {
    name: 'a timestamp that is not a number',
    headers: { ...good, [webhookHeaders.timestamp]: 'yesterday' },
    ok: false,
    header: webhookHeaders.timestamp,
  },
  {
    name: 'no delivery id',
    headers: { ...good, [webhookHeaders.delivery]: undefined },
    ok: false,
    header: webhookHeaders.delivery,
  },
  {
    name: 'a delivery id with spaces',
    headers: { ...good, [webhookHeaders.delivery]: 'a b' },
    ok: false,
    header: webhookHeaders.delivery,
  },
  {
    name: 'a delivery id of 201 characters',
    headers: { ...good, [webhookHeaders.delivery]: 'x'.repeat(201) },
    ok: false,
    header: webhookHeaders.delivery,
  },
];

function signed(timestamp: number) {
  const t = String(timestamp);
  return {
    ...good,
    [webhookHeaders.timestamp]: t,
    [webhookHeaders.signature]: signWebhook(secret, t, 'dlv-1', body),
  };
}

for (const c of cases) {
  test(`webhook verification: ${c.name} → ${c.ok ? 'accepted' : `refused (${c.header})`}`, () => {
    const result = verifyWebhook({ secret, rawBody: c.body ?? body, headers: c.headers, nowMs: now });
    assert.equal(result.ok, c.ok, JSON.stringify(result));
    if (result.ok) assert.deepEqual([result.deliveryId, result.dedupeKey], ['dlv-1', 'dlv-1']);
    else assert.equal(result.header, c.header);
  });
}

test('the signature is HMAC-SHA256 over timestamp.delivery.body, as connectors/README.md documents', () => {
  const expected = createHmac('sha256', secret).update(`${ts}.dlv-1.{"order":42}`).digest('hex');
  assert.equal(signWebhook(secret, ts, 'dlv-1', body), `sha256=${expected}`);
});
