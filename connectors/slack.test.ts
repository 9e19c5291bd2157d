import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { slackChallenge, verifySlack } from './slack.ts';

// Slack's documented example ("Verifying requests from Slack").
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = '1531420618';
const body = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const documented = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const at = Number(timestamp) * 1000;
const headers = (signature: string | undefined, ts: string | null = timestamp) => ({
  'x-slack-signature': signature,
  'x-slack-request-timestamp': ts ?? undefined,
});

test('Slack: the documented example verifies at its time', () => {
  const result = verifySlack({ secret, rawBody: body, headers: headers(documented), nowMs: at + 60_000 });
  assert.deepEqual(result, {
    ok: true,
    deliveryId: documented.slice(3, 35),
    dedupeKey: `sig:${documented.slice(3)}`,
  });
});

test('Slack: an Events API retry (new timestamp, same event_id) has the same key', () => {
  const event = Buffer.from('{"type":"event_callback","event_id":"Ev0PV52K25","event":{"type":"message"}}');
  const sign = (ts: string) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${event}`).digest('hex')}`;
  const first = verifySlack({
    secret,
    rawBody: event,
    headers: headers(sign(timestamp), timestamp),
    nowMs: at,
  });
  const retry = String(Number(timestamp) + 60);
  const second = verifySlack({ secret, rawBody: event, headers: headers(sign(retry), retry), nowMs: at });
  assert.ok(first.ok && second.ok);
  assert.equal(first.dedupeKey, 'evt:Ev0PV52K25');
  assert.equal(second.dedupeKey, first.dedupeKey);
});

for (const [name, signature, ts, nowMs, field] of [
  [
    'the same request six minutes later (a replay)',
    documented,
    timestamp,
    at + 360_000,
    'x-slack-request-timestamp',
  ],
  ['a timestamp changed after signing', documented, String(Number(timestamp) + 1), at, 'x-slack-signature'],
  [
    'another secret',
    `v0=${createHmac('sha256', 'x').update(`v0:${timestamp}:${body}`).digest('hex')}`,
    timestamp,
    at,
    'x-slack-signature',
  ],
  ['no timestamp', documented, null, at, 'x-slack-request-timestamp'],
  ['no signature', undefined, timestamp, at, 'x-slack-signature'],
] as const) {
  test(`Slack: ${name} is refused on ${field}`, () => {
    const result = verifySlack({ secret, rawBody: body, headers: headers(signature, ts), nowMs });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.header, field);
  });
}

test('Slack: the url_verification challenge is recognised', () => {
  assert.equal(slackChallenge({ type: 'url_verification', challenge: 'abc', token: 't' }), 'abc');
  assert.equal(slackChallenge({ type: 'event_callback' }), undefined);
});
