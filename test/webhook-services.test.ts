import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { webhookServices } from '../connectors/services.ts';
import webhookTrigger from '../engine/nodes/triggers/webhook.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

const { app, db, admin, publish, finished } = await engineTestApp();

async function webhookFlow(name: string, params: Record<string, unknown>, secret: string) {
  const id = await publish(
    straightFlow(name, { type: 'trigger.webhook', params }, [
      ['post', 'feed.post', { text: 'Delivery {{trigger.deliveryId}}' }],
    ]),
  );
  const set = await admin.request('PUT', `/api/hooks/flows/${id}/secret`, { secret });
  assert.equal(set.statusCode, 200, set.body);
  return id;
}

const post = (flowId: string, body: string, headers: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url: `/api/hooks/flows/${flowId}`,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  });

async function runsOf(flowId: string) {
  await eventually(async () => {
    const pending = await db.selectFrom('events').select('id').where('dispatchedAt', 'is', null).execute();
    return pending.length === 0;
  }, 'every event to be dispatched');
  return db
    .selectFrom('flowRuns')
    .select(['id', 'input', 'recordId', 'module'])
    .where('flowId', '=', flowId)
    .orderBy('startedAt')
    .execute();
}

const deliveriesOf = async (flowId: string) => {
  const response = await admin.request('GET', `/api/hooks/flows/${flowId}/deliveries`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json().items as {
    id: number;
    status: string;
    reason: string | null;
    deliveryId: string | null;
    runId: string | null;
    recordId: string | null;
  }[];
};

test('the trigger offers exactly the senders connectors/ verifies', () => {
  const params = webhookTrigger.params as { properties: { service: { enum: readonly string[] } } };
  assert.deepEqual([...params.properties.service.enum], [...webhookServices]);
});

const stripeSecret = 'whsec_0123456789abcdefghij';
function stripeHeaders(body: string, secret = stripeSecret) {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return { 'stripe-signature': `t=${t},v1=${v1}` };
}
const customer = (eventId: string, email: string, name: string) =>
  JSON.stringify({
    id: eventId,
    type: 'customer.created',
    data: { object: { email, name, metadata: { first: name.split(' ')[0], last: name.split(' ')[1] } } },
  });

let stripeFlow = '';
test('Stripe customer → contact without a code step: created, then updated on the matching email; a retry is a duplicate', async () => {
  stripeFlow = await webhookFlow(
    'Stripe customers',
    {
      service: 'stripe',
      mapping: {
        module: 'contacts',
        matchField: 'email',
        fields: {
          email: 'data.object.email',
          firstName: 'data.object.metadata.first',
          lastName: 'data.object.metadata.last',
        },
      },
    },
    stripeSecret,
  );
  const body = customer('evt_1', 'ann@example.com', 'Ann Lee');
  const first = await post(stripeFlow, body, stripeHeaders(body));
  assert.equal(first.statusCode, 202, first.body);
  const contactId = first.json().recordId as string;
  assert.ok(contactId, 'the record is written before the answer');
  const contact = (await admin.request('GET', `/api/records/contacts/${contactId}`)).json();
  assert.deepEqual([contact.firstName, contact.lastName, contact.email], ['Ann', 'Lee', 'ann@example.com']);

  // Stripe retries with a fresh t= and the same event id: a duplicate.
  const retry = await post(stripeFlow, body, stripeHeaders(body));
  assert.equal(retry.statusCode, 200, retry.body);
  assert.equal(retry.json().duplicate, true);

  const renamed = customer('evt_2', 'ann@example.com', 'Ann Smith');
  const second = await post(stripeFlow, renamed, stripeHeaders(renamed));
  assert.equal(second.statusCode, 202, second.body);
  assert.equal(second.json().recordId, contactId, 'matched on email: updated, not duplicated');
  assert.equal((await admin.request('GET', `/api/records/contacts/${contactId}`)).json().lastName, 'Smith');

  const runs = await runsOf(stripeFlow);
  assert.equal(runs.length, 2);
  for (const run of runs) {
    assert.equal(run.recordId, contactId, 'the run’s record is the mapped contact');
    assert.equal((await finished(run.id)).status, 'succeeded');
  }
  const input = runs[1]?.input as {
    record: { lastName: string };
    trigger: { service: string; mapping: unknown };
  };
  assert.equal(input.record.lastName, 'Smith');
  assert.equal(input.trigger.service, 'stripe');
  assert.deepEqual(input.trigger.mapping, { action: 'updated', module: 'contacts', recordId: contactId });
});

test('a payload the module refuses is stored and acknowledged, with the reason; the run has no record', async () => {
  const body = JSON.stringify({ id: 'evt_3', data: { object: { email: 'not-an-email', metadata: {} } } });
  const response = await post(stripeFlow, body, stripeHeaders(body));
  assert.equal(response.statusCode, 202, response.body);
  assert.equal(response.json().recordId, undefined);
  const [latest] = await deliveriesOf(stripeFlow);
  assert.equal(latest?.status, 'accepted');
  assert.match(latest?.reason ?? '', /^record not written: .*email/);
});

test('forged and stale Stripe deliveries are refused, logged with the reason, and start nothing', async () => {
  const before = (await runsOf(stripeFlow)).length;
  const body = customer('evt_9', 'eve@example.com', 'Eve Forger');
  const forged = await post(stripeFlow, body, stripeHeaders(body, 'whsec_guessed_secret_000'));
  assert.equal(forged.statusCode, 401);
  assert.equal(forged.json().error.details[0].field, 'stripe-signature');
  const t = Math.floor(Date.now() / 1000) - 600;
  const v1 = createHmac('sha256', stripeSecret).update(`${t}.${body}`).digest('hex');
  const stale = await post(stripeFlow, body, { 'stripe-signature': `t=${t},v1=${v1}` });
  assert.equal(stale.statusCode, 401);
  const log = await deliveriesOf(stripeFlow);
  assert.deepEqual(
    log.slice(0, 2).map((entry) => [entry.status, entry.reason?.slice(0, 40)]),
    [
      ['refused', 'stripe-signature t= is more than 300 s a'],
      ['refused', 'stripe-signature no v1 signature matches'],
    ],
  );
  assert.equal((await runsOf(stripeFlow)).length, before);
});

test('the deliveries list shows each run; replay starts a new run from the stored body; a duplicate cannot be replayed', async () => {
  const log = await deliveriesOf(stripeFlow);
  const accepted = log.filter((entry) => entry.status === 'accepted');
  assert.equal(accepted.length, 3);
  assert.ok(
    accepted.every((entry) => entry.runId),
    'every accepted delivery names its run',
  );
  const duplicate = log.find((entry) => entry.status === 'duplicate');
  assert.ok(duplicate && duplicate.runId === null);
  const original = accepted.at(-1);
  assert.ok(original);
  const replay = await admin.request(
    'POST',
    `/api/hooks/flows/${stripeFlow}/deliveries/${original.id}/replay`,
  );
  assert.equal(replay.statusCode, 202, replay.body);
  assert.match(replay.json().deliveryId, /^replay-/);
  const runs = await runsOf(stripeFlow);
  assert.equal(runs.length, 4);
  assert.equal(runs.at(-1)?.recordId, original.recordId, 'replayed through the mapping: the same contact');
  const [replayed] = await deliveriesOf(stripeFlow);
  assert.equal(replayed?.status, 'replayed');
  assert.equal(replayed?.runId, runs.at(-1)?.id);
  const refused = await admin.request(
    'POST',
    `/api/hooks/flows/${stripeFlow}/deliveries/${duplicate.id}/replay`,
  );
  assert.equal(refused.statusCode, 422, refused.body);
});

test('GitHub: signed as GitHub documents; the same body under a new X-GitHub-Delivery is a duplicate', async () => {
  const secret = 'github-webhook-secret-0001';
  const flow = await webhookFlow('GitHub pushes', { service: 'github' }, secret);
  const body = '{"ref":"refs/heads/main","commits":[]}';
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const headers = (guid: string) => ({
    'x-hub-signature-256': signature,
    'x-github-delivery': guid,
    'x-github-event': 'push',
  });
  const first = await post(flow, body, headers('0b989ba4-242f-11e5-81e1-c7b2d5a3b6a6'));
  assert.equal(first.statusCode, 202, first.body);
  assert.equal(first.json().deliveryId, '0b989ba4-242f-11e5-81e1-c7b2d5a3b6a6');
  const replayed = await post(flow, body, headers('0b989ba4-0000-0000-0000-000000000000'));
  assert.equal(replayed.statusCode, 200);
  assert.equal(replayed.json().duplicate, true);
  assert.equal((await runsOf(flow)).length, 1);
});

test('Slack: the url_verification challenge is answered; an event signed v0 starts the flow', async () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const flow = await webhookFlow('Slack events', { service: 'slack' }, secret);
  const sign = (body: string) => {
    const ts = String(Math.floor(Date.now() / 1000));
    return {
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
    };
  };
  const check =
    '{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
  const challenge = await post(flow, check, sign(check));
  assert.equal(challenge.statusCode, 200, challenge.body);
  assert.equal(challenge.json().challenge, '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
  const event =
    '{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention","text":"hi"}}';
  const delivered = await post(flow, event, sign(event));
  assert.equal(delivered.statusCode, 202, delivered.body);
  assert.equal(delivered.json().deliveryId, 'Ev08MFMKH6');
  const forged = await post(flow, event, { ...sign(event), 'x-slack-signature': `v0=${'0'.repeat(64)}` });
  assert.equal(forged.statusCode, 401);
  assert.equal((await runsOf(flow)).length, 1);
});

test('Shopify (base64 HMAC) and the shared-secret header mode', async () => {
  const secret = 'shopify-app-client-secret';
  const shop = await webhookFlow('Shopify orders', { service: 'shopify' }, secret);
  const body = '{"id":820982911946154508,"email":"jon@example.com"}';
  const hmac = createHmac('sha256', secret).update(body).digest('base64');
  const ok = await post(shop, body, { 'x-shopify-hmac-sha256': hmac, 'x-shopify-webhook-id': 'w-1' });
  assert.equal(ok.statusCode, 202, ok.body);
  const forged = await post(shop, body.replace('jon', 'eve'), { 'x-shopify-hmac-sha256': hmac });
  assert.equal(forged.statusCode, 401);

  const typeform = await webhookFlow(
    'Typeform answers',
    { service: 'sharedSecret', secretHeader: 'x-typeform-token' },
    'a-shared-secret-value',
  );
  const answer = '{"form_response":{"answers":[]}}';
  assert.equal(
    (await post(typeform, answer, { 'x-typeform-token': 'a-shared-secret-value' })).statusCode,
    202,
  );
  assert.equal(
    (await post(typeform, answer, { 'x-typeform-token': 'a-shared-secret-value' })).statusCode,
    200,
  );
  assert.equal((await post(typeform, answer, { 'x-typeform-token': 'wrong' })).statusCode, 401);
});

test('webhook administration is for admins; a short secret is refused with its field', async () => {
  const short = await admin.request('PUT', `/api/hooks/flows/${stripeFlow}/secret`, { secret: 'short' });
  assert.equal(short.statusCode, 400);
  assert.match(short.body, /secret/);
  const services = await admin.request('GET', '/api/hooks/services');
  assert.deepEqual(
    services.json().items.map((item: { service: string }) => item.service),
    [...webhookServices],
  );
});
