import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db, admin, publish, create } = await engineTestApp();

async function dispatched() {
  await eventually(async () => {
    const pending = await db.selectFrom('events').select('id').where('dispatchedAt', 'is', null).execute();
    return pending.length === 0;
  }, 'every event to be dispatched');
}

type Entry = {
  id: number;
  flowId: string;
  flowName: string;
  outcome: string;
  recordId: string;
  detail: string;
};
const log = async (query = '') => {
  const response = await admin.request('GET', `/api/trigger-log${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { items: Entry[]; nextCursor: string | null };
};

const vipOnly = await publish(
  straightFlow(
    'VIP only',
    {
      type: 'trigger.recordCreated',
      params: { module: 'contacts', conditions: { '==': [{ var: 'record.lastName' }, 'Vip'] } },
    },
    [['post', 'feed.post', { text: 'vip' }]],
  ),
);
const every = await publish(
  straightFlow('Every contact', { type: 'trigger.recordCreated', params: { module: 'contacts' } }, [
    ['post', 'feed.post', { text: 'any' }],
  ]),
);

test('every event that reached a flow is listed, per flow and for all, with filters', async () => {
  await create('contacts', { firstName: 'A', lastName: 'Plain' });
  await dispatched();
  // Conditions not met are not logged until the admin asks for them.
  assert.deepEqual((await log(`?flowId=${vipOnly}`)).items, []);
  assert.equal(
    (await admin.request('PATCH', '/api/settings', { triggerLogConditions: true })).statusCode,
    200,
  );
  const plain = await create('contacts', { firstName: 'B', lastName: 'Plain' });
  const vip = await create('contacts', { firstName: 'C', lastName: 'Vip' });
  await dispatched();

  const forVip = await log(`?flowId=${vipOnly}`);
  assert.deepEqual(
    forVip.items.map((e) => [e.outcome, e.recordId, e.flowName]),
    [
      ['started', vip.id, 'VIP only'],
      ['conditions', plain.id, 'VIP only'],
    ],
  );
  const all = await log();
  assert.equal(all.items.length, 5, 'three starts of "Every contact", two entries of "VIP only"');
  assert.deepEqual(
    (await log('?outcome=conditions')).items.map((e) => e.recordId),
    [plain.id],
  );
  assert.deepEqual(
    (await log(`?recordId=${vip.id}&module=contacts`)).items.map((e) => e.flowId).sort(),
    [vipOnly, every].sort(),
  );
  assert.deepEqual(
    (await log(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items,
    [],
  );
  // Pages, newest first.
  const first = await log('?limit=2');
  const second = await log(`?limit=2&cursor=${first.nextCursor}`);
  assert.equal(first.items.length, 2);
  assert.ok((second.items[0]?.id ?? 0) < (first.items[1]?.id ?? 0));
  const bad = await admin.request('GET', '/api/trigger-log?outcome=maybe');
  assert.equal(bad.statusCode, 400);
  assert.equal(
    (await admin.request('PATCH', '/api/settings', { triggerLogConditions: false })).statusCode,
    200,
  );
});

test('delete one, delete a flow’s, delete all; admins only', async () => {
  const user = await signedInUser(app, db, admin, 'not-admin');
  assert.equal((await user.request('GET', '/api/trigger-log')).statusCode, 403);
  assert.equal((await user.request('DELETE', '/api/trigger-log')).statusCode, 403);

  const [entry] = (await log()).items;
  assert.ok(entry);
  assert.equal((await admin.request('DELETE', `/api/trigger-log/${entry.id}`)).statusCode, 204);
  assert.equal((await admin.request('DELETE', `/api/trigger-log/${entry.id}`)).statusCode, 404);
  assert.ok(!(await log()).items.some((e) => e.id === entry.id));

  const ofVip = await admin.request('DELETE', `/api/trigger-log?flowId=${vipOnly}`);
  assert.equal(ofVip.statusCode, 200);
  assert.deepEqual((await log(`?flowId=${vipOnly}`)).items, []);
  assert.ok((await log(`?flowId=${every}`)).items.length > 0, 'other flows keep theirs');
  const cleared = await admin.request('DELETE', '/api/trigger-log');
  assert.ok(cleared.json().deleted > 0);
  assert.deepEqual((await log()).items, []);
});

test('the cap (triggerLogMax) is enforced by the background prune job', async () => {
  const refused = await admin.request('PATCH', '/api/settings', { triggerLogMax: 5 });
  assert.equal(refused.statusCode, 400, 'below the minimum of 100');
  assert.equal((await admin.request('PATCH', '/api/settings', { triggerLogMax: 100 })).statusCode, 200);
  // 120 entries straight into the table (the dispatcher's own rows; 120 contacts would be slow).
  await db
    .insertInto('flowTriggerLog')
    .values(
      Array.from({ length: 120 }, (_, i) => ({
        flowId: every,
        eventId: null,
        outcome: 'error' as const,
        runId: null,
        detail: `#${i}`,
      })),
    )
    .execute();
  const boss = app.boss;
  assert.ok(boss);
  await boss.send('weft.runs.prune', {});
  const kept = await eventually(async () => {
    const { count } = await db
      .selectFrom('flowTriggerLog')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count) === 100 ? Number(count) : undefined;
  }, 'the log trimmed to its cap');
  assert.equal(kept, 100);
  const newest = await log('?limit=1');
  assert.equal(newest.items[0]?.detail, '#119', 'the newest are kept');
});
