import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { verifyGithub } from './github.ts';

// GitHub's documented example ("Validating webhook deliveries", testing the implementation).
const secret = "It's a Secret to Everybody";
const body = Buffer.from('Hello, World!');
const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const nowMs = Date.now();
const headers = (signature: string | undefined, delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958') => ({
  'x-hub-signature-256': signature,
  'x-github-delivery': delivery,
  'x-github-event': 'push',
});

test('GitHub: the documented example verifies; the key is the signature, the shown id the GUID', () => {
  const result = verifyGithub({ secret, rawBody: body, headers: headers(documented), nowMs });
  assert.deepEqual(result, {
    ok: true,
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    dedupeKey: `sig:${documented.slice(7)}`,
  });
});

test('GitHub: a JSON body signed as GitHub does', () => {
  const json = Buffer.from('{"action":"opened","issue":{"number":1}}');
  const signature = `sha256=${createHmac('sha256', 'whs').update(json).digest('hex')}`;
  assert.equal(verifyGithub({ secret: 'whs', rawBody: json, headers: headers(signature), nowMs }).ok, true);
});

test('GitHub: a captured delivery replayed under a new GUID has the same key (a duplicate)', () => {
  const a = verifyGithub({ secret, rawBody: body, headers: headers(documented, 'a'), nowMs });
  const b = verifyGithub({ secret, rawBody: body, headers: headers(documented, 'b'), nowMs });
  assert.ok(a.ok && b.ok);
  assert.equal(a.dedupeKey, b.dedupeKey);
});

for (const [name, signature, rawBody] of [
  ['another secret', `sha256=${createHmac('sha256', 'x').update(body).digest('hex')}`, body],
  ['a changed body', documented, Buffer.from('Hello, World?')],
  ['the old SHA-1 header format', 'sha1=0123456789abcdef0123456789abcdef01234567', body],
  ['no signature', undefined, body],
] as const) {
  test(`GitHub: ${name} is refused on x-hub-signature-256`, () => {
    const result = verifyGithub({ secret, rawBody, headers: headers(signature), nowMs });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.header, 'x-hub-signature-256');
  });
}
