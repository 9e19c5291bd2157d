import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { botProblem, issueStamp, submissionKey } from './web-form.ts';

const form = { id: 'f1', stampSecret: 'form-secret', minFillSeconds: 3 };
const now = 1_800_000_000_000;
const stampAt = (ms: number) => issueStamp(form, ms);

test('the stamp is the render time with its HMAC, as the README says', () => {
  const mac = createHmac('sha256', 'form-secret').update(`f1.${now}`).digest('base64url');
  assert.equal(stampAt(now), `${now}.${mac}`);
});

const cases: [string, Record<string, string>, string | undefined][] = [
  ['a person, after 10 s', { _weft_t: stampAt(now - 10_000) }, undefined],
  ['no stamp (the static snippet)', {}, undefined],
  ['the honeypot filled in', { _weft_hp: 'http://spam.example' }, '_weft_hp'],
  ['sent 1 s after rendering', { _weft_t: stampAt(now - 1_000) }, '_weft_t'],
  ['a stamp backdated by hand', { _weft_t: `${now - 60_000}.${stampAt(now).split('.')[1]}` }, '_weft_t'],
  [
    'a stamp of another form',
    { _weft_t: issueStamp({ id: 'f2', stampSecret: 'form-secret' }, now - 10_000) },
    '_weft_t',
  ],
  ['a stamp eight days old', { _weft_t: stampAt(now - 8 * 24 * 3600_000) }, '_weft_t'],
  ['garbage', { _weft_t: 'yesterday' }, '_weft_t'],
];
for (const [name, posted, field] of cases) {
  test(`web form bot checks: ${name} → ${field ? `refused (${field})` : 'accepted'}`, () => {
    assert.equal(botProblem(form, posted, now)?.field, field);
  });
}

test('a submission counts once: by the rendering’s key, else by values, address and ten minutes', () => {
  const key = 'k'.repeat(20);
  assert.equal(submissionKey({ _weft_key: key }, { a: 1 }, '1.2.3.4', now), `key:${key}`);
  const a = submissionKey({}, { email: 'x@example.com' }, '1.2.3.4', now);
  assert.equal(submissionKey({}, { email: 'x@example.com' }, '1.2.3.4', now + 1000), a);
  assert.notEqual(submissionKey({}, { email: 'x@example.com' }, '5.6.7.8', now), a);
  assert.notEqual(submissionKey({}, { email: 'x@example.com' }, '1.2.3.4', now + 600_000), a);
});
