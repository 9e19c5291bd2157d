import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxBodyBytes, signWebhook } from '../connectors/webhook.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

const { app, db, admin, publish, finished } = await engineTestApp();

const flowId = await publish(
  straightFlow('Orders from the shop', { type: 'trigger.webhook', params: {} }, [
    ['post', 'feed.post', { text: 'Delivery {{trigger.deliveryId}}' }],
  ]),
);
let secret = (await admin.request('GET', `/api/flows/${flowId}`)).json().webhookSecret as string;
assert.ok(secret);

function deliver(
  body: string,
  options: { delivery?: string; secret?: string; at?: number; flow?: string; signature?: string } = {},
) {
  const timestamp = String(Math.floor((options.at ?? Date.now()) / 1000));
  const delivery = options.delivery ?? 'd-1';
  return app.inject({
    method: 'POST',
    url: `/api/hooks/flows/${options.flow ?? flowId}`,
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-weft-timestamp': timestamp,
      'x-weft-signature':
        options.signature ?? signWebhook(options.secret ?? secret, timestamp, delivery, body),
      'x-weft-delivery': delivery,
      cookie: 'weft_session=not-for-flows',
    },
  });
}

async function runsOf(flow = flowId) {
  await eventually(async () => {
    const pending = await db.selectFrom('events').select('id').where('dispatchedAt', 'is', null).execute();
    return pending.length === 0;
  }, 'every event to be dispatched');
  return db.selectFrom('flowRuns').select(['id', 'input']).where('flowId', '=', flow).execute();
}

const deliveries = () =>
  db.selectFrom('webhookDeliveries').select(['deliveryId', 'eventId']).where('flowId', '=', flowId).execute();

test('a signed delivery is stored, answered 202, and runs the flow with its body and headers', async () => {
  const response = await deliver('{"order":42,"items":[{"sku":"A1"}]}', { delivery: 'order-42' });
  assert.equal(response.statusCode, 202, response.body);
  assert.equal(response.json().duplicate, false);
  // Stored before the answer: the row and its event exist as soon as the 202 is back.
  assert.deepEqual(await deliveries(), [{ deliveryId: 'order-42', eventId: response.json().eventId }]);
  const [run] = await runsOf();
  assert.ok(run);
  const input = run.input as { record: unknown; trigger: { body: unknown; headers: Record<string, string> } };
  assert.deepEqual(input.trigger.body, { order: 42, items: [{ sku: 'A1' }] });
  assert.equal(input.trigger.headers['x-weft-delivery'], 'order-42');
  assert.equal(input.trigger.headers.cookie, undefined, 'credentials are not passed on');
  assert.equal(input.record, null);
  assert.equal((await finished(run.id)).status, 'succeeded');
});

test('a repeated delivery id answers 200 duplicate and starts no second run, also when concurrent', async () => {
  const again = await deliver('{"order":42,"items":[{"sku":"A1"}]}', { delivery: 'order-42' });
  assert.equal(again.statusCode, 200);
  assert.deepEqual(again.json(), { duplicate: true, deliveryId: 'order-42' });
  const both = await Promise.all([
    deliver('{"order":43}', { delivery: 'order-43' }),
    deliver('{"order":43}', { delivery: 'order-43' }),
  ]);
  assert.deepEqual(both.map((response) => response.statusCode).sort(), [200, 202]);
  assert.equal((await runsOf()).length, 2);
  assert.equal((await deliveries()).length, 2);
});

test('refusals: bad signature, stale or future timestamp, not JSON, too large, unknown or inactive flow', async () => {
  const body = '{"order":1}';
  const minute = 60_000;
  const cases: [string, Promise<{ statusCode: number; body: string }>, number, string][] = [
    ['another secret', deliver(body, { delivery: 'r1', secret: 'not-the-secret' }), 401, 'x-weft-signature'],
    ['no signature', deliver(body, { delivery: 'r2', signature: '' }), 401, 'x-weft-signature'],
    [
      '6 minutes old',
      deliver(body, { delivery: 'r3', at: Date.now() - 6 * minute }),
      401,
      'x-weft-timestamp',
    ],
    [
      '6 minutes ahead',
      deliver(body, { delivery: 'r4', at: Date.now() + 6 * minute }),
      401,
      'x-weft-timestamp',
    ],
    ['not JSON', deliver('order=1', { delivery: 'r5' }), 400, 'body'],
    ['too large', deliver(JSON.stringify({ pad: 'x'.repeat(maxBodyBytes) }), { delivery: 'r6' }), 413, ''],
    [
      'unknown flow',
      deliver(body, { delivery: 'r7', flow: '00000000-0000-4000-8000-000000000000' }),
      404,
      '',
    ],
  ];
  for (const [what, pending, status, field] of cases) {
    const response = await pending;
    assert.equal(response.statusCode, status, `${what}: ${response.body}`);
    if (field) assert.ok(response.body.includes(field), `${what} names ${field}: ${response.body}`);
  }
  assert.equal((await deliveries()).length, 2, 'nothing refused was stored');

  const manual = await publish(
    straightFlow('Not a webhook', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['post', 'feed.post', { text: 'x' }],
    ]),
  );
  assert.equal((await deliver(body, { delivery: 'r8', flow: manual })).statusCode, 404);

  assert.equal((await admin.request('POST', `/api/flows/${flowId}/deactivate`)).statusCode, 200);
  const inactive = await deliver(body, { delivery: 'r9' });
  assert.equal(inactive.statusCode, 409, inactive.body);
  assert.equal((await deliveries()).length, 2);
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);
});

test('a captured delivery replayed under a new delivery id is refused: the id is signed', async () => {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = '{"order":77}';
  const headers = {
    'content-type': 'application/json',
    'x-weft-timestamp': timestamp,
    'x-weft-signature': signWebhook(secret, timestamp, 'order-77', body),
    'x-weft-delivery': 'order-77',
  };
  const first = await app.inject({
    method: 'POST',
    url: `/api/hooks/flows/${flowId}`,
    payload: body,
    headers,
  });
  assert.equal(first.statusCode, 202, first.body);
  const replay = await app.inject({
    method: 'POST',
    url: `/api/hooks/flows/${flowId}`,
    payload: body,
    headers: { ...headers, 'x-weft-delivery': 'order-77-again' },
  });
  assert.equal(replay.statusCode, 401, replay.body);
  assert.match(replay.body, /x-weft-signature/);
  assert.equal((await runsOf()).length, 3);
});

test('rotating the secret: the old one stops verifying at once', async () => {
  const old = secret;
  const rotated = await admin.request('POST', `/api/hooks/flows/${flowId}/secret`);
  assert.equal(rotated.statusCode, 200, rotated.body);
  secret = rotated.json().secret;
  assert.notEqual(secret, old);
  assert.equal((await deliver('{}', { delivery: 'after-rotation', secret: old })).statusCode, 401);
  assert.equal((await deliver('{}', { delivery: 'after-rotation' })).statusCode, 202);
  const audit = await db
    .selectFrom('auditLog')
    .select('action')
    .where('action', '=', 'flow.webhookSecret.rotate')
    .execute();
  assert.equal(audit.length, 1);
});
